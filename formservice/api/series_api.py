"""Meeting series and batches: the next follow-up, deadlines, calendars, batch ZIPs."""
from __future__ import annotations

import datetime as dt
import json

from flask import Response, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from ..errors import fail
from ..request_context import actor, profile, services, uow
from ..series.batch import PlanError, read_plan
from ..services import batches, documents, due
from . import clean_filename
from .forms_api import document_response, json_body, uploaded_file
from .schemas import FormatQuery, Id, UtcDateTime

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
    institution_id = Id()
    today = fields.Date()
    horizon_days = fields.Integer(load_default=14, validate=validate.Range(min=0, max=365))


class BatchIn(Schema):
    entries = fields.List(fields.Dict(), metadata={"description": "a plan's entries (see README)"})
    institution_id = Id(metadata={"description": "every open case of the institution"})
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
    resumed = fields.Integer(metadata={"description": "how many times the batch was resumed "
                                                      "after its producer died"})
    resumed_at = UtcDateTime(allow_none=True)


@blp.route("/cases/<id:case_id>/next-follow-up")
class NextFollowUp(MethodView):
    @blp.arguments(FormatQuery, location="query")
    @blp.response(200, content_type="application/octet-stream")
    def get(self, query, case_id):
        """The next follow-up form, pre-filled from the previous minutes with every open action"""
        made = documents.next_follow_up_document(uow(), actor(), profile(), case_id, query["format"])
        return document_response(made.content, made.fmt, made.name)


@blp.route("/cases/<id:case_id>/calendar.ics")
class Calendar(MethodView):
    @blp.response(200, content_type="text/calendar")
    def get(self, case_id):
        """The case's meetings and their deadlines as an iCalendar file"""
        content, filename = documents.calendar(uow(), actor(), case_id)
        return Response(content, mimetype="text/calendar", headers={
            "Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/due")
class DueOverview(MethodView):
    @blp.arguments(DueQuery, location="query")
    @blp.response(200, DueItem(many=True))
    def get(self, query):
        """What is due and overdue in my cases: agendas, minutes, consents"""
        found = due.due_items(uow(), actor(), query.get("today") or dt.date.today(),
                              query["horizon_days"], institution_id=query.get("institution_id"))
        return [{"case_id": item.case.id, "child_name": item.case.child_name,
                 "institution": item.case.institution.name, "kind": item.kind,
                 "state": item.state, "date": item.date, "meeting_id": item.meeting_id,
                 "message": item.message} for item in found]


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
        try:
            if request.files.get("file") is not None:
                content = uploaded_file()
                entries = read_plan(content, clean_filename(request.files["file"].filename or "plan.csv"))
            else:
                body = BatchIn().load(json_body())
                if "institution_id" in body:
                    entries = batches.institution_entries(
                        uow(), actor(), body["institution_id"],
                        body.get("forms") or ["follow_up_meeting"], body["format"],
                        body.get("meeting_date"))
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
        built = services()
        batch = batches.create_batch(uow(), actor(), entries, runner=built.runner_name)
        built.runner.submit(batches.pending_items(uow(), batch.id))
        return (batches.progress(uow(), actor(), batch.id).as_dict(), 202,
                {"Location": f"/api/v1/batches/{batch.id}"})


@blp.route("/batches/<id:batch_id>")
class BatchResource(MethodView):
    @blp.response(200, BatchOut)
    def get(self, batch_id):
        """A batch's progress: done of total"""
        return batches.progress(uow(), actor(), batch_id).as_dict()


@blp.route("/batches/<id:batch_id>/download")
class BatchDownload(MethodView):
    @blp.response(200, content_type="application/zip")
    def get(self, batch_id):
        """The batch's ZIP (a folder per child, manifest.json and manifest.csv), streamed"""
        chunks = batches.download(uow(), actor(), services().sessions, batch_id)
        return Response(stream_with_context(chunks), mimetype="application/zip", headers={
            "Content-Disposition": f'attachment; filename="bestilling-{batch_id}.zip"'})
