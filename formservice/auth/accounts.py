"""Users, passwords, personal API tokens and the login rate limit."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..storage.models import ApiToken, Institution, LoginFailure, LoginSession, User, utcnow

STAFF, CASEWORKER, ADMIN = "staff", "caseworker", "admin"
ROLES = (STAFF, CASEWORKER, ADMIN)
TOKEN_PREFIX = "fs_"
MIN_PASSWORD = 12
# Checked against when the user does not exist, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("formservice-dummy-password", method="scrypt")


class AccountError(ValueError):
    """A reason in Danish why an account cannot be made as asked."""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def create_user(db, username: str, full_name: str, role: str, password: str,
                institutions: list[str] = ()) -> User:
    if role not in ROLES:
        raise AccountError(f"Ukendt rolle '{role}'. Brug en af: {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Adgangskoden skal være mindst {MIN_PASSWORD} tegn.")
    if db.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(f"Brugeren '{username}' findes allerede.")
    if role == STAFF and not institutions:
        raise AccountError("Personale skal knyttes til mindst én institution (--institution).")
    user = User(username=username, full_name=full_name, role=role,
                password_hash=hash_password(password))
    user.institutions = [institution(db, name) for name in institutions]
    db.add(user)
    db.flush()
    return user


def institution(db, name: str) -> Institution:
    found = db.scalar(select(Institution).where(Institution.name == name))
    if found is None:
        found = Institution(name=name)
        db.add(found)
        db.flush()
    return found


def authenticate(db, username: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def password_mark(user: User) -> str:
    """Kept in the login session: when the password changes, old sessions end."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def start_session(db, user: User) -> str:
    """A new login session; the key goes in the (signed) cookie, its SHA-256 in the table."""
    key = secrets.token_urlsafe(32)
    db.add(LoginSession(key_hash=_digest(key), user_id=user.id))
    db.flush()
    return key


def session_user(db, key: str, max_age_seconds: int) -> User | None:
    found = db.scalar(select(LoginSession).where(LoginSession.key_hash == _digest(key),
                                                 LoginSession.ended_at.is_(None)))
    if found is None:
        return None
    created = found.created_at if found.created_at.tzinfo else found.created_at.replace(
        tzinfo=dt.timezone.utc)
    if utcnow() - created > dt.timedelta(seconds=max_age_seconds):
        return None
    user = db.get(User, found.user_id)
    return user if user is not None and user.active else None


def end_session(db, key: str) -> None:
    found = db.scalar(select(LoginSession).where(LoginSession.key_hash == _digest(key)))
    if found is not None and found.ended_at is None:
        found.ended_at = utcnow()


def create_token(db, user: User, name: str) -> str:
    """A new personal API token; only its SHA-256 is stored, so it is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, name=name, token_hash=_digest(token)))
    db.flush()
    return token


def user_for_token(db, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = db.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token),
                                             ApiToken.revoked.is_(False)))
    if found is None or not found.user.active:
        return None
    return found.user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def too_many_failures(db, username: str, address: str, limit: int, minutes: int) -> bool:
    since = utcnow() - dt.timedelta(minutes=minutes)
    count = db.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.at >= since,
        (LoginFailure.username == username) | (LoginFailure.address == address)))
    return count >= limit


def note_failure(db, username: str, address: str):
    db.add(LoginFailure(username=username[:100], address=address[:64]))


def clear_failures(db, username: str):
    db.execute(delete(LoginFailure).where(LoginFailure.username == username))
