"""Who may see what. Staff see the cases of their institutions; a caseworker the cases
assigned to them (and those of institutions they belong to); an administrator manages
accounts and reads the audit log, but sees no child's data by that role alone.

Something the caller may not see is answered exactly as something that does not exist
(NotFound), so no one learns which cases exist at other institutions; the attempt is
audited with what was asked for.
"""
from __future__ import annotations

from ..storage import queries
from ..storage.models import Case, Institution, User
from .errors import Forbidden, NotFound, Unauthorized
from .unit_of_work import Actor, UnitOfWork

ADMIN = "admin"
NOT_FOUND = "Findes ikke, eller du har ikke adgang til det."
CASE_NOT_FOUND = "Sagen findes ikke, eller du har ikke adgang til den."
LOGIN_NEEDED = "Du skal logge ind (eller bruge et API-token) for at se dette."


def user_of(actor: Actor) -> User:
    if actor.user is None:
        raise Unauthorized(LOGIN_NEEDED)
    return actor.user


def case_for(uow: UnitOfWork, actor: Actor, case_id: int, *, resource: str = "case",
             resource_id=None, message: str = CASE_NOT_FOUND) -> Case:
    """The case if the actor may see it; otherwise NotFound, audited."""
    user = user_of(actor)
    found = queries.visible_case(uow.session, user, case_id) if _is_id(case_id) else None
    if found is None:
        deny(uow, actor, resource, case_id if resource_id is None else resource_id, case_id, message)
    return found


def deny(uow: UnitOfWork, actor: Actor, resource: str, resource_id, case_id: int | None,
         message: str = NOT_FOUND):
    """Refuse as if it did not exist, and audit the attempt: who, what (the case, when it
    exists), how (method and path), from where."""
    exists = _is_id(case_id) and uow.session.get(Case, case_id) is not None
    uow.audit_refusal(actor, "denied", resource, resource_id, case_id if exists else None,
                      detail=actor.asked)
    raise NotFound(message)


def require_admin(uow: UnitOfWork, actor: Actor) -> User:
    user = user_of(actor)
    if user.role != ADMIN:
        uow.audit_refusal(actor, "denied", "admin", detail=actor.asked)
        raise Forbidden("Kun administratorer har adgang til dette.")
    return user


def own_institution(actor: Actor, institution_id) -> Institution | None:
    """The institution if the actor belongs to it."""
    user = user_of(actor)
    return next((inst for inst in user.institutions if inst.id == institution_id), None)


# Ids beyond what the databases store (PostgreSQL integer, SQLite 64-bit) cannot exist.
MAX_ID = 2**31 - 1


def _is_id(value) -> bool:
    return isinstance(value, int) and 0 < value <= MAX_ID
