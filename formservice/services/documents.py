"""Documents of a case: forms pre-filled with what the service knows (the child, the last
minutes, a stored record), the files stored on the case, the network map's picture and
the series as a calendar. Every read and download is audited with its case."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

from ..config import Profile
from ..documents.network_map_picture import draw_network_map
from ..forms import FORMS, UnknownForm
from ..forms.danish import ascii_name, clean_name_part, document_name
from ..forms.record import load_data, load_lenient
from ..series import follow_up_prefill
from ..series.calendar import MeetingEntry, series_calendar
from ..storage import queries
from ..storage.models import Case, Document
from . import forms, scans
from .access import NOT_FOUND, case_for, deny, user_of
from .cases import child_data
from .errors import NotFound
from .records import get_record
from .unit_of_work import Actor, UnitOfWork

DOCUMENT_NOT_FOUND = "Dokumentet findes ikke, eller du har ikke adgang til det."


@dataclass
class Download:
    """A document to download, with its Danish file name ("Dagsorden første møde – Alma
    Sørensen – 10-03-2026.docx": what, who, the meeting's day or the day it was made)."""
    content: bytes
    filename: str
    fmt: str

    @property
    def name(self) -> str:
        """The file name without its suffix."""
        return self.filename.rsplit(".", 1)[0]

    @property
    def content_disposition(self) -> str:
        return attachment(self.filename)


def attachment(filename: str) -> str:
    """Content-Disposition for a download: the Danish name as UTF-8 (`filename*`, RFC 6266)
    and in ASCII for programs that read only `filename` (ø as oe, – as -)."""
    return (f'attachment; filename="{ascii_name(filename)}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}")


def file_name(form_id: str, fmt: str, *, who: str | None = None, data: dict | None = None,
              blank: bool = False, version: int | None = None,
              today: dt.date | None = None) -> str:
    """The file name of a form's document: the meeting's date (or the consent's, the
    map's) from `data` when it has one, else today's."""
    return document_name(form_id, fmt, who=who, day=_day_of(form_id, data or {}), blank=blank,
                         version=version, today=today)


def _day_of(form_id: str, data: dict) -> dt.date | None:
    if form_id == "consent":
        value = (data.get("validity") or {}).get("valid_from")
    elif form_id == "network_map":
        value = (data.get("map") or {}).get("date")
    else:
        value = (data.get("meeting") or {}).get("date")
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def batch_zip_name(batch_id: int) -> str:
    return f"Bestilling {batch_id}.zip"


def calendar_name(who: str) -> str:
    return f"Møder – {clean_name_part(who)}.ics"


def _form_id(form_id: str) -> str:
    if form_id not in FORMS:
        raise NotFound(str(UnknownForm(form_id)))
    return form_id


def case_form(uow: UnitOfWork, actor: Actor, profile: Profile, case_id: int, form_id: str,
              fmt: str, *, blank: bool = False, flatten: bool = False) -> Download:
    """A form for the case: pre-filled with the child, or blank."""
    form_id = _form_id(form_id)
    with uow:
        case = case_for(uow, actor, case_id)
        content, printed = _printed(uow, actor, profile, case, form_id,
                                    {} if blank else child_data(case), fmt, flatten=flatten)
        uow.audit(actor, "download", "form", form_id, case.id,
                  detail={"format": fmt, "prefilled": "blank" if blank else "child",
                          "print": printed})
        uow.commit()
        return Download(content, file_name(form_id, fmt, who=case.child_name, blank=blank), fmt)


def _printed(uow, actor, profile, case, form_id, data, fmt, *, flatten=False):
    """A form made for a case, with its print remembered under a new token (every page's
    QR code carries it), so a scan of the paper is read against what was printed."""
    token = scans.print_token()
    content, checked = forms.render(profile, form_id, data, fmt, flatten=flatten,
                                    document_id=token)
    scans.new_print(uow, actor, case, form_id, fmt, checked.data, token)
    return content, token


def next_follow_up_data(uow: UnitOfWork, case: Case, meeting_date: dt.date | None = None) -> dict:
    """The next follow-up's data for a case: from its latest final minutes, with every
    action still open waiting for its decision."""
    session = uow.session
    latest = queries.latest_final_minutes(session, case.id)
    previous = latest.data if latest is not None else child_data(case)
    open_items = [action.as_item() for action in queries.open_actions(session, case.id)]
    data = follow_up_prefill(previous, open_items, meeting_date=meeting_date)
    canonical, _ = load_data("follow_up_meeting", data)
    return canonical


def next_follow_up(uow: UnitOfWork, actor: Actor, case_id: int, *,
                   page: str | None = None) -> tuple[Case, dict]:
    """The case and its next follow-up's data, to fill in on a page (audited)."""
    with uow:
        case = case_for(uow, actor, case_id)
        data = next_follow_up_data(uow, case)
        uow.audit(actor, "read", "case", case.id, case.id,
                  detail={"page": page or "fill", "form": "follow_up_meeting", "source": "naeste"})
        uow.commit()
        return case, data


def next_follow_up_document(uow: UnitOfWork, actor: Actor, profile: Profile, case_id: int,
                            fmt: str) -> Download:
    with uow:
        case = case_for(uow, actor, case_id)
        data = next_follow_up_data(uow, case)
        content, printed = _printed(uow, actor, profile, case, "follow_up_meeting", data, fmt)
        uow.audit(actor, "download", "form", "follow_up_meeting", case.id,
                  detail={"format": fmt, "prefilled": "next-follow-up", "print": printed})
        uow.commit()
        return Download(content, file_name("follow_up_meeting", fmt, who=case.child_name,
                                           data=data), fmt)


def record_document(uow: UnitOfWork, actor: Actor, profile: Profile, case_id: int,
                    record_id: int, fmt: str) -> Download:
    """A stored record as a Word or PDF document."""
    with uow:
        view = get_record(uow, actor, case_id, record_id, page="download")
        # a draft may keep a value that does not fit its field: the document leaves it out
        fitting, _, _ = load_lenient(view.record.form_id, view.record.data)
        content, printed = _printed(uow, actor, profile, view.case, view.record.form_id, fitting,
                                    fmt)
        uow.audit(actor, "download", "form", view.record.form_id, view.case.id,
                  detail={"format": fmt, "prefilled": "record", "record": view.record.id,
                          "print": printed})
        uow.commit()
        return Download(content, file_name(view.record.form_id, fmt, who=view.case.child_name,
                                           data=fitting, version=view.record.version), fmt)


def list_documents(uow: UnitOfWork, actor: Actor, case_id: int) -> list[Document]:
    with uow:
        case = case_for(uow, actor, case_id)
        found = queries.documents(uow.session, case.id)
        uow.audit(actor, "read", "documents", None, case.id, detail={"count": len(found)})
        uow.commit()
        return found


def _document(uow, actor, document_id: int, case_id: int | None) -> Document:
    user_of(actor)
    found = uow.session.get(Document, document_id) if 0 < document_id < 2**31 else None
    if found is None or (case_id is not None and found.case_id != case_id):
        if case_id is not None:
            case_for(uow, actor, case_id, resource="document", resource_id=document_id,
                     message=DOCUMENT_NOT_FOUND)
        deny(uow, actor, "document", document_id, case_id, DOCUMENT_NOT_FOUND)
    case_for(uow, actor, found.case_id, resource="document", resource_id=found.id,
             message=DOCUMENT_NOT_FOUND)
    return found


def get_document(uow: UnitOfWork, actor: Actor, document_id: int) -> Document:
    """A document's metadata."""
    with uow:
        found = _document(uow, actor, document_id, None)
        uow.audit(actor, "read", "document", found.id, found.case_id)
        uow.commit()
        return found


def download_document(uow: UnitOfWork, actor: Actor, document_id: int, *,
                      case_id: int | None = None) -> Document:
    """A stored document with its original bytes (of `case_id` when given)."""
    with uow:
        found = _document(uow, actor, document_id, case_id)
        uow.audit(actor, "download", "document", found.id, found.case_id)
        uow.commit()
        return found


def network_map_picture(uow: UnitOfWork, actor: Actor, case_id: int, size_px: int) -> bytes:
    """The case's newest network map drawn as a PNG."""
    with uow:
        case = case_for(uow, actor, case_id, resource="network_map")
        record = queries.newest_network_map(uow.session, case.id)
        if record is None:
            raise NotFound(NOT_FOUND)
        picture = draw_network_map(load_lenient("network_map", record.data)[0], size_px=size_px)
        uow.audit(actor, "read", "network_map", record.subject_id, case.id,
                  detail={"record": record.id, "picture": size_px})
        uow.commit()
        return picture


def calendar(uow: UnitOfWork, actor: Actor, case_id: int) -> tuple[bytes, str]:
    """The case's meetings, and the next one agreed at the last, as iCalendar."""
    with uow:
        case = case_for(uow, actor, case_id)
        entries = []
        rows = queries.meetings_with_newest_record(uow.session, case.id)
        for meeting, record in rows:
            header = (record.data if record else {}).get("meeting") or {}
            if meeting.meeting_date is None:
                continue
            kind = "Første møde" if meeting.form_id == "first_meeting" else "Opfølgende møde"
            entries.append(MeetingEntry(f"case-{case.id}-meeting-{meeting.id}",
                                        f"{kind} om {case.child_name}", meeting.meeting_date,
                                        header.get("start_time"), header.get("end_time"),
                                        header.get("place")))
        if rows and rows[-1][1] is not None:  # the next meeting agreed at the last one
            data = rows[-1][1].data
            closing = data.get("closing") or data.get("outcome") or {}
            if closing.get("next_meeting_date"):
                day = dt.date.fromisoformat(closing["next_meeting_date"])
                if all(entry.date != day for entry in entries):
                    entries.append(MeetingEntry(f"case-{case.id}-next-{day}",
                                                f"Opfølgende møde om {case.child_name}", day,
                                                place=closing.get("next_meeting_place")))
        uow.audit(actor, "download", "calendar", None, case.id)
        uow.commit()
        return series_calendar(f"Møder om {case.child_name}", entries), calendar_name(case.child_name)


def browser_document(uow: UnitOfWork, actor: Actor, profile: Profile, case_id: int,
                     form_id: str, data: dict, fmt: str) -> Download:
    """A form filled in the browser for a case, as a document (nothing stored)."""
    with uow:
        case = case_for(uow, actor, case_id)
        content, printed = _printed(uow, actor, profile, case, form_id, data, fmt)
        uow.audit(actor, "download", "form", form_id, case.id,
                  detail={"format": fmt, "prefilled": "browser", "print": printed})
        uow.commit()
        return Download(content, file_name(form_id, fmt, who=case.child_name, data=data), fmt)
