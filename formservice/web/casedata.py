"""What the pages show of a case: its meetings with their newest record and deadlines,
open actions, consents, the network map; and what is due across my cases (the same
rules as GET /api/v1/due, read here for the start page)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from ..auth.access import visible_cases
from ..casework import CaseDue, due_items
from ..series import agenda_due, minutes_due
from ..storage.models import (
    Action,
    Case,
    Consent,
    Document,
    Meeting,
    NetworkMap,
    Record,
    User,
)

CONSENT_STATES = {"valid": "Gyldigt", "expired": "Udløbet", "revoked": "Trukket tilbage",
                  "refused": "Afvist", "draft": "Kladde – gælder ikke endnu"}


def newest_record(session, subject: str, subject_id: int) -> Record | None:
    return session.scalar(select(Record).where(Record.subject == subject,
                                               Record.subject_id == subject_id)
                          .order_by(Record.version.desc()).limit(1))


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


@dataclass
class MeetingRow:
    meeting: Meeting
    record: Record | None
    agenda: str = ""
    minutes: str = ""
    late: bool = False

    @property
    def data(self) -> dict:
        return self.record.data if self.record is not None else {}


def meeting_rows(session, case_id: int, today: dt.date) -> list[MeetingRow]:
    rows = []
    for meeting in session.scalars(select(Meeting).where(Meeting.case_id == case_id)
                                   .order_by(Meeting.sequence)):
        row = MeetingRow(meeting, newest_record(session, "meeting", meeting.id))
        header = row.data.get("meeting") or {}
        closing = row.data.get("closing") or row.data.get("outcome") or {}
        agenda_sent, minutes_sent = _date(header.get("agenda_sent")), _date(closing.get("minutes_sent"))
        day = meeting.meeting_date
        if agenda_sent:
            row.agenda = f"Sendt {agenda_sent:%d-%m-%Y}"
        elif day:
            due = agenda_due(day)
            row.agenda = f"Skal sendes senest {due:%d-%m-%Y}" if due >= today else \
                f"Ikke sendt (frist {due:%d-%m-%Y})"
            row.late = row.late or (due < today <= day)
        if minutes_sent:
            row.minutes = f"Sendt {minutes_sent:%d-%m-%Y}"
        elif day and today >= day:
            due = minutes_due(day)
            row.minutes = f"Skal sendes senest {due:%d-%m-%Y}" if due >= today else \
                f"Overskredet (frist {due:%d-%m-%Y})"
            row.late = row.late or due < today
        rows.append(row)
    return rows


@dataclass
class ConsentRow:
    consent: Consent
    record: Record | None
    state: str

    @property
    def state_text(self) -> str:
        return CONSENT_STATES.get(self.state, self.state)


def consent_rows(session, case_id: int, today: dt.date) -> list[ConsentRow]:
    rows = []
    for consent in session.scalars(select(Consent).where(Consent.case_id == case_id)
                                   .order_by(Consent.id)):
        record = newest_record(session, "consent", consent.id)
        rows.append(ConsentRow(consent, record, consent.state(today)))
    return rows


def open_actions(session, case_id: int) -> list[tuple[Action, Meeting | None]]:
    actions = session.scalars(select(Action).where(Action.case_id == case_id,
                                                   Action.status == "open")
                              .order_by(Action.deadline.is_(None), Action.deadline, Action.id)).all()
    meetings = {m.id: m for m in session.scalars(select(Meeting).where(Meeting.case_id == case_id))}
    return [(action, meetings.get(action.meeting_id)) for action in actions]


def newest_network_map(session, case_id: int) -> Record | None:
    return session.scalar(select(Record).where(Record.case_id == case_id,
                                               Record.subject == "network_map")
                          .order_by(Record.id.desc()).limit(1))


def documents(session, case_id: int) -> list[Document]:
    return session.scalars(select(Document).where(Document.case_id == case_id)
                           .order_by(Document.id.desc())).all()


def network_map_count(session, case_id: int) -> int:
    return len(session.scalars(select(NetworkMap.id).where(NetworkMap.case_id == case_id)).all())


# --- the start page: what is due ---------------------------------------------------------

DUE_STATES = {"due": "Snart", "overdue": "Overskredet", "expiring": "Udløber snart",
              "expired": "Udløbet", "revoked": "Trukket tilbage"}


class DueItem(CaseDue):
    """A due item as the start page shows it."""

    @property
    def state_text(self) -> str:
        return DUE_STATES[self.state]

    @property
    def what(self) -> str:
        """What is to be done, in plain words (the date is shown beside it)."""
        day = f"{self.meeting_date:%d-%m-%Y}" if self.meeting_date else ""
        if self.kind == "agenda":
            return (f"Dagsorden til mødet {day} er ikke sendt" if self.state == "overdue"
                    else f"Send dagsorden til mødet {day}")
        if self.kind == "minutes":
            return (f"Referat fra mødet {day} er ikke sendt" if self.state == "overdue"
                    else f"Send referat fra mødet {day}")
        return {"expiring": "Samtykket udløber – få et nyt", "expired": "Samtykket er udløbet",
                "revoked": "Samtykket er trukket tilbage"}[self.state]


@dataclass
class Overview:
    cases: list[Case]
    due: list[DueItem] = field(default_factory=list)


def overview(session, user: User, today: dt.date, horizon_days: int = 7) -> Overview:
    """My cases, and for the open ones what is overdue or due within `horizon_days`
    (casework.due_items, as GET /api/v1/due), the overdue first."""
    cases = session.scalars(select(Case).where(visible_cases(user))
                            .order_by(Case.status != "open", Case.child_name)).all()
    found = Overview(list(cases))
    found.due = [DueItem(item.case, item.kind, item.state, item.date, item.meeting_date,
                         item.meeting_id)
                 for item in due_items(session, cases, today, horizon_days)]
    found.due.sort(key=lambda item: (not item.urgent, item.date, item.case.child_name))
    return found
