"""Cases and what is stored on them: meetings, consents, network maps, documents.

Entry points (API, pages) call these with a database session and the acting user; every
change is audited in the same transaction. A record with error findings is kept as a
draft, never as final. The same document uploaded twice to a case is stored once.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from . import audit, records
from .documents.errors import DocumentError
from .forms import get_form
from .forms.record import Finding, error, has_errors
from .series import apply_follow_up, deadlines
from .storage.models import (Action, Case, Consent, Document, Meeting, NetworkMap, Record,
                             User)

MEETING_FORMS = ("first_meeting", "follow_up_meeting")
SUBJECTS = {"first_meeting": "meeting", "follow_up_meeting": "meeting",
            "consent": "consent", "network_map": "network_map"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"


class CaseworkError(ValueError):
    """Input that cannot be stored; the message is Danish and says why, `errors` which
    fields ([{"path", "message"}], shown by the API as its `errors`)."""

    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.errors = errors or []


@dataclass
class Stored:
    record: Record
    findings: list[dict]
    duplicate: bool = False


def create_case(db, user: User, institution_id: int, child_name: str,
                birth_date: dt.date | None = None, group_name: str | None = None,
                caseworker_id: int | None = None) -> Case:
    if caseworker_id is not None:
        caseworker = db.get(User, caseworker_id)
        if caseworker is None or caseworker.role != "caseworker":
            raise CaseworkError("Den valgte sagsbehandler findes ikke.")
    case = Case(institution_id=institution_id, child_name=child_name.strip(),
                child_birth_date=birth_date, group_name=group_name, caseworker_id=caseworker_id)
    db.add(case)
    db.flush()
    audit.record("create", "case", case.id, case.id)
    return case


def store_record(db, user: User, case: Case, form_id: str, data, *,
                 document: Document | None = None, subject_id: int | None = None,
                 extra_findings: list[Finding] = (), today: dt.date | None = None) -> Stored:
    """Store a filled form's data on a case, as a new record or a new version.

    Data whose shape is wrong cannot be stored at all (CaseworkError with the findings)."""
    form = get_form(form_id)
    checked = records.validate(form_id, data, today=today)
    if checked.data is None:
        raise CaseworkError("Data passer ikke til formularen: " + "; ".join(
            f"{f.path}: {f.message}" for f in checked.findings),
            [{"path": f.path, "message": f.message} for f in checked.findings])
    lock_case(db, case)
    subject = SUBJECTS[form_id]
    subject_id = _subject(db, case, form_id, checked.data, subject, subject_id)
    findings = (list(extra_findings) + checked.findings
                + case_findings(db, case, form_id, checked.data, subject_id))
    status = "draft" if has_errors(findings) else "final"
    version = (db.scalar(select(func.max(Record.version)).where(
        Record.subject == subject, Record.subject_id == subject_id)) or 0) + 1
    record = Record(case_id=case.id, subject=subject, subject_id=subject_id, version=version,
                    form_id=form.id, form_version=form.version, data=checked.data,
                    findings=[f.as_dict() for f in findings], status=status,
                    document_id=document.id if document else None, created_by=user.id)
    db.add(record)
    db.flush()
    if status == "final":
        _apply_final(db, case, form_id, subject_id, checked.data)
    audit.record("change", subject, subject_id, case.id,
                 detail={"record": record.id, "version": version, "status": status})
    return Stored(record, record.findings)


def case_findings(db, case: Case, form_id: str, data: dict,
                  subject_id: int | None = None) -> list[Finding]:
    """What storing `data` on this case would add to the form's own findings: the child
    must be the case's child, and a follow-up must review every action still open."""
    return _child_findings(case, data) + _follow_up_findings(db, case, form_id, data, subject_id)


def _child_findings(case: Case, data: dict) -> list[Finding]:
    name = (data.get("child") or {}).get("name")
    if name and _name_key(name) != _name_key(case.child_name) and not (
            data["child"].get("anonymised") and _name_key(case.child_name).startswith(_name_key(name))):
        return [error("case.child_mismatch", "child.name",
                      f"Barnets navn i formularen ({name}) er ikke barnet i sagen "
                      f"({case.child_name}). Kontrollér, at det er det rigtige dokument.")]
    return []


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _subject(db, case, form_id, data, subject, subject_id) -> int:
    if subject_id is not None:
        return subject_id
    if subject == "meeting":
        date = _date((data.get("meeting") or {}).get("date"))
        existing = db.scalar(select(Meeting).where(
            Meeting.case_id == case.id, Meeting.form_id == form_id,
            Meeting.meeting_date == date)) if date else None
        if existing is not None:
            return existing.id
        sequence = (db.scalar(select(func.max(Meeting.sequence)).where(
            Meeting.case_id == case.id)) or 0) + 1
        meeting = Meeting(case_id=case.id, sequence=sequence, form_id=form_id, meeting_date=date)
        db.add(meeting)
        db.flush()
        return meeting.id
    if subject == "consent":
        consent = Consent(case_id=case.id)
        db.add(consent)
        db.flush()
        return consent.id
    network_map = NetworkMap(case_id=case.id, map_date=_date((data.get("map") or {}).get("date")))
    db.add(network_map)
    db.flush()
    return network_map.id


