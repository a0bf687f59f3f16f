"""A personal calendar: a private iCalendar feed of the meetings of the user's cases and
their deadlines, at a secret URL the user can renew (only the key's SHA-256 is kept; a
new key ends the old URL). The feed names a child by first name and case number only."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select

from ..series.calendar import MeetingEntry, series_calendar
from ..storage import queries
from ..storage.models import User
from .access import user_of
from .unit_of_work import Actor, UnitOfWork

KIND_NAMES = {"first_meeting": "Første møde", "follow_up_meeting": "Opfølgende møde"}


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_calendar_key(uow: UnitOfWork, actor: Actor) -> str:
    """A new secret for the actor's calendar URL (shown once); the old URL stops working."""
    with uow:
        user = uow.session.get(User, user_of(actor).id)
        key = secrets.token_urlsafe(24)
        user.calendar_key_hash = _digest(key)
        uow.audit(actor, "create", "calendar_key", user.id)
        uow.commit()
        return key


def calendar_for_key(uow: UnitOfWork, key: str, address: str | None = None) -> bytes | None:
    """The feed of the user whose key this is, or None (an unknown or renewed key)."""
    if not key or len(key) > 100:
        return None
    with uow:
        user = uow.session.scalar(select(User).where(User.calendar_key_hash == _digest(key)))
        if user is None or not user.active:
            return None
        entries, shown = [], []
        for case in queries.cases_of(uow.session, user, open_only=True):
            first_name = case.child_name.split()[0] if case.child_name.split() else ""
            for meeting, record in queries.meetings_with_newest_record(uow.session, case.id):
                if meeting.meeting_date is None:
                    continue
                header = (record.data if record else {}).get("meeting") or {}
                entries.append(MeetingEntry(
                    f"case-{case.id}-meeting-{meeting.id}",
                    f"{KIND_NAMES.get(meeting.form_id, 'Møde')} – {first_name} (sag {case.id})",
                    meeting.meeting_date, header.get("start_time"), header.get("end_time"),
                    header.get("place")))
                shown.append(case.id)
            latest = queries.latest_final_minutes(uow.session, case.id)
            closing = (latest.data.get("closing") or latest.data.get("outcome") or {}) \
                if latest is not None else {}
            next_day = _date(closing.get("next_meeting_date"))
            if next_day is not None and all(entry.date != next_day for entry in entries
                                            if entry.key.startswith(f"case-{case.id}-")):
                # the next meeting agreed at the last one, before anyone has planned it
                entries.append(MeetingEntry(
                    f"case-{case.id}-next-{next_day}",
                    f"Opfølgende møde – {first_name} (sag {case.id})", next_day,
                    place=closing.get("next_meeting_place")))
                shown.append(case.id)
        uow.audit(Actor(user, address, "GET", "/kalender"), "read", "calendar", user.id,
                  detail={"cases": sorted(set(shown))})
        uow.commit()
        return series_calendar(f"Møder – {user.full_name}", entries)


__all__ = ["calendar_for_key", "new_calendar_key"]
