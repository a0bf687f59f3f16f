"""Users, passwords, personal API tokens and the login rate limit."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import replace

from sqlalchemy import delete, func, select

from ..storage import queries
from ..storage.models import ApiToken, Institution, LoginFailure, LoginSession, User, utcnow
from . import passwords
from .access import require_admin
from .errors import Invalid, TooMany, Unauthorized

STAFF, CASEWORKER, ADMIN = "staff", "caseworker", "admin"
ROLES = (STAFF, CASEWORKER, ADMIN)
TOKEN_PREFIX = "fs_"
MIN_PASSWORD = 12
# Checked against when the user does not exist, so a login takes as long either way.
_DUMMY_HASH = passwords.hash_password("formservice-dummy-password")


class AccountError(ValueError):
    """A reason in Danish why an account cannot be made as asked."""


def hash_password(password: str) -> str:
    return passwords.hash_password(password)


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
        passwords.check_password(_DUMMY_HASH, password)
        return None
    return user if passwords.check_password(user.password_hash, password) else None


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


# --- use cases ------------------------------------------------------------------------------

def log_in(uow, actor, username: str, password: str, *, attempts: int, window_minutes: int):
    """Check a login against the rate limit; on success a new login session. Returns
    (user, session key); every failure is audited (TooMany / Unauthorized)."""
    address = actor.address or "?"
    with uow:
        session = uow.session
        if too_many_failures(session, username, address, attempts, window_minutes):
            uow.audit_refusal(actor, "login", "session", outcome="refused",
                              detail={"username": username[:100]})
            raise TooMany("For mange mislykkede forsøg på at logge ind. Vent 15 minutter, "
                          "og prøv igen.")
        user = authenticate(session, username, password)
        if user is None:
            note_failure(session, username, address)
            uow.audit(actor, "login", "session", outcome="denied",
                      detail={"username": username[:100]})
            uow.commit()
            raise Unauthorized("Forkert brugernavn eller adgangskode.")
        clear_failures(session, username)
        key = start_session(session, user)
        uow.audit(replace(actor, user=user), "login", "session", outcome="ok")
        uow.commit()
        return user, key


def log_out(uow, actor, key: str) -> None:
    with uow:
        end_session(uow.session, key)
        uow.audit(actor, "logout", "session")
        uow.commit()


def user_for_session(uow, key: str, max_age_seconds: int) -> User | None:
    with uow:
        user = session_user(uow.session, key, max_age_seconds)
        uow.commit()  # end the lookup's transaction (SQLite: it holds the write lock)
        return user


def user_for_api_token(uow, actor, token: str) -> User | None:
    """The user of a personal API token; a token that is not valid is audited."""
    with uow:
        user = user_for_token(uow.session, token)
        if user is None:
            uow.audit(actor, "login", "token", outcome="denied")
        uow.commit()
        return user


def new_token(uow, actor, name: str, *, username: str | None = None) -> str:
    """A personal API token for the actor (or, from the command line, for `username`)."""
    with uow:
        user = actor.user
        if username is not None:
            user = uow.session.scalar(select(User).where(User.username == username))
            if user is None:
                raise Invalid(f"Brugeren '{username}' findes ikke.")
        token = create_token(uow.session, user, name)
        uow.audit(actor, "create", "token", None, detail={"name": name, "user": user.username})
        uow.commit()
        return token


def new_user(uow, actor, username: str, full_name: str, role: str, password: str,
             institutions: list[str] = ()) -> User:
    with uow:
        user = create_user(uow.session, username, full_name, role, password, institutions)
        uow.audit(actor, "create", "user", user.id, detail={"username": username, "role": role})
        uow.commit()
        return user


def audit_log(uow, actor, *, limit: int, case_id=None, user_id=None, before_id=None):
    """The audit log, newest first (administrators only)."""
    with uow:
        require_admin(uow, actor)
        found = queries.audit_events(uow.session, limit=limit, case_id=case_id, user_id=user_id,
                                     before_id=before_id)
        uow.audit(actor, "read", "audit", detail={"count": len(found)})
        uow.commit()
        return found
