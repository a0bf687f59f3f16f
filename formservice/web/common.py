"""What every page needs: login, Danish dates and labels, document responses."""
from __future__ import annotations

import datetime as dt
import functools
from io import BytesIO
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, send_file, url_for

from ..forms import FORMS
from ..forms.danish import plural
from ..forms.options import meeting_types
from ..services.documents import attachment

MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "pdf": "application/pdf"}
FORMAT_NAMES = {"docx": "Word", "pdf": "PDF"}
STATUS_NAMES = {"draft": "Kladde", "final": "Endelig"}
SEVERITY_NAMES = {"error": "Fejl", "warning": "Advarsel"}
MEETING_NAMES = {"first_meeting": "Første møde", "follow_up_meeting": "Opfølgende møde"}


def login_required(view):
    """A page for users who are logged in; others go to the login page and come back."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (never another site, "//evil", "\\evil")."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or "\n" in target or "\r" in target:
        return None
    return target


def danish_date(value) -> str:
    """A date as Danish staff write it: 03-12-2026."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%d-%m-%Y %H:%M")
    return value.strftime("%d-%m-%Y")


def form_title(form_id: str) -> str:
    form = FORMS.get(form_id)
    return form.title if form else form_id


def meeting_type_name(code) -> str:
    """A meeting type by its name (Udviklingsmøde), never its code (UM)."""
    return dict(meeting_types()).get(code, code or "")


def size_text(size: int) -> str:
    """A byte count as people write it: 20 MB, 1,5 MB, 64 kB."""
    value, unit = (size / (1024 * 1024), "MB") if size >= 1024 * 1024 else (size / 1024, "kB")
    shown = f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}".replace(".", ",")
    return f"{shown} {unit}"


def upload_limit() -> int:
    return int(current_app.config["MAX_UPLOAD_BYTES"])


def document_response(made):
    """A document (services.documents.Download) as a download with its Danish name."""
    return attachment_response(made.content, MEDIA[made.fmt], made.filename)


def attachment_response(content: bytes, mimetype: str, filename: str):
    response = send_file(BytesIO(content), mimetype=mimetype)
    response.headers["Content-Disposition"] = attachment(filename)
    return response


def fmt_arg() -> str | None:
    fmt = request.args.get("format", "docx")
    return fmt if fmt in MEDIA else None


def init_filters(app) -> None:
    app.add_template_filter(danish_date, "dkdate")
    app.add_template_filter(form_title, "form_title")
    app.add_template_filter(size_text, "size_text")
    app.add_template_filter(plural, "plural")
    app.add_template_filter(meeting_type_name, "meeting_type")
    app.add_template_global(FORMAT_NAMES, "FORMAT_NAMES")
    app.add_template_global(STATUS_NAMES, "STATUS_NAMES")
    app.add_template_global(SEVERITY_NAMES, "SEVERITY_NAMES")
    app.add_template_global(MEETING_NAMES, "MEETING_NAMES")
    app.add_template_global(FORMS, "FORMS")
