"""The unit of work: one database session, one commit point, and the audit entries of
what is done written in the same transaction as the change.

An entry point makes one per request (or command, or task) and hands it to the service
functions; they enter it (`with uow:`), read and change through `uow.session`, audit
through `uow.audit(actor, ...)` and end with `uow.commit()`. Entering is re-entrant: the
outermost `with` owns the session, and leaving it rolls back whatever was not committed
and closes it. A use case that raises rolls back what it had not committed; one that
returns ends its transaction, so the entry point holding the unit of work open for a
request (depth 1) never keeps a transaction — or SQLite's write lock — while it renders.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from ..storage.models import AuditEvent, User


@dataclass(frozen=True)
class Actor:
    """Who acts and from where: the user (None for an anonymous caller or the system),
    the client's address and, for the audit log, how they asked (method and path)."""
    user: User | None = None
    address: str | None = None
    method: str | None = None
    path: str | None = None

    @property
    def asked(self) -> dict:
        return {"method": self.method, "path": (self.path or "")[:200]}

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None


SYSTEM = Actor(None, None, None, "system")


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker):
        self._factory = session_factory
        self._session: Session | None = None
        self._depth = 0

    def __enter__(self) -> "UnitOfWork":
        if self._depth == 0 and self._session is None:
            self._session = self._factory()
        self._depth += 1
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.close()
        elif exc_type is not None:  # a use case that failed leaves nothing half-done
            self.rollback()
        elif self._depth == 1:
            self._end_transaction()

    def _end_transaction(self) -> None:
        """After a use case, end its transaction (SQLite: release the write lock) without
        expiring what it returned: a use case that changed something has committed; one
        that only read ends with an empty commit; one that left changes uncommitted made
        a mistake, and they are rolled back."""
        session = self._session
        if session is None or not session.in_transaction():
            return
        if session.new or session.dirty or session.deleted:
            session.rollback()
        else:
            session.commit()

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._factory()
        return self._session

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()

    def close(self) -> None:
        """Roll back whatever was not committed and close; what was read stays readable
        (closing detaches the objects without expiring them)."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def audit(self, actor: Actor, action: str, resource: str, resource_id=None,
              case_id: int | None = None, outcome: str = "ok", detail: dict | None = None) -> None:
        """Add an audit entry to the current transaction (stored by the next commit)."""
        user = actor.user
        self.session.add(AuditEvent(
            user_id=user.id if user is not None else None,
            username=user.username if user is not None else None,
            role=user.role if user is not None else None,
            action=action, resource=resource,
            resource_id=None if resource_id is None else str(resource_id)[:40],
            case_id=case_id, outcome=outcome, address=(actor.address or None) and actor.address[:64],
            detail=detail))

    def audit_refusal(self, actor: Actor, action: str, resource: str, resource_id=None,
                      case_id: int | None = None, outcome: str = "denied",
                      detail: dict | None = None) -> None:
        """A refusal is kept even though nothing else of the request is: whatever the
        request had begun is rolled back, and the entry is committed on its own."""
        self.rollback()
        self.audit(actor, action, resource, resource_id, case_id, outcome, detail)
        self.commit()
