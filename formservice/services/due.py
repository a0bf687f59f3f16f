"""What is due — "Det skal jeg nu": agendas to send (for every planned meeting, including
the next one written in the newest minutes), minutes to send, actions past their
deadline, consents expiring, expired or revoked, and meetings without a valid consent.
One list and one wording for the API, the start page and the personal calendar.

A held meeting no longer asks for its agenda. An agenda or minutes marked as sent
("Markér som sendt", `mark_sent`) or written as sent in the form is done. The list is
personal by default: what names the user (the meeting leader for an agenda, who sends
the minutes, an action's responsible), and at the user's own institutions what names no
one; "Hele institutionen" is every item of the cases the user may see.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..forms.blocks import INSTITUTION_ROLES, PARENT_ROLES
from ..rules.common import normalise, short
from ..rules.cross import consent_covers
from ..series import Due, agenda_due, deadlines, minutes_due
from ..storage import queries
from ..storage.models import Case, Meeting, User
from .access import case_for, deny, user_of
from .errors import Invalid
from .unit_of_work import Actor, UnitOfWork

CONSENT_WARN_DAYS = 30
MINE, INSTITUTION = "mine", "institution"
SCOPES = (MINE, INSTITUTION)
STATE_NAMES = {"due": "Snart", "overdue": "Overskredet", "expiring": "Udløber snart",
               "expired": "Udløbet", "revoked": "Trukket tilbage", "missing": "Mangler"}
URGENT = ("overdue", "expired", "revoked", "missing")


@dataclass
class DueItem:
    """Something due on a case."""
    case: Case
    kind: str      # agenda | minutes | action | consent | consent_missing
    state: str     # due | overdue | expiring | expired | revoked | missing
    date: dt.date  # the deadline (consents: when it expires or was revoked; a meeting's day)
    meeting_date: dt.date | None = None
    meeting_id: int | None = None
    who: str | None = None          # the person it names, if any
    action_id: int | None = None
    action: str | None = None       # an action's description, shortened

    @property
    def urgent(self) -> bool:
        return self.state in URGENT

    @property
    def state_text(self) -> str:
        return STATE_NAMES[self.state]

    @property
    def markable(self) -> bool:
        """An agenda or minutes that "Markér som sendt" can close."""
        return self.kind in ("agenda", "minutes")

    @property
    def message(self) -> str:
        """What is due, with its date (the API's wording)."""
        if self.kind == "consent":
            return {"revoked": "Samtykket er trukket tilbage", "expired": "Samtykket er udløbet",
                    "expiring": "Samtykket udløber snart"}[self.state] + f" ({self.date:%d-%m-%Y})"
        if self.kind in ("agenda", "minutes"):
            return Due(self.kind, self.state, self.date, self.meeting_date).label
        return f"{self.what} ({self.date:%d-%m-%Y})"

    @property
    def what(self) -> str:
        """What is to be done, in plain words (the pages show the date beside it)."""
        day = f"{self.meeting_date:%d-%m-%Y}" if self.meeting_date else ""
        if self.kind == "agenda":
            return (f"Dagsorden til mødet {day} er ikke sendt" if self.state == "overdue"
                    else f"Send dagsorden til mødet {day}")
        if self.kind == "minutes":
            return (f"Referat fra mødet {day} er ikke sendt" if self.state == "overdue"
                    else f"Send referat fra mødet {day}")
        if self.kind == "action":
            who = f" ({self.who})" if self.who else ""
            return f"Indsatsen »{self.action}«{who} har overskredet sin tidsfrist"
        if self.kind == "consent_missing":
            return f"Intet gyldigt samtykke til mødet {day}"
        return {"expiring": "Samtykket udløber – få et nyt", "expired": "Samtykket er udløbet",
                "revoked": "Samtykket er trukket tilbage"}[self.state]


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _text(value):
    return " ".join(str(value).split()) if isinstance(value, str) and value.strip() else None


def _closing(data: dict) -> dict:
    return data.get("closing") or data.get("outcome") or {}


def _needs_consent(data: dict) -> bool:
    """A meeting with someone from outside the daycare/school (or a netværksmøde, where
    the authority always takes part) needs the parents' consent."""
    if (data.get("child") or {}).get("anonymised"):
        return False
    if (data.get("meeting") or {}).get("meeting_type") == "NM":
        return True
    return any((p or {}).get("role") not in (None, "child", *INSTITUTION_ROLES, *PARENT_ROLES)
               for p in data.get("participants") or [])


def _meeting_items(case, meeting, data, today, horizon) -> list[DueItem]:
    header, closing = data.get("meeting") or {}, _closing(data)
    agenda_sent = meeting.agenda_sent_on or _date(header.get("agenda_sent"))
    minutes_sent = meeting.minutes_sent_on or _date(closing.get("minutes_sent"))
    day = meeting.meeting_date
    found = []
    for due in deadlines(day, agenda_sent, minutes_sent, today, horizon_days=horizon):
        if due.kind == "agenda" and today >= day:
            continue  # a held meeting no longer asks for its agenda
        who = (_text(header.get("leader")) if due.kind == "agenda"
               else _text(closing.get("minutes_by")) or _text(header.get("note_taker")))
        found.append(DueItem(case, due.kind, due.state, due.date, day, meeting.id, who))
    return found


def items_for(session, cases, today: dt.date, horizon_days: int) -> list[DueItem]:
    """Everything due or overdue in `cases` (open ones), within `horizon_days`."""
    found = []
    for case in cases:
        if case.status != "open":
            continue
        consents = queries.final_consent_data(session, case.id)
        rows = queries.meetings_with_newest_record(session, case.id)
        planned = []
        for meeting, record in rows:
            if meeting.meeting_date is None:
                continue
            data = record.data if record is not None else {}
            found += _meeting_items(case, meeting, data, today, horizon_days)
            planned.append((meeting.meeting_date, meeting.id, data))
        latest = queries.latest_final_minutes(session, case.id)
        if latest is not None:  # the next meeting written in the newest minutes
            next_day = _date(_closing(latest.data).get("next_meeting_date"))
            if next_day is not None and next_day >= today and all(
                    day != next_day for day, _, _ in planned):
                due = agenda_due(next_day)
                if (due - today).days <= horizon_days:
                    found.append(DueItem(case, "agenda", "overdue" if due < today else "due", due,
                                         next_day, None,
                                         _text((latest.data.get("meeting") or {}).get("leader"))))
                planned.append((next_day, None, latest.data))
        for day, meeting_id, data in planned:
            if day >= today and (day - today).days <= horizon_days and _needs_consent(data) \
                    and not any(not consent_covers(consent, day) for consent in consents):
                found.append(DueItem(case, "consent_missing", "missing", day, day, meeting_id))
        for action in queries.open_actions(session, case.id, by_deadline=True):
            if action.deadline is not None and action.deadline < today:
                found.append(DueItem(case, "action", "overdue", action.deadline,
                                     who=_text(action.responsible), action_id=action.id,
                                     action=short(action.description or "", 60)))
        found += _consent_items(session, case, today)
    return found


def _consent_items(session, case, today) -> list[DueItem]:
    states = [(consent, consent.state(today)) for consent in queries.consents(session, case.id)]
    valid = [consent for consent, state in states if state == "valid"]
    found = []
    for consent, state in states:
        if state == "valid" and consent.valid_until is not None \
                and (consent.valid_until - today).days <= CONSENT_WARN_DAYS \
                and not any(other.valid_until is None or other.valid_until > consent.valid_until
                            for other in valid if other is not consent):
            found.append(DueItem(case, "consent", "expiring", consent.valid_until))
        elif state in ("revoked", "expired") and not valid:  # a newer valid consent answers it
            found.append(DueItem(case, "consent", state,
                                 consent.revoked_on if state == "revoked" else consent.valid_until))
    return found


def is_mine(item: DueItem, user: User) -> bool:
    """The item names the user — or names no one, and the case is at one of the user's
    institutions (someone there must see to it)."""
    if item.who:
        names = {normalise(user.full_name), normalise(user.username)}
        return normalise(item.who) in names
    return any(inst.id == item.case.institution_id for inst in user.institutions)


def _sorted(items: list[DueItem]) -> list[DueItem]:
    return sorted(items, key=lambda item: (not item.urgent, item.date, item.case.child_name,
                                           item.kind))


def _scoped(items, user, scope):
    if scope not in SCOPES:
        raise Invalid("Vælg »mine« eller »institution«.",
                      [{"path": "scope", "message": "Visning: vælg »mine« eller »institution«."}])
    return [item for item in items if scope == INSTITUTION or is_mine(item, user)]


def due_items(uow: UnitOfWork, actor: Actor, today: dt.date, horizon_days: int = 14, *,
              institution_id: int | None = None, scope: str = INSTITUTION) -> list[DueItem]:
    """What is overdue or due within `horizon_days` in the actor's open cases, the most
    pressing first; the read is audited with every case it showed."""
    with uow:
        user = user_of(actor)
        cases = queries.cases_of(uow.session, user, open_only=True, institution_id=institution_id)
        found = _sorted(_scoped(items_for(uow.session, cases, today, horizon_days), user, scope))
        uow.audit(actor, "read", "due", detail={
            "count": len(found), "scope": scope,
            "cases": sorted({item.case.id for item in found})})
        uow.commit()
        return found


@dataclass
class Overview:
    cases: list[Case]
    due: list[DueItem]
    scope: str = MINE


def start_page(uow: UnitOfWork, actor: Actor, today: dt.date, horizon_days: int = 7, *,
               scope: str = MINE) -> Overview:
    """My cases, and what I must do now: overdue first, then the next `horizon_days`."""
    with uow:
        user = user_of(actor)
        cases = queries.cases_of(uow.session, user, order_by_name=True)
        due = _sorted(_scoped(items_for(uow.session, cases, today, horizon_days), user, scope))
        uow.audit(actor, "read", "cases", detail={
            "count": len(cases), "cases": [case.id for case in cases], "page": "start",
            "due": len(due), "scope": scope})
        uow.commit()
        return Overview(cases, due, scope)


def mark_sent(uow: UnitOfWork, actor: Actor, case_id: int, what: str, on: dt.date, *,
              meeting_id: int | None = None, meeting_date: dt.date | None = None) -> Meeting:
    """"Markér som sendt": the agenda or minutes of a meeting were sent on `on` — recorded
    on the meeting (audited) without a new version of its form. A meeting known only from
    the minutes' "next meeting" (`meeting_date`) becomes a planned meeting of the case."""
    if what not in ("agenda", "minutes"):
        raise Invalid("Vælg dagsorden eller referat.",
                      [{"path": "what", "message": "Hvad er sendt: vælg dagsorden eller referat."}])
    with uow:
        case = case_for(uow, actor, case_id)
        if on > dt.date.today():
            raise Invalid("Sendt den: datoen kan ikke ligge i fremtiden.",
                          [{"path": "on", "message": "Sendt den: kan ikke ligge i fremtiden."}])
        session = uow.session
        if meeting_id is not None:
            meeting = session.get(Meeting, meeting_id) if 0 < meeting_id < 2**31 else None
            if meeting is None or meeting.case_id != case.id:
                deny(uow, actor, "meeting", meeting_id, case.id)
        elif meeting_date is not None:
            meeting = queries.meeting_on(session, case.id, "follow_up_meeting", meeting_date)
            if meeting is None:
                meeting = Meeting(case_id=case.id, form_id="follow_up_meeting",
                                  meeting_date=meeting_date,
                                  sequence=queries.next_meeting_sequence(session, case.id))
                session.add(meeting)
                session.flush()
        else:
            raise Invalid("Angiv mødet.", [{"path": "meeting_id", "message": "Møde: angiv mødet."}])
        if what == "agenda":
            meeting.agenda_sent_on = on
        else:
            meeting.minutes_sent_on = on
        uow.audit(actor, "change", "meeting", meeting.id, case.id,
                  detail={"sent": what, "on": on.isoformat()})
        uow.commit()
        return meeting


@dataclass
class MeetingStatus:
    """A meeting's agenda and minutes as the case page shows them."""
    agenda: str = ""
    minutes: str = ""
    late: bool = False


def meeting_status(meeting: Meeting, data: dict, today: dt.date) -> MeetingStatus:
    header, closing = data.get("meeting") or {}, _closing(data)
    agenda_sent = meeting.agenda_sent_on or _date(header.get("agenda_sent"))
    minutes_sent = meeting.minutes_sent_on or _date(closing.get("minutes_sent"))
    status = MeetingStatus()
    if agenda_sent:
        status.agenda = f"Sendt {agenda_sent:%d-%m-%Y}"
    if minutes_sent:
        status.minutes = f"Sendt {minutes_sent:%d-%m-%Y}"
    day = meeting.meeting_date
    if day is None:
        return status
    if not agenda_sent:
        due = agenda_due(day)
        if today >= day:
            status.agenda = "Ikke markeret som sendt (mødet er holdt)"
        elif due >= today:
            status.agenda = f"Skal sendes senest {due:%d-%m-%Y}"
        else:
            status.agenda = f"Ikke sendt (frist {due:%d-%m-%Y})"
            status.late = True
    if not minutes_sent and today >= day:
        due = minutes_due(day)
        status.minutes = (f"Skal sendes senest {due:%d-%m-%Y}" if due >= today
                          else f"Overskredet (frist {due:%d-%m-%Y})")
        status.late = status.late or due < today
    return status
