"""An iCalendar (.ics) file of a series' meetings and their deadlines (RFC 5545)."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from . import agenda_due, minutes_due

# Europe/Copenhagen: CET, with CEST from the last Sunday of March to the last of October.
VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Copenhagen
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""


@dataclass(frozen=True)
class MeetingEntry:
    key: str                 # stable per meeting (e.g. "case-7-meeting-3")
    title: str
    date: dt.date
    start: str | None = None  # "HH:MM"
    end: str | None = None
    place: str | None = None
    description: str | None = None


def escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space (never inside a character)."""
    out, current = [], b""
    for ch in line:
        encoded = ch.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _event(uid, summary, stamp, *, start=None, end=None, day=None, place=None, description=None):
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", f"SUMMARY:{escape(summary)}"]
    if day is not None:
        lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}", "TRANSP:TRANSPARENT"]
    else:
        lines += [f"DTSTART;TZID=Europe/Copenhagen:{start:%Y%m%dT%H%M%S}",
                  f"DTEND;TZID=Europe/Copenhagen:{end:%Y%m%dT%H%M%S}"]
    if place:
        lines.append(f"LOCATION:{escape(place)}")
    if description:
        lines.append(f"DESCRIPTION:{escape(description)}")
    lines.append("END:VEVENT")
    return lines


def series_calendar(name: str, meetings: list[MeetingEntry], *, domain: str = "formservice",
                    stamp: dt.datetime | None = None) -> bytes:
    stamp = (stamp or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//formservice//Møder om børn//DA",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}",
             *VTIMEZONE.splitlines()]
    for meeting in meetings:
        uid = hashlib.sha256(meeting.key.encode()).hexdigest()[:24]
        if meeting.start:
            start = dt.datetime.combine(meeting.date, dt.time.fromisoformat(meeting.start))
            end = (dt.datetime.combine(meeting.date, dt.time.fromisoformat(meeting.end))
                   if meeting.end and meeting.end > meeting.start else start + dt.timedelta(hours=1))
            lines += _event(f"{uid}-meeting@{domain}", meeting.title, stamp, start=start, end=end,
                            place=meeting.place, description=meeting.description)
        else:
            lines += _event(f"{uid}-meeting@{domain}", meeting.title, stamp, day=meeting.date,
                            place=meeting.place, description=meeting.description)
        lines += _event(f"{uid}-agenda@{domain}", f"Frist: dagsorden til {meeting.title}", stamp,
                        day=agenda_due(meeting.date),
                        description="Dagsordenen sendes senest 7 dage før mødet.")
        lines += _event(f"{uid}-minutes@{domain}", f"Frist: referat af {meeting.title}", stamp,
                        day=minutes_due(meeting.date),
                        description="Referatet sendes senest 7 dage efter mødet.")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
