"""What is due across the actor's open cases: agendas (7 days before a meeting) and
minutes (7 days after) not yet sent, by each meeting's newest record, and consents
revoked, expired or expiring. One list and one wording for the API and the pages."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..series import Due, deadlines
from ..storage import queries
from ..storage.models import Case
from .access import user_of
from .unit_of_work import Actor, UnitOfWork

CONSENT_WARN_DAYS = 30
STATE_NAMES = {"due": "Snart", "overdue": "Overskredet", "expiring": "Udløber snart",
               "expired": "Udløbet", "revoked": "Trukket tilbage"}


@dataclass
class DueItem:
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

    @property
    def state_text(self) -> str:
        return STATE_NAMES[self.state]

    @property
    def message(self) -> str:
        """What is due, with its date (the API's wording)."""
        if self.kind == "consent":
            return {"revoked": "Samtykket er trukket tilbage", "expired": "Samtykket er udløbet",
                    "expiring": "Samtykket udløber snart"}[self.state] + f" ({self.date:%d-%m-%Y})"
        return Due(self.kind, self.state, self.date, self.meeting_date).label

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
        return {"expiring": "Samtykket udløber – få et nyt", "expired": "Samtykket er udløbet",
                "revoked": "Samtykket er trukket tilbage"}[self.state]


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def items_for(session, cases, today: dt.date, horizon_days: int) -> list[DueItem]:
    found = []
    for case in cases:
        if case.status != "open":
            continue
        for meeting, record in queries.meetings_with_newest_record(session, case.id):
            if meeting.meeting_date is None:
                continue
            data = record.data if record is not None else {}
            header = data.get("meeting") or {}
            closing = data.get("closing") or data.get("outcome") or {}
            for due in deadlines(meeting.meeting_date, _date(header.get("agenda_sent")),
                                 _date(closing.get("minutes_sent")), today,
                                 horizon_days=horizon_days):
                found.append(DueItem(case, due.kind, due.state, due.date,
                                     meeting.meeting_date, meeting.id))
        for consent in queries.consents(session, case.id):
            state = consent.state(today)
            if state == "revoked":
                found.append(DueItem(case, "consent", "revoked", consent.revoked_on))
            elif state == "expired":
                found.append(DueItem(case, "consent", "expired", consent.valid_until))
            elif (state == "valid" and consent.valid_until is not None
                  and (consent.valid_until - today).days <= CONSENT_WARN_DAYS):
                found.append(DueItem(case, "consent", "expiring", consent.valid_until))
    return found


def due_items(uow: UnitOfWork, actor: Actor, today: dt.date, horizon_days: int = 14, *,
              institution_id: int | None = None) -> list[DueItem]:
    """What is overdue or due within `horizon_days` in the actor's open cases, the most
    pressing first; the read is audited with every case it showed."""
    with uow:
        cases = queries.cases_of(uow.session, user_of(actor), open_only=True,
                                 institution_id=institution_id)
        found = items_for(uow.session, cases, today, horizon_days)
        found.sort(key=lambda item: (item.date, item.case.child_name))
        uow.audit(actor, "read", "due", detail={
            "count": len(found), "cases": sorted({item.case.id for item in found})})
        uow.commit()
        return found


@dataclass
class Overview:
    cases: list[Case]
    due: list[DueItem]


def start_page(uow: UnitOfWork, actor: Actor, today: dt.date, horizon_days: int = 7) -> Overview:
    """My cases, and what is overdue or due within a week, the overdue first."""
    with uow:
        cases = queries.cases_of(uow.session, user_of(actor), order_by_name=True)
        due = items_for(uow.session, cases, today, horizon_days)
        due.sort(key=lambda item: (not item.urgent, item.date, item.case.child_name))
        uow.audit(actor, "read", "cases", detail={
            "count": len(cases), "cases": [case.id for case in cases], "page": "start",
            "due": len(due)})
        uow.commit()
        return Overview(cases, due)


@dataclass
class MeetingStatus:
    """A meeting's agenda and minutes as the case page shows them."""
    agenda: str = ""
    minutes: str = ""
    late: bool = False


def meeting_status(meeting_date: dt.date | None, data: dict, today: dt.date) -> MeetingStatus:
    header = data.get("meeting") or {}
    closing = data.get("closing") or data.get("outcome") or {}
    agenda_sent, minutes_sent = _date(header.get("agenda_sent")), _date(closing.get("minutes_sent"))
    status = MeetingStatus()
    if agenda_sent:
        status.agenda = f"Sendt {agenda_sent:%d-%m-%Y}"
    if minutes_sent:
        status.minutes = f"Sendt {minutes_sent:%d-%m-%Y}"
    if meeting_date is None:
        return status
    for due in deadlines(meeting_date, agenda_sent, minutes_sent, today, horizon_days=10**5):
        text = (f"Skal sendes senest {due.date:%d-%m-%Y}" if due.state == "due"
                else f"Overskredet (frist {due.date:%d-%m-%Y})")
        if due.kind == "agenda":
            status.agenda = text if due.state == "due" else f"Ikke sendt (frist {due.date:%d-%m-%Y})"
            status.late = status.late or (due.state == "overdue" and today <= meeting_date)
        else:
            status.minutes = text
            status.late = status.late or due.state == "overdue"
    return status
