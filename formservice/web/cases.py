"""A case: the child, the meeting series, open actions, consents, the network map as its
picture, stored records, and the forms to download (pre-filled, blank, next follow-up)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, current_app, render_template, request
from sqlalchemy import select

from .. import audit, batches, records
from ..auth.access import case_for
from ..forms import FORMS
from ..storage import db
from ..storage.models import Case, Document, Record
from . import casedata
from .common import document_response, fmt_arg, login_required
from .formview import build

bp = Blueprint("case", __name__, url_prefix="/sager/<int:case_id>")

RECORD_NOT_FOUND = "Formularen findes ikke på denne sag, eller du har ikke adgang til den."


@bp.before_request
@login_required
def _logged_in():
    return None


def child_data(case: Case) -> dict:
    """What the service knows of the child, to pre-fill any form (as the API does)."""
    return {"child": {"name": case.child_name, "institution": case.institution.name,
                      "birth_date": case.child_birth_date.isoformat() if case.child_birth_date else None,
                      "group": case.group_name}}


def record_of(case: Case, record_id: int) -> Record:
    record = db.session().get(Record, record_id)
    if record is None or record.case_id != case.id:
        from ..auth.access import deny
        deny("record", record_id, case.id, RECORD_NOT_FOUND)
    return record


@bp.get("")
def show(case_id):
    case = case_for(case_id)
    session = db.session()
    today = dt.date.today()
    meetings = casedata.meeting_rows(session, case.id, today)
    network_map = casedata.newest_network_map(session, case.id)
    audit.record_now("read", "case", case.id, case.id, detail={"page": "case"})
    return render_template(
        "case.html", case=case, today=today, meetings=meetings,
        actions=casedata.open_actions(session, case.id),
        consents=casedata.consent_rows(session, case.id, today),
        network_map=network_map, documents=casedata.documents(session, case.id),
        other_records=session.scalars(select(Record).where(
            Record.case_id == case.id, Record.subject != "meeting")
            .order_by(Record.id.desc())).all())


@bp.get("/netvaerkskort.png")
def network_map_picture(case_id):
    case = case_for(case_id, resource="network_map")
    record = casedata.newest_network_map(db.session(), case.id)
    if record is None:
        abort(404)
    from ..documents.network_map_picture import draw_network_map
    size = 1600 if request.args.get("stor") else 900
    picture = draw_network_map(record.data, size_px=size)
    audit.record_now("read", "network_map", record.subject_id, case.id,
                     detail={"record": record.id, "picture": size})
    return Response(picture, mimetype="image/png")


@bp.get("/poster/<int:record_id>")
def record(case_id, record_id):
    case = case_for(case_id, resource="record", resource_id=record_id)
    found = record_of(case, record_id)
    versions = db.session().scalars(select(Record).where(
        Record.subject == found.subject, Record.subject_id == found.subject_id)
        .order_by(Record.version)).all()
    document = db.session().get(Document, found.document_id) if found.document_id else None
    view = build(found.form_id, found.data, found.findings or [])
    audit.record_now("read", found.subject, found.subject_id, case.id, detail={"record": found.id})
    return render_template("record.html", case=case, record=found, view=view,
                           versions=versions, document=document)


@bp.get("/poster/<int:record_id>/hent")
def record_download(case_id, record_id):
    case = case_for(case_id, resource="record", resource_id=record_id)
    found = record_of(case, record_id)
    fmt = fmt_arg()
    if fmt is None:
        abort(404)
    content, _ = records.render(found.form_id, found.data, fmt,
                                municipality=current_app.config["MUNICIPALITY"])
    audit.record_now("download", "form", found.form_id, case.id,
                     detail={"format": fmt, "prefilled": "record", "record": found.id})
    return document_response(content, fmt, f"{found.form_id}-sag-{case.id}-v{found.version}")


@bp.get("/dokumenter/<int:document_id>")
def document(case_id, document_id):
    case = case_for(case_id, resource="document", resource_id=document_id)
    found = db.session().get(Document, document_id)
    if found is None or found.case_id != case.id:
        from ..auth.access import deny
        deny("document", document_id, case.id,
             "Dokumentet findes ikke på denne sag, eller du har ikke adgang til det.")
    audit.record_now("download", "document", found.id, case.id)
    from io import BytesIO

    from flask import send_file
    return send_file(BytesIO(found.content), mimetype=found.content_type, as_attachment=True,
                     download_name=found.filename)


@bp.get("/formularer")
def downloads(case_id):
    case = case_for(case_id)
    session = db.session()
    open_count = len(batches.open_actions(session, case.id))
    previous = batches.latest_minutes(session, case.id)
    audit.record_now("read", "case", case.id, case.id, detail={"page": "downloads"})
    return render_template("downloads.html", case=case, forms=list(FORMS.values()),
                           open_count=open_count, has_minutes=previous is not None)


@bp.get("/formularer/<form_id>/hent")
def download(case_id, form_id):
    case = case_for(case_id)
    fmt = fmt_arg()
    if form_id not in FORMS or fmt is None:
        abort(404)
    blank = request.args.get("tom") == "1"
    municipality = current_app.config["MUNICIPALITY"]
    if blank:
        content = records.render_blank(form_id, fmt, municipality=municipality)
    else:
        content, _ = records.render(form_id, child_data(case), fmt, municipality=municipality)
    audit.record_now("download", "form", form_id, case.id,
                     detail={"format": fmt, "prefilled": "blank" if blank else "child"})
    return document_response(content, fmt, f"{form_id}{'-tom' if blank else ''}-sag-{case.id}")


@bp.get("/naeste-opfoelgning/hent")
def next_follow_up(case_id):
    case = case_for(case_id)
    fmt = fmt_arg()
    if fmt is None:
        abort(404)
    data = batches.next_follow_up(db.session(), case)
    content, _ = records.render("follow_up_meeting", data, fmt,
                                municipality=current_app.config["MUNICIPALITY"])
    audit.record_now("download", "form", "follow_up_meeting", case.id,
                     detail={"format": fmt, "prefilled": "next-follow-up"})
    return document_response(content, fmt, f"opfoelgende-moede-sag-{case.id}")
