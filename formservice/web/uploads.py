"""Upload a filled form in two steps: read it (the page shows every field beside its label,
with the findings linked to their fields), then store it on the case. Nothing is stored
before the second step; between the two the file waits on the server (web/pending.py)."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..documents.errors import DocumentError
from ..request_context import actor, profile, uow
from ..services import cases, scans, uploads
from ..services.errors import ServiceError
from . import TOO_LARGE, pending
from .common import login_required, size_text, upload_limit
from .formview import build

log = logging.getLogger("formservice.web")
bp = Blueprint("upload", __name__, url_prefix="/sager/<id:case_id>/upload")
KIND = "upload"
SUFFIXES = (".docx", ".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff")
HINT = ("Upload en formular, som er hentet her fra siden og udfyldt i Word eller i en "
        "PDF-læser (en .docx- eller .pdf-fil), eller en scanning eller et foto af en "
        "formular, der er udskrevet herfra (.pdf, .jpg eller .png).")
CORRECTION = "ret:"  # the form fields of what a person typed from a scan's pictures
GONE = ("Den uploadede fil er ikke gemt længere (efter en time, eller når den er gemt eller "
        "annulleret). Upload den igen.")


@bp.before_request
@login_required
def _logged_in():
    return None


def _form_page(case, error: str | None = None, status: int = 200):
    return render_template("upload.html", case=case, error=error, hint=HINT,
                           limit=upload_limit()), status


def _case(case_id):
    return cases.get_case(uow(), actor(), case_id, page="upload")


@bp.get("")
def form(case_id):
    return _form_page(_case(case_id))


def _too_large():
    """413 from reading the request (over MAX_CONTENT_LENGTH): the form again, with why."""
    case = _case(request.view_args["case_id"])
    return _form_page(case, f"Filen er for stor. Den må højst fylde {size_text(upload_limit())}. "
                            "Gem formularen uden store billeder, eller del den op.", 413)


@bp.post("")
def receive(case_id):
    case = _case(case_id)
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
        uploads.refuse_upload(uow(), actor(), case.id, content, name, step="read")
        return _form_page(case, "Filen er et Word-dokument med makroer (.docm). Gem den som et "
                                "almindeligt Word-dokument (.docx), og upload den igen.", 422)
    try:
        uploads.read_upload(uow(), actor(), profile(), case.id, name, content)
    except DocumentError as exc:
        message = str(exc)
        if not name.lower().endswith(SUFFIXES):
            message += " " + HINT
        return _form_page(case, message, 422)
    if replaced:
        pending.drop(replaced)
    token = pending.put(KIND, content, filename=name, case_id=case.id)
    return redirect(url_for("web.upload.preview", case_id=case.id, token=token))


TOO_LARGE["web.upload.receive"] = _too_large


@bp.get("/<token>")
def preview(case_id, token):
    case = _case(case_id)
    kept = pending.get(token, KIND, case.id)
    if kept is None:
        return _form_page(case, GONE, 404)
    try:
        shown = uploads.read_upload(uow(), actor(), profile(), case.id, kept.filename,
                                    kept.content, step="preview")
    except DocumentError as exc:  # not expected: it was read once already
        pending.drop(token)
        return _form_page(case, str(exc), 422)
    record = shown.parsed.record
    view = build(record["form"], record["data"], shown.findings)
    return render_template("upload_preview.html", case=case, view=view, token=token,
                           filename=kept.filename, record=record, duplicate=shown.duplicate,
                           review=_review(view, shown.scan), scan=shown.scan,
                           limit=upload_limit())


def _review(view, scan) -> list[dict]:
    """The fields of a scan a person must read from their picture, in the form's order."""
    if scan is None:
        return []
    cells = {cell.path: cell for section in view.sections
             for cell in section.fields + [c for row in section.rows for c in row.cells]}
    items, seen = [], set()
    for finding in view.findings:
        path = finding.get("path")
        if finding.get("code") in scans.REVIEW_CODES and path in cells and path not in seen:
            seen.add(path)
            items.append({"cell": cells[path], "where": finding["where"],
                          "message": finding["message"], "code": finding["code"],
                          "crop": path in scan.crops, "field": CORRECTION + path})
    order = list(cells)
    return sorted(items, key=lambda item: order.index(item["cell"].path))


@bp.get("/<token>/udsnit")
def crop(case_id, token):
    """The picture of one handwritten field of a scan waiting to be stored."""
    case = _case(case_id)
    kept = pending.get(token, KIND, case.id)
    if kept is None:
        abort(404)
    try:
        shown = uploads.read_upload(uow(), actor(), profile(), case.id, kept.filename,
                                    kept.content, step="crop")
    except DocumentError:
        abort(404)
    png = shown.scan.crops.get(request.args.get("felt", "")) if shown.scan else None
    if png is None:
        abort(404)
    return png, 200, {"Content-Type": "image/png", "Cache-Control": "no-store, private",
                      "Content-Disposition": "inline"}


@bp.post("/<token>/gem")
def store(case_id, token):
    case = _case(case_id)
    kept = pending.get(token, KIND, case.id)
    if kept is None:
        return _form_page(case, GONE, 404)
    corrections = {name[len(CORRECTION):]: value for name, value in request.form.items()
                   if name.startswith(CORRECTION)}
    try:
        stored = uploads.store_upload(uow(), actor(), profile(), case.id, kept.filename,
                                      kept.content, corrections=corrections or None)
    except DocumentError as exc:
        pending.drop(token)
        return _form_page(case, str(exc), 422)
    except ServiceError as exc:
        return _form_page(case, exc.message, exc.status)
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
    case = _case(case_id)
    pending.drop(token)
    flash("Uploaden er annulleret. Intet er gemt.", "info")
    return redirect(url_for("web.case.show", case_id=case.id))
