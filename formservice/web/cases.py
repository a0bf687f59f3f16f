"""A case: the child, the meeting series, open actions, consents, the network map as its
picture, stored records, and the forms to download (pre-filled, blank, next follow-up)."""
from __future__ import annotations

import datetime as dt
from flask import Blueprint, Response, abort, render_template, request

from ..forms import FORMS
from ..request_context import actor, profile, uow
from ..services import cases, documents, records
from .common import attachment_response, document_response, fmt_arg, login_required
from .formview import build

bp = Blueprint("case", __name__, url_prefix="/sager/<id:case_id>")


@bp.before_request
@login_required
def _logged_in():
    return None


@bp.get("")
def show(case_id):
    today = dt.date.today()
    page = cases.case_page(uow(), actor(), case_id, today)
    return render_template(
        "case.html", case=page.case, today=today, meetings=page.meetings, actions=page.actions,
        consents=page.consents, network_map=page.network_map, documents=page.documents,
        other_records=page.other_records)


@bp.get("/netvaerkskort.png")
def network_map_picture(case_id):
    size = 1600 if request.args.get("stor") else 900
    return Response(documents.network_map_picture(uow(), actor(), case_id, size),
                    mimetype="image/png")


@bp.get("/poster/<id:record_id>")
def record(case_id, record_id):
    view = records.get_record(uow(), actor(), case_id, record_id)
    shown = build(view.record.form_id, view.record.data, view.record.findings or [])
    return render_template("record.html", case=view.case, record=view.record, view=shown,
                           versions=view.versions, document=view.document)


@bp.get("/poster/<id:record_id>/hent")
def record_download(case_id, record_id):
    fmt = fmt_arg()
    if fmt is None:
        abort(404)
    made = documents.record_document(uow(), actor(), profile(), case_id, record_id, fmt)
    return document_response(made)


@bp.get("/dokumenter/<id:document_id>")
def document(case_id, document_id):
    found = documents.download_document(uow(), actor(), document_id, case_id=case_id)
    return attachment_response(found.content, found.content_type, found.filename)


@bp.get("/formularer")
def downloads(case_id):
    page = cases.downloads_page(uow(), actor(), case_id)
    return render_template("downloads.html", case=page.case, forms=list(FORMS.values()),
                           open_count=page.open_count, has_minutes=page.has_minutes)


@bp.get("/formularer/<form_id>/hent")
def download(case_id, form_id):
    fmt = fmt_arg()
    if form_id not in FORMS or fmt is None:
        abort(404)
    made = documents.case_form(uow(), actor(), profile(), case_id, form_id, fmt,
                               blank=request.args.get("tom") == "1")
    return document_response(made)


@bp.get("/naeste-opfoelgning/hent")
def next_follow_up(case_id):
    fmt = fmt_arg()
    if fmt is None:
        abort(404)
    made = documents.next_follow_up_document(uow(), actor(), profile(), case_id, fmt)
    return document_response(made)
