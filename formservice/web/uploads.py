"""Upload a filled form in two steps: read it (the page shows every field beside its label,
with the findings linked to their fields), then store it on the case. Nothing is stored
before the second step; between the two the file waits on the server (web/pending.py)."""
from __future__ import annotations

import hashlib
import logging

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import audit, casework, records
from ..auth.access import case_for
from ..documents.errors import DocumentError
from ..storage import db
from ..storage.models import Document, Record
from . import TOO_LARGE, pending
from .common import login_required, size_text, upload_limit
from .formview import build

log = logging.getLogger("formservice.web")
bp = Blueprint("upload", __name__, url_prefix="/sager/<int:case_id>/upload")
KIND = "upload"
SUFFIXES = (".docx", ".pdf")
HINT = ("Upload en formular, som er hentet her fra siden og udfyldt i Word eller i en "
        "PDF-læser: en .docx- eller .pdf-fil.")


@bp.before_request
@login_required
def _logged_in():
    return None


def _form_page(case, error: str | None = None, status: int = 200):
    return render_template("upload.html", case=case, error=error, hint=HINT,
                           limit=upload_limit()), status


@bp.get("")
def form(case_id):
    return _form_page(case_for(case_id))


def _too_large():
    """413 from reading the request (over MAX_CONTENT_LENGTH): the form again, with why."""
    case = case_for(request.view_args["case_id"])
    return _form_page(case, f"Filen er for stor. Den må højst fylde {size_text(upload_limit())}. "
                            "Gem formularen uden store billeder, eller del den op.", 413)


@bp.post("")
def receive(case_id):
    case = case_for(case_id)
    replaced = request.form.get("erstatter")
    file = request.files.get("fil")
    if file is None or not file.filename:
        return _form_page(case, "Vælg en fil at uploade.", 400)
    limit = upload_limit()
    content = file.stream.read(limit + 1)
    if len(content) > limit:
        return _form_page(case, f"Filen er for stor ({size_text(len(content))} eller mere). "
                                f"Den må højst fylde {size_text(limit)}.", 413)
    if not content:
        return _form_page(case, "Filen er tom. Vælg den udfyldte formular.", 422)
    name = file.filename
    if name.lower().endswith((".docm", ".dotm")):
        return _refused(case, content, name,
                        "Filen er et Word-dokument med makroer (.docm). Gem den som et "
                        "almindeligt Word-dokument (.docx), og upload den igen.")
    try:
        record, _findings = records.parse(content)
    except DocumentError as exc:
        message = str(exc)
        if not name.lower().endswith(SUFFIXES):
            message += " " + HINT
        return _refused(case, content, name, message)
    if replaced:
        pending.drop(replaced)
    token = pending.put(KIND, content, filename=name, case_id=case.id)
    audit.record_now("read", "upload", None, case.id,
                     detail={"sha256": hashlib.sha256(content).hexdigest(), "form": record["form"],
                             "step": "read"})
    return redirect(url_for("web.upload.preview", case_id=case.id, token=token))


def _refused(case, content: bytes, name: str, message: str):
    audit.record_now("upload", "document", None, case.id, outcome="refused",
                     detail={"sha256": hashlib.sha256(content).hexdigest(), "filename": name[:255],
                             "step": "read"})
    return _form_page(case, message, 422)


TOO_LARGE["web.upload.receive"] = _too_large


def case_findings(case, form_id: str, data: dict) -> list[dict]:
    """What storing would add about this case (casework's own checks, run read-only)."""
    return [f.as_dict() for f in casework.case_findings(db.session(), case, form_id, data)]


@bp.get("/<token>")
def preview(case_id, token):
    case = case_for(case_id)
    kept = pending.get(token, KIND, case.id)
    if kept is None:
        return _form_page(case, "Den uploadede fil er ikke gemt længere (efter en time, eller "
                                "når den er gemt eller annulleret). Upload den igen.", 404)
    try:
        record, findings = records.parse(kept.content)
    except DocumentError as exc:  # not expected: it was read once already
        pending.drop(token)
        return _form_page(case, str(exc), 422)
    found = [f.as_dict() for f in findings]
    if not any(f["code"].startswith("shape.") for f in found):
        found += case_findings(case, record["form"], record["data"])
    duplicate = db.session().scalar(select(Record).join(Document, Document.id == Record.document_id)
                                    .where(Document.case_id == case.id,
                                           Document.sha256 == kept.sha256,
                                           Document.direction == "uploaded"))
    view = build(record["form"], record["data"], found)
    return render_template("upload_preview.html", case=case, view=view, token=token,
                           filename=kept.filename, record=record, duplicate=duplicate,
                           limit=upload_limit())


@bp.post("/<token>/gem")
def store(case_id, token):
    case = case_for(case_id)
    kept = pending.get(token, KIND, case.id)
    if kept is None:
        return _form_page(case, "Den uploadede fil er ikke gemt længere (efter en time, eller "
                                "når den er gemt eller annulleret). Upload den igen.", 404)
    session = db.session()
    try:
        stored = casework.upload(session, g.user, case, kept.filename, kept.content)
    except DocumentError as exc:
        session.commit()  # the refusal's audit entry
        pending.drop(token)
        return _form_page(case, str(exc), 422)
    except casework.CaseworkError as exc:
        session.rollback()
        return _form_page(case, str(exc), 422)
    session.commit()
    pending.drop(token)
    if stored.duplicate:
        flash("Denne fil var allerede gemt på sagen. Her er formularen, som den blev gemt.", "info")
    elif stored.record.status == "final":
        flash("Formularen er gemt på sagen som endelig.", "ok")
    else:
        flash("Formularen er gemt på sagen som kladde, fordi den har fejl. Ret dem, og "
              "upload den igen, eller ret dem her i browseren.", "warning")
    return redirect(url_for("web.case.record", case_id=case.id, record_id=stored.record.id))


@bp.post("/<token>/annuller")
def discard(case_id, token):
    case = case_for(case_id)
    pending.drop(token)
    flash("Uploaden er annulleret. Intet er gemt.", "info")
    return redirect(url_for("web.case.show", case_id=case.id))
