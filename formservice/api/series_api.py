"""Meeting series and batches: the next follow-up, deadlines, calendars, batch ZIPs."""
from __future__ import annotations

import datetime as dt
import json

from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from .. import audit, batches, casework, records
from ..auth.access import case_for, current_user, visible_cases
from ..errors import fail
from ..series import Due
from ..series.batch import PlanError, read_plan
from ..series.calendar import MeetingEntry, series_calendar
from ..storage import db
from ..storage.models import Batch, Case, Meeting, Record
from .forms_api import document_response
from .schemas import FormatQuery

blp = Blueprint("series", __name__, url_prefix="/api/v1",
                description="Mødeserier, frister, kalender og samlede bestillinger (batches)")


class DueItem(Schema):
    case_id = fields.Integer()
    child_name = fields.String()
    institution = fields.String()
    kind = fields.String(metadata={"enum": ["agenda", "minutes", "consent"]})
    state = fields.String(metadata={"enum": ["due", "overdue", "expiring", "expired", "revoked"]})
    date = fields.Date()
    meeting_id = fields.Integer(allow_none=True)
    message = fields.String()


class DueQuery(Schema):
    institution_id = fields.Integer()
    today = fields.Date()
    horizon_days = fields.Integer(load_default=14, validate=validate.Range(min=0, max=365))


class BatchIn(Schema):
    entries = fields.List(fields.Dict(), metadata={"description": "a plan's entries (see README)"})
    institution_id = fields.Integer(metadata={"description": "every open case of the institution"})
    forms = fields.List(fields.Raw())
    format = fields.String(load_default="docx", validate=validate.OneOf(["docx", "pdf"]))
    meeting_date = fields.Date()


class BatchOut(Schema):
    id = fields.Integer()
    total = fields.Integer()
    done = fields.Integer()
    failed = fields.Integer()
    percent = fields.Integer()
    ready = fields.Boolean()
    runner = fields.String(metadata={"enum": ["inprocess", "celery"]})
    invalid_entries = fields.List(fields.Dict())


def _meeting_rows(db_session, case_id):
    """(meeting, its newest record's data) for every meeting of a case, in series order."""
    rows = []
    for meeting in db_session.scalars(select(Meeting).where(Meeting.case_id == case_id)
                                      .order_by(Meeting.sequence)):
        record = db_session.scalar(select(Record).where(
            Record.subject == "meeting", Record.subject_id == meeting.id)
            .order_by(Record.version.desc()).limit(1))
        rows.append((meeting, record.data if record else {}))
    return rows


@blp.route("/cases/<int:case_id>/next-follow-up")
class NextFollowUp(MethodView):
    @blp.arguments(FormatQuery, location="query")
    @blp.response(200, content_type="application/octet-stream")
    def get(self, query, case_id):
        """The next follow-up form, pre-filled from the previous minutes with every open action"""
        case = case_for(case_id)
        data = batches.next_follow_up(db.session(), case)
        content, _ = records.render("follow_up_meeting", data, query["format"],
                                    municipality=current_app.config["MUNICIPALITY"])
        audit.record_now("download", "form", "follow_up_meeting", case.id,
                         detail={"format": query["format"], "prefilled": "next-follow-up"})
        return document_response(content, query["format"], f"opfoelgende-moede-sag-{case.id}")


@blp.route("/cases/<int:case_id>/calendar.ics")
class Calendar(MethodView):
    @blp.response(200, content_type="text/calendar")
    def get(self, case_id):
        """The case's meetings and their deadlines as an iCalendar file"""
        case = case_for(case_id)
        entries = []
        rows = _meeting_rows(db.session(), case.id)
        for meeting, data in rows:
            header = data.get("meeting") or {}
            if meeting.meeting_date is None:
                continue
            kind = "Første møde" if meeting.form_id == "first_meeting" else "Opfølgende møde"
            entries.append(MeetingEntry(f"case-{case.id}-meeting-{meeting.id}",
                                        f"{kind} om {case.child_name}", meeting.meeting_date,
                                        header.get("start_time"), header.get("end_time"),
                                        header.get("place")))
        if rows:  # the next meeting agreed at the last one
            closing = rows[-1][1].get("closing") or rows[-1][1].get("outcome") or {}
            if closing.get("next_meeting_date"):
                day = dt.date.fromisoformat(closing["next_meeting_date"])
                if all(entry.date != day for entry in entries):
                    entries.append(MeetingEntry(f"case-{case.id}-next-{day}",
                                                f"Opfølgende møde om {case.child_name}", day,
                                                place=closing.get("next_meeting_place")))
        audit.record_now("download", "calendar", None, case.id)
        content = series_calendar(f"Møder om {case.child_name}", entries)
        return Response(content, mimetype="text/calendar", headers={
            "Content-Disposition": f'attachment; filename="moeder-sag-{case.id}.ics"'})


