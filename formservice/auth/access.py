"""Who is asking, and which cases they may see.

A request is made by the user of its API token (Authorization: Bearer fs_...) or of its
login session. Staff see the cases of their institutions; a caseworker sees the cases
assigned to them (and those of institutions they belong to); an administrator manages
accounts and reads the audit log, but sees no child's data by that role alone.
"""
from __future__ import annotations

from flask import current_app, g, request, session as web_session
from sqlalchemy import or_, select

from .. import audit
from ..errors import fail
from ..storage import db
from ..storage.models import Case, Membership, User
from .accounts import ADMIN, end_session, password_mark, session_user, user_for_token


# Under /api/v1 everything needs a user except the public docs and logging in or out.
API_PREFIX = "/api/v1/"
PUBLIC_API = frozenset({"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/session"})
NOT_FOUND = "Findes ikke, eller du har ikke adgang til det."
CASE_NOT_FOUND = "Sagen findes ikke, eller du har ikke adgang til den."


def load_user() -> None:
    """before_request: find the user behind the request, if any. An API request without
    one is refused (401) here, before its body or arguments are read, so an anonymous
    caller learns nothing about what exists or how a request must look."""
    g.user = None
    g.via_token = False
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.user = user_for_token(db.session(), header[len("Bearer "):].strip())
        g.via_token = True
        if g.user is None:
            audit.record_now("login", "token", outcome="denied")
    else:
        key = web_session.get("key")
        if key is not None:
            user = session_user(db.session(), key,
                                int(current_app.config["PERMANENT_SESSION_LIFETIME"]))
            if user is not None and web_session.get("pw") == password_mark(user):
                g.user = user
            else:
                web_session.clear()
    # End the lookup's transaction: on SQLite every transaction holds the write lock, and
    # the request may now spend a while rendering before it touches the database again.
    db.session().commit()
    if g.user is None and request.path.startswith(API_PREFIX) and request.path not in PUBLIC_API:
        current_user()


def current_user() -> User:
    if g.get("user") is None:
        fail(401, "Du skal logge ind (eller bruge et API-token) for at se dette.")
    return g.user


def require_admin() -> User:
    user = current_user()
    if user.role != ADMIN:
        audit.record_now("denied", "admin", outcome="denied")
        fail(403, "Kun administratorer har adgang til dette.")
    return user


def visible_cases(user: User):
    """A WHERE clause selecting the cases `user` may see."""
    institution_ids = select(Membership.institution_id).where(Membership.user_id == user.id)
    return or_(Case.institution_id.in_(institution_ids), Case.caseworker_id == user.id)


def case_for(case_id: int, *, resource: str = "case", resource_id=None,
             message: str = CASE_NOT_FOUND) -> Case:
    """The case if the current user may see it; otherwise 404, as if it did not exist,
    so no one learns which cases exist at other institutions. Refusals are audited with
    what was asked for (`resource`, `resource_id`: a meeting, a document, ... of the case)."""
    user = current_user()
    found = db.session().scalar(select(Case).where(Case.id == case_id, visible_cases(user)))
    if found is None:
        deny(resource, case_id if resource_id is None else resource_id, case_id, message)
    return found


def deny(resource: str, resource_id, case_id: int | None, message: str = NOT_FOUND):
    """Refuse with 404, the same answer as for something that does not exist, and audit
    the attempt: who, what (the case, when it exists), how (method and path), from where."""
    exists = case_id is not None and db.session().get(Case, case_id) is not None
    audit.record_now("denied", resource, None if resource_id is None else str(resource_id)[:40],
                     case_id if exists else None, outcome="denied",
                     detail={"method": request.method, "path": request.path[:200]})
    fail(404, message)


def may_create_case_at(user: User, institution_id: int) -> bool:
    return any(inst.id == institution_id for inst in user.institutions)


def end_login_session() -> None:
    """Log out: the session ends on the server too, so a copy of the cookie is worthless."""
    key = web_session.get("key")
    if key is not None:
        end_session(db.session(), key)
        audit.record("logout", "session")
        db.session().commit()
    web_session.clear()
