"""Users, passwords, personal API tokens and the login rate limit.

Stopping a person takes effect at their next request: a deactivated user's login sessions
and tokens, and a revoked or expired token, are refused wherever a request is answered
(`user_for_session`, `user_for_api_token`). Administrators (in the API) and the command
line (the SYSTEM actor) list, activate and deactivate users, set passwords, list and
revoke tokens; every change is audited.

The login rate limit cannot be turned against other people: failures count per (user
name, client address), with a lock that doubles each time it is reached again within a
day; an address's ceiling only turns its *wrong* passwords into 429s — a correct password
from the same address (another person behind the same proxy) still logs in.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, replace

from sqlalchemy import delete, func, select, update

from ..storage import queries
from ..storage.models import ApiToken, Institution, LoginFailure, LoginSession, User, utcnow
from . import passwords
from .access import MAX_ID, require_admin
from .errors import Conflict, Invalid, NotFound, TooMany, Unauthorized
from .unit_of_work import Actor, UnitOfWork

STAFF, CASEWORKER, ADMIN = "staff", "caseworker", "admin"
ROLES = (STAFF, CASEWORKER, ADMIN)
TOKEN_PREFIX = "fs_"
TOKEN_DAYS = 90
MIN_PASSWORD = passwords.MIN_LENGTH
# Checked against when the user does not exist, so a login takes as long either way.
_DUMMY_HASH = passwords.hash_password("formservice-dummy-password")
USER_NOT_FOUND = "Brugeren findes ikke."
TOKEN_NOT_FOUND = "Tokenet findes ikke, eller du har ikke adgang til det."


class AccountError(ValueError):
    """A reason in Danish why an account cannot be made as asked."""


def hash_password(password: str) -> str:
    return passwords.hash_password(password)


def check_new_password(password: str, username: str = "", full_name: str = "") -> None:
    problem = passwords.weakness(password, (username, full_name))
    if problem:
        raise AccountError(problem)


def create_user(db, username: str, full_name: str, role: str, password: str,
                institutions: list[str] = ()) -> User:
    if role not in ROLES:
        raise AccountError(f"Ukendt rolle '{role}'. Brug en af: {', '.join(ROLES)}.")
    if not username or len(username) > 100 or username != username.strip() or "\x00" in username:
        raise AccountError("Brugernavnet skal være 1-100 tegn uden mellemrum før og efter.")
    check_new_password(password, username, full_name)
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
    if utcnow() - _utc(found.created_at) > dt.timedelta(seconds=max_age_seconds):
        return None
    user = db.get(User, found.user_id)
    return user if user is not None and user.active else None


def end_session(db, key: str) -> None:
    found = db.scalar(select(LoginSession).where(LoginSession.key_hash == _digest(key)))
    if found is not None and found.ended_at is None:
        found.ended_at = utcnow()


def end_all_sessions(db, user: User) -> int:
    """End every login session of the user (deactivated, or a new password)."""
    return db.execute(update(LoginSession).where(LoginSession.user_id == user.id,
                                                 LoginSession.ended_at.is_(None))
                      .values(ended_at=utcnow())).rowcount


def create_token(db, user: User, name: str, *, days: int = TOKEN_DAYS) -> str:
    """A new personal API token valid for `days`; only its SHA-256 is stored, so it is
    shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, name=name, token_hash=_digest(token),
                    expires_at=utcnow() + dt.timedelta(days=days)))
    db.flush()
    return token


def token_state(token: ApiToken, now: dt.datetime | None = None) -> str:
    """active, revoked or expired."""
    if token.revoked:
        return "revoked"
    if token.expires_at is not None and _utc(token.expires_at) <= (now or utcnow()):
        return "expired"
    return "active"


