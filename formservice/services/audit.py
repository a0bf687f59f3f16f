"""The GDPR trail: every access to one child's data (a data subject's right of access, GDPR
art. 15), and retention: the data of cases closed long ago and old audit entries deleted.

A case's trail is every audit entry of the case itself (reads, downloads, changes, refused
attempts) and every list read that showed it (its `detail.cases`). Administrators read it
in the API, the command line with `formservice audit export --case N`; reading it is itself
recorded on the case.

Retention deletes, of every case closed longer than the retention period, the case and
everything stored on it (documents, records, meetings, actions, consents, network maps,
batch documents), and the audit entries older than theirs; it leaves an audit entry of
what it deleted. The audit log is append-only in the database, so retention must run as
the schema's owner (DATABASE_OWNER_URL, docs/OPERATIONS.md).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import Text, and_, cast, delete, func, or_, select
from sqlalchemy.exc import DBAPIError

from ..storage import db as storage
from ..storage.models import (Action, AuditEvent, BatchItem, Case, Consent, Document, Meeting,
                              NetworkMap, PrintedDocument, Record, User, utcnow)
from .access import MAX_ID
from .accounts import require_admin_or_system
from .errors import Forbidden, Invalid
from .unit_of_work import Actor, UnitOfWork

FIELDS = ("case_id", "username", "role", "at", "action", "what", "address", "outcome")
FORMATS = ("jsonl", "csv")


# --- one child's trail ------------------------------------------------------------------------

def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _showed(event: AuditEvent, case_id: int) -> bool:
    if event.case_id == case_id:
        return True
    cases = (event.detail or {}).get("cases") if isinstance(event.detail, dict) else None
    return isinstance(cases, list) and case_id in cases


def _what(event: AuditEvent) -> str:
    detail = event.detail if isinstance(event.detail, dict) else {}
    text = event.resource if event.resource_id is None else f"{event.resource} {event.resource_id}"
    if event.case_id is None and isinstance(detail.get("cases"), list):
        shown = len(detail["cases"])
        text += f" (liste med {shown} {'sag' if shown == 1 else 'sager'})"
    if detail.get("page"):
        text += f", side {detail['page']}"
    return text


def case_trail(uow: UnitOfWork, actor: Actor, case_id: int) -> list[dict]:
    """Every access to the case's data, oldest first, each as FIELDS (administrators and
    the command line). The look-up is recorded on the case."""
    if not isinstance(case_id, int) or not 0 < case_id <= MAX_ID:
        raise Invalid("Sagsnummeret skal være et positivt helt tal.",
                      [{"path": "case_id", "message": "Skal være et positivt helt tal."}])
    with uow:
        require_admin_or_system(uow, actor)
        session = uow.session
        # list reads name their cases in `detail`: narrowed in SQL by the number's digits,
        # then exactly here
        candidates = session.scalars(select(AuditEvent).where(or_(
            AuditEvent.case_id == case_id,
            and_(AuditEvent.case_id.is_(None), AuditEvent.detail.is_not(None),
                 cast(AuditEvent.detail, Text).like(f"%{case_id}%"))))
            .order_by(AuditEvent.id))
        found = [event for event in candidates if _showed(event, case_id)]
        ids = {event.user_id for event in found if event.user_id is not None}
        roles = dict(session.execute(select(User.id, User.role).where(User.id.in_(ids))).all()) if ids else {}
        entries = [{"case_id": case_id, "username": event.username,
                    "role": event.role or roles.get(event.user_id), "at": _utc(event.at).isoformat(),
                    "action": event.action, "what": _what(event), "address": event.address,
                    "outcome": event.outcome} for event in found]
        uow.audit(actor, "export", "audit", None, case_id, detail={"count": len(entries)})
        uow.commit()
        return entries


def as_jsonl(entries: list[dict]) -> str:
    return "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries)


def as_csv(entries: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow({key: "" if entry.get(key) is None else entry[key] for key in FIELDS})
    return out.getvalue()


def formatted(entries: list[dict], fmt: str) -> str:
    if fmt not in FORMATS:
        raise Invalid(f"Ukendt format '{fmt}'. Brug jsonl eller csv.")
    return as_csv(entries) if fmt == "csv" else as_jsonl(entries)


# --- retention --------------------------------------------------------------------------------

@dataclass
class Retention:
    """What a retention run deletes (dry run) or deleted (applied)."""
    applied: bool
    closed_before: str
    audit_before: str
    cases: list[int] = field(default_factory=list)
    documents: int = 0
    records: int = 0
    audit_events: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        verb = "Slettet" if self.applied else "Ville slette (prøvekørsel; --apply sletter)"
        return (f"{verb}: {len(self.cases)} sager lukket før {self.closed_before[:10]} "
                f"med {self.documents} dokumenter og {self.records} registreringer; "
                f"{self.audit_events} logposter fra før {self.audit_before[:10]}.")


CASE_TABLES = (Record, Action, Meeting, Consent, NetworkMap, BatchItem, PrintedDocument,
               Document)  # FK order


def run_retention(uow: UnitOfWork, actor: Actor, *, case_days: int, audit_days: int,
                  apply: bool = False, now: dt.datetime | None = None) -> Retention:
    """Delete (with apply; else only count) the data of cases closed more than `case_days`
    ago and the audit entries older than `audit_days`, in one transaction, with an audit
    entry of what was deleted. Needs the schema owner's unit of work on PostgreSQL."""
    if case_days < 1 or audit_days < 1:
        raise Invalid("Opbevaringsperioderne skal være mindst 1 dag.")
    now = now or utcnow()
    closed_before = now - dt.timedelta(days=case_days)
    audit_before = now - dt.timedelta(days=audit_days)
    with uow:
        require_admin_or_system(uow, actor)
        session = uow.session
        cases = list(session.scalars(select(Case.id).where(
            Case.status == "closed", Case.closed_at.is_not(None), Case.closed_at < closed_before)
            .order_by(Case.id)))
        report = Retention(apply, closed_before.isoformat(), audit_before.isoformat(), cases)
        if cases:
            report.documents = session.scalar(select(func.count()).select_from(Document)
                                              .where(Document.case_id.in_(cases)))
            report.records = session.scalar(select(func.count()).select_from(Record)
                                            .where(Record.case_id.in_(cases)))
        report.audit_events = session.scalar(select(func.count()).select_from(AuditEvent)
                                             .where(AuditEvent.at < audit_before))
        if not apply:
            uow.commit()
            return report
        for start in range(0, len(cases), 500):
            chunk = cases[start:start + 500]
            for table in CASE_TABLES:
                session.execute(delete(table).where(table.case_id.in_(chunk)))
            session.execute(delete(Case).where(Case.id.in_(chunk)))
        if report.audit_events:
            try:
                with storage.audit_deletion(session.connection()):
                    session.execute(delete(AuditEvent).where(AuditEvent.at < audit_before))
            except DBAPIError as exc:
                uow.rollback()
                raise Forbidden("Gamle logposter kan kun slettes af databasens ejer-rolle "
                                "(sæt DATABASE_OWNER_URL). Intet er slettet.") from exc
        uow.audit(actor, "delete", "retention", detail={
            "cases": cases, "documents": report.documents, "records": report.records,
            "audit_events": report.audit_events, "closed_before": report.closed_before,
            "audit_before": report.audit_before})
        uow.commit()
        return report