@blp.route("/due")
class DueOverview(MethodView):
    @blp.arguments(DueQuery, location="query")
    @blp.response(200, DueItem(many=True))
    def get(self, query):
        """What is due and overdue in my cases: agendas, minutes, consents"""
        user = current_user()
        today = query.get("today") or dt.date.today()
        statement = select(Case).where(visible_cases(user), Case.status == "open")
        if "institution_id" in query:
            statement = statement.where(Case.institution_id == query["institution_id"])
        session = db.session()
        items = [{"case_id": item.case.id, "child_name": item.case.child_name,
                  "institution": item.case.institution.name, "kind": item.kind,
                  "state": item.state, "date": item.date, "meeting_id": item.meeting_id,
                  "message": _due_message(item)}
                 for item in casework.due_items(session, session.scalars(statement).all(), today,
                                                query["horizon_days"])]
        audit.record_now("read", "due", detail={"count": len(items)})
        return sorted(items, key=lambda item: (item["date"], item["child_name"]))


def _due_message(item) -> str:
    if item.kind == "consent":
        shown = {"revoked": "Samtykket er trukket tilbage", "expired": "Samtykket er udløbet",
                 "expiring": "Samtykket udløber snart"}[item.state]
        return f"{shown} ({item.date:%d-%m-%Y})"
    return Due(item.kind, item.state, item.date, item.meeting_date).label


@blp.route("/batches")
class Batches(MethodView):
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": BatchIn},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary",
                     "description": "a plan as JSON or CSV (navn;fødselsdato;institution;stue;formularer;format;møder)"}}}}}})
    @blp.response(202, BatchOut)
    def post(self):
        """Start a batch; its documents are produced in the background"""
        user = current_user()
        session = db.session()
        try:
            if request.files.get("file") is not None:
                from .forms_api import uploaded_file
                content = uploaded_file()
                entries = read_plan(content, request.files["file"].filename or "plan.csv")
            else:
                from .forms_api import json_body
                body = BatchIn().load(json_body())
                if "institution_id" in body:
                    if not any(inst.id == body["institution_id"] for inst in user.institutions):
                        fail(403, "Du kan kun bestille for dine egne institutioner.")
                    entries = batches.institution_entries(
                        session, user, body["institution_id"], body.get("forms") or ["follow_up_meeting"],
                        body["format"], body.get("meeting_date"))
                elif "entries" in body:
                    entries = read_plan(json.dumps({"entries": body["entries"]}).encode())
                else:
                    fail(422, 'Angiv "entries" (en plan), "institution_id" eller en fil.')
        except PlanError as exc:
            fail(422, str(exc))
        except ValidationError as exc:
            fail(422, "Bestillingen er ikke gyldig.",
                 [{"path": str(k), "message": "; ".join(map(str, v)) if isinstance(v, list) else str(v)}
                  for k, v in exc.normalized_messages().items()])
        batch, _ = batches.create_batch(session, user, entries, runner=batches.batch_runner())
        session.commit()
        batches.start(current_app._get_current_object(), batch)
        return batches.progress(session, batch), 202, {"Location": f"/api/v1/batches/{batch.id}"}


def _batch(batch_id) -> Batch:
    user = current_user()
    batch = db.session().get(Batch, batch_id)
    if batch is None or batch.created_by != user.id:
        audit.record_now("denied", "batch", str(batch_id), outcome="denied")
        fail(404, "Bestillingen findes ikke, eller den er ikke din.")
    return batch


@blp.route("/batches/<int:batch_id>")
class BatchResource(MethodView):
    @blp.response(200, BatchOut)
    def get(self, batch_id):
        """A batch's progress: done of total"""
        return batches.progress(db.session(), _batch(batch_id))


@blp.route("/batches/<int:batch_id>/download")
class BatchDownload(MethodView):
    @blp.response(200, content_type="application/zip")
    def get(self, batch_id):
        """The batch's ZIP (a folder per child, manifest.json and manifest.csv), streamed"""
        batch = _batch(batch_id)
        state = batches.progress(db.session(), batch)
        if not state["ready"]:
            fail(409, f"Bestillingen er ikke færdig endnu ({state['done']} af {state['total']}).")
        audit.record_now("download", "batch", batch.id)
        chunks = batches.zip_chunks(current_app.extensions["formservice.sessions"], batch.id,
                                    batch.report)
        return Response(stream_with_context(chunks), mimetype="application/zip", headers={
            "Content-Disposition": f'attachment; filename="bestilling-{batch.id}.zip"'})