def valid_token(db, token: str) -> ApiToken | None:
    """The stored token if it is neither revoked nor expired and its user is active."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    found = db.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if found is None or token_state(found) != "active" or not found.user.active:
        return None
    return found


def user_for_token(db, token: str) -> User | None:
    found = valid_token(db, token)
    return found.user if found is not None else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


# --- the login rate limit -------------------------------------------------------------------

@dataclass(frozen=True)
class LoginLimits:
    """attempts: failures of one user name from one address before it is locked for
    window_minutes; each further lock within `memory_hours` lasts twice the one before
    (at most a day). address_limit: failures from one address (any user name) per
    window_minutes before its wrong passwords are answered 429."""
    attempts: int = 5
    window_minutes: int = 15
    address_limit: int = 50
    memory_hours: int = 24

    @property
    def window(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.window_minutes)


MAX_LOCK = dt.timedelta(hours=24)


def locked_until(failures: list[dt.datetime], limits: LoginLimits) -> dt.datetime | None:
    """When the lock of one (user name, address) ends, from its failures: `attempts`
    failures within the window lock it for the window; the next lock (the same again,
    after the lock has passed) for twice as long, and so on. A failure recorded while a
    lock held (it cannot be, but two requests may race) does not count."""
    lock_end = None
    pending: list[dt.datetime] = []
    locks = 0
    for moment in sorted(_utc(at) for at in failures):
        if lock_end is not None and moment < lock_end:
            continue
        pending = [at for at in pending if moment - at < limits.window] + [moment]
        if len(pending) >= max(limits.attempts, 1):
            locks += 1
            lock_end = moment + min(limits.window * 2 ** (locks - 1), MAX_LOCK)
            pending = []
    return lock_end


def pair_failures(db, username: str, address: str, limits: LoginLimits) -> list[dt.datetime]:
    since = utcnow() - dt.timedelta(hours=limits.memory_hours)
    return list(db.scalars(select(LoginFailure.at).where(
        LoginFailure.username == username, LoginFailure.address == address,
        LoginFailure.at >= since)))


def address_failures(db, address: str, limits: LoginLimits) -> int:
    return db.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.address == address, LoginFailure.at >= utcnow() - limits.window))


def note_failure(db, username: str, address: str, limits: LoginLimits | None = None):
    """Record a failed login, and forget those older than anything counts."""
    db.add(LoginFailure(username=username[:100], address=address[:64]))
    hours = (limits or LoginLimits()).memory_hours
    db.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - dt.timedelta(hours=hours)))


def clear_failures(db, username: str, address: str | None = None):
    """A successful login forgets the failures of that user name from that address."""
    statement = delete(LoginFailure).where(LoginFailure.username == username)
    if address is not None:
        statement = statement.where(LoginFailure.address == address)
    db.execute(statement)


def _wait_text(until: dt.datetime) -> str:
    seconds = max(1, int((until - utcnow()).total_seconds() + 0.999))
    minutes = -(-seconds // 60)
    if minutes <= 90:
        return "1 minut" if minutes == 1 else f"{minutes} minutter"
    hours = -(-minutes // 60)
    return f"{hours} timer"


# --- use cases ------------------------------------------------------------------------------

def log_in(uow, actor, username: str, password: str, *, limits: LoginLimits | None = None,
           attempts: int | None = None, window_minutes: int | None = None):
    """Check a login against the rate limit; on success a new login session. Returns
    (user, session key); every failure is audited (TooMany / Unauthorized)."""
    limits = limits or LoginLimits()
    if attempts is not None or window_minutes is not None:
        limits = replace(limits, attempts=attempts if attempts is not None else limits.attempts,
                         window_minutes=window_minutes or limits.window_minutes)
    address = (actor.address or "?")[:64]
    name = username[:100]
    with uow:
        session = uow.session
        until = locked_until(pair_failures(session, name, address, limits), limits)
        if until is not None and until > utcnow():
            uow.audit_refusal(actor, "login", "session", outcome="refused",
                              detail={"username": name, "until": until.isoformat()})
            raise TooMany("For mange mislykkede forsøg på at logge ind. Vent "
                          f"{_wait_text(until)}, og prøv igen.")
        crowded = address_failures(session, address, limits) >= limits.address_limit
        user = authenticate(session, username, password)
        if user is None:
            note_failure(session, name, address, limits)
            if crowded:  # the address's ceiling: its wrong passwords only
                uow.audit(actor, "login", "session", outcome="refused",
                          detail={"username": name, "address_limit": limits.address_limit})
                uow.commit()
                raise TooMany("For mange mislykkede forsøg på at logge ind fra din adresse. "
                              "Vent lidt, og prøv igen.")
            uow.audit(actor, "login", "session", outcome="denied", detail={"username": name})
            uow.commit()
            raise Unauthorized("Forkert brugernavn eller adgangskode.")
        clear_failures(session, name, address)
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


TOUCH_EVERY = dt.timedelta(seconds=60)  # last_used_at is written at most once a minute


def user_for_api_token(uow, actor, token: str) -> User | None:
    """The user of a personal API token that is neither revoked nor expired, of a user who
    is active; any other token is audited (with why, when it exists)."""
    with uow:
        session = uow.session
        found = valid_token(session, token)
        if found is None:
            stored = (session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
                      if token.startswith(TOKEN_PREFIX) and len(token) <= 200 else None)
            detail = None
            if stored is not None:
                state = token_state(stored)
                detail = {"token_id": stored.id,
                          "reason": "inactive user" if state == "active" else state}
            uow.audit(actor, "login", "token", stored.id if stored else None, outcome="denied",
                      detail=detail)
        elif found.last_used_at is None or utcnow() - _utc(found.last_used_at) > TOUCH_EVERY:
            found.last_used_at = utcnow()
        uow.commit()
        return found.user if found is not None else None


@dataclass(frozen=True)
class NewToken:
    """A token just made: the secret (shown this once) and what is kept of it."""
    token: str
    id: int
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime

    def __str__(self) -> str:
        return self.token


def new_token(uow, actor, name: str, *, username: str | None = None,
              days: int = TOKEN_DAYS) -> NewToken:
    """A personal API token for the actor (or, from the command line, for `username`)."""
    with uow:
        user = actor.user
        if username is not None:
            user = uow.session.scalar(select(User).where(User.username == username))
            if user is None:
                raise Invalid(f"Brugeren '{username}' findes ikke.")
        if user is None:
            raise Unauthorized("Du skal logge ind for at få et API-token.")
        if not user.active:
            raise Invalid(f"Brugeren '{user.username}' er deaktiveret.")
        token = create_token(uow.session, user, name, days=days)
        stored = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
        uow.audit(actor, "create", "token", stored.id,
                  detail={"name": name, "user": user.username, "days": days})
        uow.commit()
        return NewToken(token, stored.id, stored.name, _utc(stored.created_at),
                        _utc(stored.expires_at))


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


# --- managing accounts (administrators; the command line) ---------------------------------

def is_system(actor: Actor) -> bool:
    """The command line and the service itself: no user, no HTTP request."""
    return actor.user is None and actor.method is None


def require_admin_or_system(uow: UnitOfWork, actor: Actor) -> None:
    if not is_system(actor):
        require_admin(uow, actor)


def _user(uow: UnitOfWork, actor: Actor, username: str | None, user_id: int | None) -> User:
    session = uow.session
    if username is not None:
        found = session.scalar(select(User).where(User.username == username))
        missing = f"Brugeren '{username}' findes ikke."
    else:
        found = session.get(User, user_id) if isinstance(user_id, int) and 0 < user_id <= MAX_ID else None
        missing = USER_NOT_FOUND
    if found is None:
        uow.audit_refusal(actor, "denied", "user", username or user_id, outcome="denied",
                          detail=actor.asked)
        raise NotFound(missing)
    return found


def list_users(uow: UnitOfWork, actor: Actor) -> list[User]:
    with uow:
        require_admin_or_system(uow, actor)
        found = list(uow.session.scalars(select(User).order_by(User.username)))
        uow.audit(actor, "read", "users", detail={"count": len(found)})
        uow.commit()
        return found


def change_user(uow: UnitOfWork, actor: Actor, *, username: str | None = None,
                user_id: int | None = None, active: bool | None = None,
                password: str | None = None) -> User:
    """Activate or deactivate a user, or set their password (both at once from the API).
    Deactivating, and a new password, end the user's login sessions at once; a deactivated
    user's tokens are refused while they are deactivated."""
    with uow:
        require_admin_or_system(uow, actor)
        user = _user(uow, actor, username, user_id)
        changed = {}
        if active is not None and active != user.active:
            if not active and actor.user is not None and actor.user.id == user.id:
                raise Invalid("Du kan ikke deaktivere dig selv.",
                              [{"path": "active", "message": "Du kan ikke deaktivere dig selv."}])
            user.active = active
            changed["active"] = active
        if password is not None:
            problem = passwords.weakness(password, (user.username, user.full_name))
            if problem:
                raise Invalid(problem, [{"path": "password", "message": problem}])
            user.password_hash = hash_password(password)
            changed["password"] = True
        if changed.get("active") is False or changed.get("password"):
            changed["sessions_ended"] = end_all_sessions(uow.session, user)
        uow.audit(actor, "change", "user", user.id,
                  detail={"username": user.username, **changed})
        uow.commit()
        return user