def _apply_final(db, case, form_id, subject_id, data):
    """What a final record changes on the case: consent state, a meeting's actions."""
    if form_id == "consent":
        consent = db.get(Consent, subject_id)
        consent.is_final = True
        validity, revocation = data["validity"], data["revocation"]
        consent.valid_from = _date(validity["valid_from"])
        consent.valid_until = _date(validity["valid_until"])
        consent.refused = bool(data["refusal"]["refused"])
        consent.revoked_on = (_date(revocation["revoked_date"]) or dt.date.today()
                              if revocation["revoked"] else None)
    elif form_id in MEETING_FORMS:
        meeting = db.get(Meeting, subject_id)
        meeting.meeting_date = _date(data["meeting"]["date"])
        _undo_meeting(db, meeting)
        if form_id == "follow_up_meeting":
            outcome = apply_follow_up(_open_before(db, meeting), data)
            for decision, items in (("continue", outcome.continued), ("adjust", outcome.adjusted),
                                    ("stop", outcome.stopped)):
                for item in items:
                    if "id" not in item:  # a reviewed row that matched no stored action
                        continue
                    action = db.get(Action, item["id"])
                    action.last_decision, action.decided_at_meeting_id = decision, meeting.id
                    action.status = "stopped" if decision == "stop" else "open"
                    if decision == "adjust":
                        _copy_action(action, item)
        for item in data["actions"]:
            action = Action(case_id=case.id, meeting_id=subject_id)
            _copy_action(action, item)
            db.add(action)
    elif form_id == "network_map":
        db.get(NetworkMap, subject_id).map_date = _date(data["map"]["date"])


def _undo_meeting(db, meeting: Meeting):
    """Take back what an earlier version of this meeting's record did to the actions, so a
    new version applies cleanly: its decisions reopen, its new actions go."""
    for action in db.scalars(select(Action).where(Action.decided_at_meeting_id == meeting.id)):
        action.status, action.last_decision, action.decided_at_meeting_id = "open", None, None
    for action in db.scalars(select(Action).where(Action.meeting_id == meeting.id)):
        db.delete(action)
    db.flush()


def _open_before(db, meeting: Meeting) -> list[dict]:
    """The actions still open when this meeting starts, in the order they were agreed."""
    earlier = select(Meeting.id).where(Meeting.case_id == meeting.case_id,
                                       Meeting.sequence < meeting.sequence)
    return [action.as_item() for action in db.scalars(
        select(Action).where(Action.meeting_id.in_(earlier), Action.status == "open")
        .order_by(Action.id))]


def _copy_action(action: Action, item: dict):
    action.description, action.goal = item.get("description"), item.get("goal")
    action.responsible, action.priority = item.get("responsible"), item.get("priority")
    action.deadline = _date(item.get("deadline"))


def _follow_up_findings(db, case: Case, form_id: str, data: dict, subject_id) -> list[Finding]:
    """An earlier action that a follow-up leaves out (a row deleted by hand) has no decision."""
    if form_id != "follow_up_meeting":
        return []
    meeting = db.get(Meeting, subject_id) if subject_id else None
    if meeting is None:
        sequence = (db.scalar(select(func.max(Meeting.sequence)).where(
            Meeting.case_id == case.id)) or 0) + 1
        meeting = Meeting(case_id=case.id, sequence=sequence)
    outcome = apply_follow_up(_open_before(db, meeting), data)
    return [error("follow_up.action_missing", "reviewed_actions",
                  f"Indsatsen »{(item.get('description') or '')[:80]}« fra et tidligere møde "
                  "står ikke i punkt 3. Tilføj den, og skriv en beslutning (fortsæt, justér eller stop).")
            for item in outcome.undecided
            if "id" in item and not any(_same_text(item, row) for row in data["reviewed_actions"])]


def _same_text(action, row) -> bool:
    return " ".join((action.get("description") or "").split()) == " ".join(
        (row.get("description") or "").split())


