"""Records stored on a case: a meeting's, a consent's or a network map's, each change a
new version. The rules are checked here, where a record is stored — the form's own rules
and those that need the case (the child, the open actions, the stored consents) — and a
record with an error finding is kept as a draft, never as final."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from ..config import Profile
from ..forms import UnknownForm, get_form
from ..forms.record import Finding, error, has_errors
from ..rules import apply_severity
from ..rules.cross import meeting_against_consents
from ..series import ACTION_FIELDS, apply_follow_up
from ..storage import queries
from ..storage.models import Action, Case, Consent, Document, Meeting, NetworkMap, Record
from . import forms
from .access import MAX_ID, NOT_FOUND, case_for, deny, user_of
from .errors import Invalid, NotFound
from .unit_of_work import Actor, UnitOfWork

MEETING_FORMS = ("first_meeting", "follow_up_meeting")
SUBJECTS = {"first_meeting": "meeting", "follow_up_meeting": "meeting",
            "consent": "consent", "network_map": "network_map"}
SUBJECT_FORMS = {"meeting": MEETING_FORMS, "consent": ("consent",), "network_map": ("network_map",)}
SUBJECT_NAMES = {"meeting": "et møde", "consent": "et samtykke", "network_map": "et netværkskort"}
RECORD_NOT_FOUND = "Formularen findes ikke på denne sag, eller du har ikke adgang til den."


@dataclass
class Stored:
    record: Record
    findings: list[dict]
    duplicate: bool = False


def _date(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def lock_case(uow: UnitOfWork, case: Case) -> None:
    """Changes to one case are made one request at a time, so two uploads or records at
    the same moment cannot both take the same meeting number, version or document: on
    PostgreSQL the case's row is locked until the transaction ends; on SQLite every
    transaction already holds the one write lock (BEGIN IMMEDIATE)."""
    uow.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())


def store_record(uow: UnitOfWork, actor: Actor, profile: Profile, case_id: int, form_id: str,
                 data, *, subject: str | None = None, subject_id: int | None = None,
                 document: Document | None = None, extra_findings=(),
                 today: dt.date | None = None) -> Stored:
    """Store a filled form's data on a case: a new meeting, consent or network map, or
    (with `subject_id`) a new version of one. `subject` ("meeting", ...) restricts which
    forms are accepted. Data whose shape is wrong cannot be stored (Invalid, every bad
    field named)."""
    with uow:
        case = case_for(uow, actor, case_id)
        stored = _store(uow, actor, profile, case, form_id, data, subject=subject,
                        subject_id=subject_id, document=document,
                        extra_findings=extra_findings, today=today)
        uow.commit()
        return stored


def new_version(uow: UnitOfWork, actor: Actor, profile: Profile, subject: str, subject_id: int,
                form_id: str, data, *, today: dt.date | None = None) -> Stored:
    """A new version of a stored meeting's, consent's or network map's record."""
    with uow:
        found = subject_for(uow, actor, subject, subject_id)
        case = uow.session.get(Case, found.case_id)
        stored = _store(uow, actor, profile, case, form_id, data, subject=subject,
                        subject_id=found.id, today=today)
        uow.commit()
        return stored


def _store(uow, actor, profile, case, form_id, data, *, subject=None, subject_id=None,
           document=None, extra_findings=(), today=None,
           as_read: forms.Parsed | None = None) -> Stored:
    """Store `data` (or, with `as_read`, a document's data as read: what does not fit its
    field is kept as typed, and the record is a draft with a finding at the field)."""
    form = get_form_or_404(form_id)
    if subject is not None and form.id not in SUBJECT_FORMS[subject]:
        raise Invalid(f"Formularen »{form.title}« kan ikke gemmes som {SUBJECT_NAMES[subject]}.",
                      [{"path": "form", "message": "Forkert formular."}])
    if as_read is not None and not as_read.fits:
        checked = forms.Checked(form.id, as_read.fitting, list(as_read.findings))
        kept = as_read.record["data"]
    else:
        checked = forms.validate(profile, form.id, data, today=today)
        if checked.data is None:
            raise Invalid("Data passer ikke til formularen: " + "; ".join(
                f.message for f in checked.findings),
                [{"path": f.path, "message": f.message} for f in checked.findings])
        kept = checked.data
        checked.findings = list(extra_findings) + checked.findings
    too_long = _too_long_for_columns(form, checked.data)
    if too_long:
        raise Invalid("Data passer ikke til formularen: " + "; ".join(
            e["message"] for e in too_long), too_long)
    session = uow.session
    lock_case(uow, case)
    kind = SUBJECTS[form.id]
    subject_id = subject_id if subject_id is not None else _new_subject(session, case, form.id,
                                                                        checked.data, kind)
    findings = (checked.findings
                + case_findings(uow, profile, case, form.id, checked.data, subject_id))
    status = "draft" if has_errors(findings) else "final"
    version = queries.next_version(session, kind, subject_id)
    record = Record(case_id=case.id, subject=kind, subject_id=subject_id, version=version,
                    form_id=form.id, form_version=form.version, data=kept,
                    findings=[f.as_dict() for f in findings], status=status,
                    document_id=document.id if document else None, created_by=actor.user_id)
    session.add(record)
    session.flush()
    if status == "final":
        _apply_final(session, case, form.id, subject_id, checked.data, today or dt.date.today())
    uow.audit(actor, "change", kind, subject_id, case.id,
              detail={"record": record.id, "version": version, "status": status})
    return Stored(record, record.findings)


