"""Cases: open one, change one, list mine, read one (every read audited with its case)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..storage import queries
from ..storage.models import Case, User
from .access import case_for, own_institution, user_of
from .due import meeting_status
from .errors import Forbidden, Invalid
from .unit_of_work import Actor, UnitOfWork

NAME_MAX = 200
CASE_FIELDS = ("child_name", "child_birth_date", "group_name", "caseworker_id", "status")
LABELS = {"institution_id": "Institution", "child_name": "Barnets navn",
          "child_birth_date": "Fødselsdato", "group_name": "Stue/klasse",
          "caseworker_id": "Sagsbehandler", "status": "Status"}


def _problem(errors: list, path: str, message: str) -> None:
    errors.append({"path": path, "message": f"{LABELS[path]}: {message}"})


def _checked_changes(uow: UnitOfWork, changes: dict, today: dt.date) -> dict:
    """The changes as they are stored, or Invalid naming every field that cannot be."""
    errors: list[dict] = []
    out = {}
    if "child_name" in changes:
        name = " ".join(str(changes["child_name"] or "").split())
        if not name:
            _problem(errors, "child_name", "skriv barnets navn.")
        elif len(name) > NAME_MAX:
            _problem(errors, "child_name", f"højst {NAME_MAX} tegn.")
        out["child_name"] = name
    if "child_birth_date" in changes:
        birth = changes["child_birth_date"]
        if birth is not None and birth > today:
            _problem(errors, "child_birth_date", "kan ikke ligge i fremtiden.")
        out["child_birth_date"] = birth
    if "group_name" in changes:
        group = " ".join(str(changes["group_name"] or "").split()) or None
        if group is not None and len(group) > NAME_MAX:
            _problem(errors, "group_name", f"højst {NAME_MAX} tegn.")
        out["group_name"] = group
    if "caseworker_id" in changes:
        caseworker_id = changes["caseworker_id"]
        if caseworker_id is not None:
            caseworker = uow.session.get(User, caseworker_id) if 0 < caseworker_id < 2**31 else None
            if caseworker is None or caseworker.role != "caseworker":
                _problem(errors, "caseworker_id", "den valgte sagsbehandler findes ikke.")
        out["caseworker_id"] = caseworker_id
    if "status" in changes:
        if changes["status"] not in ("open", "closed"):
            _problem(errors, "status", "skal være åben (open) eller lukket (closed).")
        out["status"] = changes["status"]
    if errors:
        raise Invalid("Sagen kan ikke gemmes: " + " ".join(e["message"] for e in errors), errors)
    return out


def create_case(uow: UnitOfWork, actor: Actor, institution_id: int, child_name: str,
                birth_date: dt.date | None = None, group_name: str | None = None,
                caseworker_id: int | None = None, *, today: dt.date | None = None) -> Case:
    """Open a case for a child at one of the actor's institutions."""
    with uow:
        if own_institution(actor, institution_id) is None:
            uow.audit_refusal(actor, "denied", "case", detail={"institution_id": institution_id})
            raise Forbidden("Du kan kun oprette sager på dine egne institutioner.",
                            [{"path": "institution_id",
                              "message": "Institution: vælg en af dine institutioner."}])
        values = _checked_changes(uow, {"child_name": child_name, "child_birth_date": birth_date,
                                        "group_name": group_name, "caseworker_id": caseworker_id},
                                  today or dt.date.today())
        case = Case(institution_id=institution_id, **values)
        uow.session.add(case)
        uow.session.flush()
        uow.audit(actor, "create", "case", case.id, case.id)
        uow.commit()
        return case


def update_case(uow: UnitOfWork, actor: Actor, case_id: int, changes: dict, *,
                today: dt.date | None = None) -> Case:
    with uow:
        case = case_for(uow, actor, case_id)
        values = _checked_changes(uow, {k: v for k, v in changes.items() if k in CASE_FIELDS},
                                  today or dt.date.today())
        for key, value in values.items():
            setattr(case, key, value)
        uow.audit(actor, "change", "case", case.id, case.id, detail={"fields": sorted(values)})
        uow.commit()
        return case