def _date(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def upload(db, user: User, case: Case, filename: str, content: bytes) -> Stored:
    """Read a filled form and store it on the case. A document already uploaded to this
    case returns the record made from it the first time."""
    digest = hashlib.sha256(content).hexdigest()
    existing = _existing_upload(db, case, digest)
    if existing is not None:
        audit.record("upload", "document", existing.document_id, case.id,
                     detail={"duplicate": True, "sha256": digest})
        return Stored(existing, existing.findings, duplicate=True)
    try:
        record, findings = records.parse(content)
    except DocumentError:
        audit.record("upload", "document", None, case.id, outcome="refused",
                     detail={"sha256": digest, "filename": filename[:255]})
        raise
    lock_case(db, case)
    existing = _existing_upload(db, case, digest)  # stored by another request while we read it
    if existing is not None:
        audit.record("upload", "document", existing.document_id, case.id,
                     detail={"duplicate": True, "sha256": digest})
        return Stored(existing, existing.findings, duplicate=True)
    is_pdf = content.startswith(b"%PDF-")
    document = Document(case_id=case.id, direction="uploaded", filename=filename[:255] or "upload",
                        content_type=PDF_TYPE if is_pdf else DOCX_TYPE, sha256=digest,
                        size=len(content), content=content, form_id=record["form"],
                        created_by=user.id)
    db.add(document)
    try:
        db.flush()
    except IntegrityError:  # the same file, uploaded at this moment by another request
        db.rollback()
        existing = _existing_upload(db, case, digest)
        return Stored(existing, existing.findings, duplicate=True)
    reading = [f for f in findings if f.code.startswith(("word.", "pdf."))]
    stored = store_record(db, user, case, record["form"], record["data"], document=document,
                          extra_findings=reading)
    audit.record("upload", "document", document.id, case.id,
                 detail={"sha256": digest, "record": stored.record.id})
    return stored


def lock_case(db, case: Case) -> None:
    """Changes to one case are made one request at a time, so two uploads or records at
    the same moment cannot both take the same meeting number, version or document: on
    PostgreSQL the case's row is locked until the transaction ends; on SQLite every
    transaction already holds the one write lock (BEGIN IMMEDIATE), and FOR UPDATE is not
    rendered."""
    db.execute(select(Case.id).where(Case.id == case.id).with_for_update())


def _existing_upload(db, case, digest) -> Record | None:
    document = db.scalar(select(Document).where(Document.case_id == case.id,
                                                Document.sha256 == digest,
                                                Document.direction == "uploaded"))
    if document is None:
        return None
    return db.scalar(select(Record).where(Record.document_id == document.id))


CONSENT_WARN_DAYS = 30


@dataclass
class CaseDue:
    """Something due on a case: an agenda or minutes to send, a consent to renew."""
    case: Case
    kind: str      # agenda | minutes | consent
    state: str     # due | overdue | expiring | expired | revoked
    date: dt.date  # the deadline (consents: when it expires or was revoked)
    meeting_date: dt.date | None = None
    meeting_id: int | None = None

    @property
    def urgent(self) -> bool:
        return self.state in ("overdue", "expired", "revoked")


def due_items(db, cases, today: dt.date, horizon_days: int) -> list[CaseDue]:
    """For open cases, what is overdue or due within `horizon_days`: agendas (7 days
    before a meeting) and minutes (7 days after) not yet sent, by each meeting's newest
    record, and consents revoked, expired or expiring within CONSENT_WARN_DAYS."""
    found = []
    for case in cases:
        if case.status != "open":
            continue
        for meeting in db.scalars(select(Meeting).where(Meeting.case_id == case.id)
                                  .order_by(Meeting.sequence)):
            if meeting.meeting_date is None:
                continue
            record = db.scalar(select(Record).where(
                Record.subject == "meeting", Record.subject_id == meeting.id)
                .order_by(Record.version.desc()).limit(1))
            data = record.data if record is not None else {}
            header = data.get("meeting") or {}
            closing = data.get("closing") or data.get("outcome") or {}
            for due in deadlines(meeting.meeting_date, _date(header.get("agenda_sent")),
                                 _date(closing.get("minutes_sent")), today,
                                 horizon_days=horizon_days):
                found.append(CaseDue(case, due.kind, due.state, due.date,
                                     meeting.meeting_date, meeting.id))
        for consent in db.scalars(select(Consent).where(Consent.case_id == case.id)):
            state = consent.state(today)
            if state == "revoked":
                found.append(CaseDue(case, "consent", "revoked", consent.revoked_on))
            elif state == "expired":
                found.append(CaseDue(case, "consent", "expired", consent.valid_until))
            elif (state == "valid" and consent.valid_until is not None
                  and (consent.valid_until - today).days <= CONSENT_WARN_DAYS):
                found.append(CaseDue(case, "consent", "expiring", consent.valid_until))
    return found