def _too_long_for_columns(form, data: dict) -> list[dict]:
    """An action's fields are kept in columns too (the responsible: 200 characters), so a
    longer value than its column holds cannot be stored."""
    errors = []
    for group in ("actions", "ongoing_actions"):
        field = form.shared_schema.fields.get(group)
        for number, row in enumerate(data.get(group) or []):
            for name in ACTION_FIELDS:
                limit = getattr(Action.__table__.columns[name].type, "length", None)
                value = row.get(name) if isinstance(row, dict) else None
                if limit and isinstance(value, str) and len(value) > limit:
                    inner = getattr(getattr(field, "inner", None), "schema", None)
                    label = inner.fields[name].metadata.get("label", name) \
                        if inner is not None and name in inner.fields else name
                    errors.append({"path": f"{group}.{number}.{name}",
                                   "message": f"{label}: højst {limit} tegn (her {len(value)})."})
    return errors


def get_form_or_404(form_id):
    try:
        return get_form(form_id)
    except UnknownForm as exc:
        raise NotFound(str(exc), [{"path": "form", "message": "Ukendt formular."}]) from None


def case_findings(uow: UnitOfWork, profile: Profile, case: Case, form_id: str, data: dict,
                  subject_id: int | None = None) -> list[Finding]:
    """What storing `data` on this case adds to the form's own findings: the child must be
    the case's child; a follow-up must review every action still open; a meeting is
    checked against the consents stored on the case."""
    session = uow.session
    found = _child_findings(case, data) + _follow_up_findings(session, case, form_id, data,
                                                              subject_id)
    if form_id in MEETING_FORMS:
        found += meeting_against_consents(data, queries.final_consent_data(session, case.id))
    return apply_severity(found, profile.severity)


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


def _new_subject(session, case, form_id, data, subject) -> int:
    if subject == "meeting":
        date = _date((data.get("meeting") or {}).get("date"))
        existing = queries.meeting_on(session, case.id, form_id, date) if date else None
        if existing is not None:
            return existing.id
        made = Meeting(case_id=case.id, sequence=queries.next_meeting_sequence(session, case.id),
                       form_id=form_id, meeting_date=date)
    elif subject == "consent":
        made = Consent(case_id=case.id)
    else:
        made = NetworkMap(case_id=case.id, map_date=_date((data.get("map") or {}).get("date")))
    session.add(made)
    session.flush()
    return made.id


def _apply_final(session, case, form_id, subject_id, data, today):
    """What a final record changes on the case: consent state, a meeting's actions."""
    if form_id == "consent":
        consent = session.get(Consent, subject_id)
        consent.is_final = True
        validity, revocation = data["validity"], data["revocation"]
        consent.valid_from = _date(validity["valid_from"])
        consent.valid_until = _date(validity["valid_until"])
        consent.refused = bool(data["refusal"]["refused"])
        consent.revoked_on = (_date(revocation["revoked_date"]) or today
                              if revocation["revoked"] else None)
    elif form_id in MEETING_FORMS:
        meeting = session.get(Meeting, subject_id)
        meeting.meeting_date = _date(data["meeting"]["date"])
        _undo_meeting(session, meeting)
        if form_id == "follow_up_meeting":
            open_before = [a.as_item() for a in queries.open_actions_before(session, meeting)]
            outcome = apply_follow_up(open_before, data)
            for decision, items in (("continue", outcome.continued), ("adjust", outcome.adjusted),
                                    ("stop", outcome.stopped)):
                for item in items:
                    if "id" not in item:  # a reviewed row that matched no stored action
                        continue
                    action = session.get(Action, item["id"])
                    action.last_decision, action.decided_at_meeting_id = decision, meeting.id
                    action.status = "stopped" if decision == "stop" else "open"
                    if decision == "adjust":
                        action.update_from(item)
        for item in data["actions"]:
            action = Action(case_id=case.id, meeting_id=subject_id)
            action.update_from(item)
            session.add(action)
    elif form_id == "network_map":
        session.get(NetworkMap, subject_id).map_date = _date(data["map"]["date"])


def _undo_meeting(session, meeting: Meeting):
    """Take back what an earlier version of this meeting's record did to the actions, so a
    new version applies cleanly: its decisions reopen, its new actions go."""
    for action in queries.actions_decided_at(session, meeting.id):
        action.status, action.last_decision, action.decided_at_meeting_id = "open", None, None
    for action in queries.actions_agreed_at(session, meeting.id):
        session.delete(action)
    session.flush()