def set_active(uow: UnitOfWork, actor: Actor, username: str, active: bool) -> User:
    return change_user(uow, actor, username=username, active=active)


def set_password(uow: UnitOfWork, actor: Actor, username: str, password: str) -> User:
    return change_user(uow, actor, username=username, password=password)


def tokens_of(uow: UnitOfWork, actor: Actor, *, username: str | None = None,
              user_id: int | None = None) -> list[ApiToken]:
    """A user's tokens, newest first: for administrators, the command line, or the user."""
    with uow:
        own = actor.user is not None and user_id is not None and actor.user.id == user_id
        if not own:
            require_admin_or_system(uow, actor)
        user = _user(uow, actor, username, user_id)
        found = list(uow.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                         .order_by(ApiToken.id.desc())))
        uow.audit(actor, "read", "tokens", user.id, detail={"count": len(found)})
        uow.commit()
        return found


def revoke_token(uow: UnitOfWork, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one token (by its number) at once; the user's other tokens go on. An
    administrator, the command line, or the token's own user."""
    with uow:
        session = uow.session
        found = (session.get(ApiToken, token_id)
                 if isinstance(token_id, int) and 0 < token_id <= MAX_ID else None)
        allowed = found is not None and (
            is_system(actor) or (actor.user is not None
                                 and (actor.user.role == ADMIN or actor.user.id == found.user_id)))
        if not allowed:
            if actor.user is None and not is_system(actor):
                raise Unauthorized("Du skal logge ind (eller bruge et API-token) for at se dette.")
            uow.audit_refusal(actor, "denied", "token", token_id, detail=actor.asked)
            raise NotFound(TOKEN_NOT_FOUND)
        if found.revoked:
            raise Conflict(f"Token {found.id} er allerede tilbagekaldt.")
        found.revoked = True
        found.revoked_at = utcnow()
        uow.audit(actor, "revoke", "token", found.id,
                  detail={"user": found.user.username, "name": found.name})
        uow.commit()
        return found