def list_cases(uow: UnitOfWork, actor: Actor, *, page: str | None = None) -> list[Case]:
    """The cases the actor may see; the read is audited with every case it showed."""
    with uow:
        found = queries.cases_of(uow.session, user_of(actor), order_by_name=page is not None)
        detail = {"count": len(found), "cases": [case.id for case in found]}
        if page:
            detail["page"] = page
        uow.audit(actor, "read", "cases", detail=detail)
        uow.commit()
        return found


def get_case(uow: UnitOfWork, actor: Actor, case_id: int, *, page: str | None = None) -> Case:
    with uow:
        case = case_for(uow, actor, case_id)
        uow.audit(actor, "read", "case", case.id, case.id, detail={"page": page} if page else None)
        uow.commit()
        return case


def child_data(case: Case) -> dict:
    """What the service knows of the child, to pre-fill any form."""
    return {"child": {"name": case.child_name, "institution": case.institution.name,
                      "birth_date": case.child_birth_date.isoformat() if case.child_birth_date else None,
                      "group": case.group_name}}


# --- the case page --------------------------------------------------------------------------

CONSENT_STATES = {"valid": "Gyldigt", "expired": "Udløbet", "revoked": "Trukket tilbage",
                  "refused": "Afvist", "draft": "Kladde – gælder ikke endnu"}


@dataclass
class MeetingRow:
    meeting: object
    record: object
    status: object

    @property
    def data(self) -> dict:
        return self.record.data if self.record is not None else {}

    @property
    def agenda(self) -> str:
        return self.status.agenda

    @property
    def minutes(self) -> str:
        return self.status.minutes

    @property
    def late(self) -> bool:
        return self.status.late


@dataclass
class ConsentRow:
    consent: object
    record: object
    state: str
    scan: object = None        # the scanned paper the newest record was read from
    signatures: list = field(default_factory=list)  # cut out of that scan

    @property
    def state_text(self) -> str:
        return CONSENT_STATES.get(self.state, self.state)


@dataclass
class CasePage:
    case: Case
    meetings: list
    actions: list      # (action, the meeting it was agreed at)
    consents: list
    network_map: object
    documents: list
    other_records: list


def case_page(uow: UnitOfWork, actor: Actor, case_id: int, today: dt.date) -> CasePage:
    """Everything the case page shows: the meeting series with each newest record and its
    deadlines, open actions, consents and their state, the network map, documents."""
    with uow:
        case = case_for(uow, actor, case_id)
        session = uow.session
        meetings = [MeetingRow(meeting, record, meeting_status(
                        meeting, record.data if record else {}, today))
                    for meeting, record in queries.meetings_with_newest_record(session, case.id)]
        by_id = {row.meeting.id: row.meeting for row in meetings}
        actions = [(action, by_id.get(action.meeting_id))
                   for action in queries.open_actions(session, case.id, by_deadline=True)]
        documents = queries.documents(session, case.id)
        scanned = {d.id: d for d in documents if d.direction == "scanned"}
        signatures = queries.signatures_of(session, list(scanned))
        consents = []
        for consent in queries.consents(session, case.id):
            record = queries.newest_record(session, "consent", consent.id)
            scan = scanned.get(record.document_id) if record is not None else None
            consents.append(ConsentRow(consent, record, consent.state(today), scan,
                                       signatures.get(scan.id, []) if scan else []))
        page = CasePage(case, meetings, actions, consents,
                        queries.newest_network_map(session, case.id),
                        list(reversed(documents)), queries.other_records(session, case.id))
        uow.audit(actor, "read", "case", case.id, case.id, detail={"page": "case"})
        uow.commit()
        return page


@dataclass
class DownloadsPage:
    case: Case
    open_count: int
    has_minutes: bool


def downloads_page(uow: UnitOfWork, actor: Actor, case_id: int) -> DownloadsPage:
    with uow:
        case = case_for(uow, actor, case_id)
        page = DownloadsPage(case, len(queries.open_actions(uow.session, case.id)),
                             queries.latest_final_minutes(uow.session, case.id) is not None)
        uow.audit(actor, "read", "case", case.id, case.id, detail={"page": "downloads"})
        uow.commit()
        return page