def _follow_up_findings(session, case: Case, form_id: str, data: dict, subject_id) -> list[Finding]:
    """An earlier action that a follow-up leaves out (a row deleted by hand) has no decision."""
    if form_id != "follow_up_meeting":
        return []
    meeting = session.get(Meeting, subject_id) if subject_id else None
    if meeting is None:
        meeting = Meeting(case_id=case.id, sequence=queries.next_meeting_sequence(session, case.id))
    open_before = [a.as_item() for a in queries.open_actions_before(session, meeting)]
    outcome = apply_follow_up(open_before, data)
    return [error("follow_up.action_missing", "reviewed_actions",
                  f"Indsatsen »{(item.get('description') or '')[:80]}« fra et tidligere møde "
                  "står ikke i punkt 3. Tilføj den, og skriv en beslutning (fortsæt, justér eller stop).")
            for item in outcome.undecided
            if "id" in item and not any(_same_text(item, row) for row in data["reviewed_actions"])]


def _same_text(action, row) -> bool:
    return " ".join((action.get("description") or "").split()) == " ".join(
        (row.get("description") or "").split())


def check_on_case(uow: UnitOfWork, actor: Actor, profile: Profile, case_id: int, form_id: str,
                  data, *, subject_id: int | None = None,
                  today: dt.date | None = None) -> forms.Checked:
    """What storing `data` on the case would say, without storing anything (the fill
    page's "Kontrollér"): the form's findings and, when its shape fits, the case's."""
    with uow:
        case = case_for(uow, actor, case_id)
        checked = forms.validate(profile, form_id, data, today=today)
        if checked.data is not None:
            checked.findings += case_findings(uow, profile, case, form_id, checked.data, subject_id)
        return checked


# --- reading what is stored -----------------------------------------------------------------

def subject_for(uow: UnitOfWork, actor: Actor, subject: str, subject_id: int):
    """The meeting, consent or network map if the actor may see its case; otherwise the
    same NotFound whether it does not exist or is another's (audited either way)."""
    user_of(actor)
    model = queries.SUBJECT_MODELS[subject]
    found = uow.session.get(model, subject_id) if 0 < subject_id <= MAX_ID else None
    if found is None:
        deny(uow, actor, subject, subject_id, None)
    case_for(uow, actor, found.case_id, resource=subject, resource_id=found.id, message=NOT_FOUND)
    return found


@dataclass
class SubjectView:
    subject: object
    kind: str
    versions: list[Record]
    state: str | None = None

    @property
    def current(self) -> Record | None:
        return self.versions[-1] if self.versions else None


def _view(session, kind, subject, today) -> SubjectView:
    return SubjectView(subject, kind, queries.record_versions(session, kind, subject.id),
                       subject.state(today) if kind == "consent" else None)


def list_subjects(uow: UnitOfWork, actor: Actor, case_id: int, subject: str,
                  today: dt.date | None = None) -> list[SubjectView]:
    """A case's meetings, consents or network maps, each with all its record versions."""
    with uow:
        case = case_for(uow, actor, case_id)
        found = queries.subjects(uow.session, subject, case.id)
        uow.audit(actor, "read", subject, None, case.id, detail={"count": len(found)})
        uow.commit()
        return [_view(uow.session, subject, item, today or dt.date.today()) for item in found]


def get_subject(uow: UnitOfWork, actor: Actor, subject: str, subject_id: int,
                today: dt.date | None = None) -> SubjectView:
    with uow:
        found = subject_for(uow, actor, subject, subject_id)
        uow.audit(actor, "read", subject, found.id, found.case_id)
        uow.commit()
        return _view(uow.session, subject, found, today or dt.date.today())


@dataclass
class RecordView:
    case: Case
    record: Record
    versions: list[Record]
    document: Document | None


def get_record(uow: UnitOfWork, actor: Actor, case_id: int, record_id: int, *,
               page: str | None = None) -> RecordView:
    """One stored record of a case with its versions and the document it came from."""
    with uow:
        case = case_for(uow, actor, case_id, resource="record", resource_id=record_id)
        found = uow.session.get(Record, record_id) if 0 < record_id < 2**31 else None
        if found is None or found.case_id != case.id:
            deny(uow, actor, "record", record_id, case.id, RECORD_NOT_FOUND)
        versions = queries.record_versions(uow.session, found.subject, found.subject_id)
        document = uow.session.get(Document, found.document_id) if found.document_id else None
        detail = {"record": found.id}
        if page:
            detail["page"] = page
        uow.audit(actor, "read", found.subject, found.subject_id, case.id, detail=detail)
        uow.commit()
        return RecordView(case, found, versions, document)


def list_actions(uow: UnitOfWork, actor: Actor, case_id: int) -> list[Action]:
    with uow:
        case = case_for(uow, actor, case_id)
        found = queries.actions(uow.session, case.id)
        uow.audit(actor, "read", "actions", None, case.id)
        uow.commit()
        return found
