"""The database: institutions, users, cases and everything stored on a case.

Records are kept as the canonical JSON of their form (forms/record.py) with every
version; documents keep their original bytes and SHA-256. The audit log is append-only:
the database itself refuses to change or delete a row (see the migration's triggers).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary,
                        String, Text, UniqueConstraint, event, false, func)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..forms.blocks import NewAction

# An action's fields are the form's (the "new action" row of the meeting forms); each is a
# column of Action below, so a field added to the form without a column fails at import.
ACTION_FIELDS = tuple(NewAction._declared_fields)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    pass


class Institution(Base):
    __tablename__ = "institutions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Membership(Base):
    __tablename__ = "memberships"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # staff | caseworker | admin
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the personal calendar feed's secret (only its SHA-256; renewing it ends the old URL)
    calendar_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    institutions: Mapped[list[Institution]] = relationship(secondary="memberships", lazy="selectin")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(Base):
    """A failed login: the back-off counts them per (username, address), the ceiling per
    address."""
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_address", "username", "address", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Case(Base):
    """A child at an institution."""
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    child_name: Mapped[str] = mapped_column(String(200))
    child_birth_date: Mapped[dt.date | None] = mapped_column(Date)
    group_name: Mapped[str | None] = mapped_column(String(200))
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | closed
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # when it was closed (set with the status, below): the retention period counts from here
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    institution: Mapped[Institution] = relationship(lazy="joined")


@event.listens_for(Case.status, "set")
def _closed_when(case: Case, value, old, _initiator) -> None:
    if value == "closed" and old != "closed":
        case.closed_at = utcnow()
    elif value != "closed" and old == "closed":
        case.closed_at = None


class Document(Base):
    """A file uploaded to or generated for a case: its original bytes, never changed."""
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("case_id", "sha256", "direction"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10))  # uploaded | scanned | generated | signature
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    form_id: Mapped[str | None] = mapped_column(String(40))
    # a signature cut out of a scanned consent: the scan it was cut from
    source_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PrintedDocument(Base):
    """A form the service made for a case (downloaded or printed): what it printed, under an
    opaque token that the document's QR codes carry, so a scan of the paper is read against
    exactly what was printed. The token names no person; only a user with access to the
    case can use it."""
    __tablename__ = "printed_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(16), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(40))
    form_version: Mapped[int] = mapped_column(Integer)
    fmt: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Meeting(Base):
    """One meeting of a case's series; its record has a version per change."""
    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("case_id", "sequence"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)  # 1 = the first meeting
    form_id: Mapped[str] = mapped_column(String(40))
    meeting_date: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # "Markér som sendt": the date, recorded without a new version of the form
    agenda_sent_on: Mapped[dt.date | None] = mapped_column(Date)
    minutes_sent_on: Mapped[dt.date | None] = mapped_column(Date)


class Record(Base):
    """A version of a stored form record: a meeting's, a consent's or a network map's."""
    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("subject", "subject_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    subject: Mapped[str] = mapped_column(String(20))  # meeting | consent | network_map
    subject_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    form_id: Mapped[str] = mapped_column(String(40))
    form_version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    findings: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))  # draft | final
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Action(Base):
    """An agreed action (indsats), followed across the meetings of a case."""
    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))  # agreed at
    description: Mapped[str | None] = mapped_column(Text)
    goal: Mapped[str | None] = mapped_column(Text)
    responsible: Mapped[str | None] = mapped_column(String(200))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    priority: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | stopped
    last_decision: Mapped[str | None] = mapped_column(String(10))  # continue | adjust | stop
    decided_at_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))

    def as_item(self) -> dict:
        """The action as series.apply_follow_up and the follow-up form take it."""
        item = {"id": self.id}
        for name in ACTION_FIELDS:
            value = getattr(self, name)
            item[name] = value.isoformat() if isinstance(value, dt.date) else value
        return item

    def update_from(self, item: dict) -> None:
        """Take the action's fields from a form row (canonical data: dates as ISO text)."""
        for name in ACTION_FIELDS:
            value = item.get(name)
            if isinstance(self.__table__.columns[name].type, Date) and isinstance(value, str):
                value = dt.date.fromisoformat(value)
            setattr(self, name, value)


for _name in ACTION_FIELDS:
    if _name not in Action.__table__.columns:
        raise TypeError(f"the action field '{_name}' of the forms has no column in Action")


class Consent(Base):
    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
    is_final: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def state(self, today: dt.date) -> str:
        """draft (no final record yet: it covers nothing), refused, revoked, expired, valid."""
        if not self.is_final:
            return "draft"
        if self.refused:
            return "refused"
        if self.revoked_on is not None and self.revoked_on <= today:
            return "revoked"
        if self.valid_until is not None and self.valid_until < today:
            return "expired"
        return "valid"


class NetworkMap(Base):
    __tablename__ = "network_maps"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    map_date: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """Who did what to which case data, when and from where. Never changed, never deleted."""
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                            server_default=func.now(), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(20))  # the user's role when acting
    action: Mapped[str] = mapped_column(String(40))  # read | download | upload | change | create | denied | login ...
    resource: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    outcome: Mapped[str] = mapped_column(String(10))  # ok | denied | refused
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict | None] = mapped_column(JSON)


class Batch(Base):
    """A batch of documents to produce; its items are the documents (one task each)."""
    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    total: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[list] = mapped_column(JSON)  # per entry: entry, child, problems
    runner: Mapped[str] = mapped_column(String(10))  # inprocess | celery
    resumed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resumed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class BatchItem(Base):
    """One document of a batch. Produced at most once: a task that finds it done stops."""
    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    entry: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(300))
    form_id: Mapped[str] = mapped_column(String(40))
    fmt: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict] = mapped_column(JSON)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending | done | failed
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    sha256: Mapped[str | None] = mapped_column(String(64))
    findings: Mapped[list | None] = mapped_column(JSON)
    produced_count: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # who is producing it and since when: a claim older than the lease belongs to a dead
    # producer, and the item is produced again (at most a few attempts, then "failed")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """A login session of the pages. The cookie holds a random key; only its SHA-256 is
    stored, and logging out ends the session here, so a copied cookie stops working."""
    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
