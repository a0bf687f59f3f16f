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
    kind = fields.String(metadata={"enum": ["agenda", "minutes", "action", "consent",
                                            "consent_missing"]})
    state = fields.String(metadata={"enum": ["due", "overdue", "expiring", "expired", "revoked",
                                             "missing"]})
    date = fields.Date(metadata={"description": "the deadline (a consent: when it expires or "
                                                "was revoked; a missing consent: the meeting)"})
    meeting_id = fields.Integer(allow_none=True, metadata={
        "description": "none for the next meeting known only from the newest minutes"})
    meeting_date = fields.Date(allow_none=True)
    action_id = fields.Integer(allow_none=True)
    who = fields.String(allow_none=True, metadata={"description": "the person it names"})
    markable = fields.Boolean(metadata={
        "description": "an agenda or minutes that POST /cases/{case_id}/sent can mark as sent"})
    message = fields.String(metadata={"description": "in Danish, with the date"})


class DueQuery(Schema):
    institution_id = Id()
    today = fields.Date()
    horizon_days = fields.Integer(load_default=14, validate=validate.Range(min=0, max=365))
    scope = fields.String(load_default=due.INSTITUTION, validate=validate.OneOf(
        due.SCOPES, error="Visning: vælg »mine« eller »institution«."), metadata={
        "description": "mine: what names me (and what names no one at my institutions); "
                       "institution (default): everything in the cases I may see"})


class SentIn(Schema):
    what = fields.String(required=True, validate=validate.OneOf(
        ["agenda", "minutes"], error="Hvad er sendt: vælg agenda (dagsorden) eller minutes "
                                     "(referat)."), metadata={"enum": ["agenda", "minutes"]})
    on = fields.Date(metadata={"description": "the day it was sent (default today); not in "
                                              "the future"})
    meeting_id = Id(metadata={"description": "the meeting (from GET /due or the case's meetings)"})
    meeting_date = fields.Date(metadata={
        "description": "instead of meeting_id: the next meeting written in the newest minutes "
                       "(it becomes a planned meeting of the case)"})


class SentOut(Schema):
    meeting_id = fields.Integer(attribute="id")
    case_id = fields.Integer()
    meeting_date = fields.Date(allow_none=True)
    agenda_sent_on = fields.Date(allow_none=True)
    minutes_sent_on = fields.Date(allow_none=True)


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
            "Content-Disposition": documents.attachment(filename)})


@blp.route("/due")
class DueOverview(MethodView):
    @blp.arguments(DueQuery, location="query")
    @blp.response(200, DueItem(many=True))
    def get(self, query):
        """What is due and overdue in my cases: agendas, minutes, overdue actions, consents"""
        found = due.due_items(uow(), actor(), query.get("today") or dt.date.today(),
                              query["horizon_days"], institution_id=query.get("institution_id"),
                              scope=query["scope"])
        return [{"case_id": item.case.id, "child_name": item.case.child_name,
                 "institution": item.case.institution.name, "kind": item.kind,
                 "state": item.state, "date": item.date, "meeting_id": item.meeting_id,
                 "meeting_date": item.meeting_date, "action_id": item.action_id,
                 "who": item.who, "markable": item.markable,
                 "message": item.message} for item in found]


@blp.route("/cases/<id:case_id>/sent")
class MarkSent(MethodView):
    @blp.arguments(SentIn)
    @blp.response(200, SentOut)
    def post(self, body, case_id):
        """Mark a meeting's agenda or minutes as sent (audited; the form is not changed)"""
        return due.mark_sent(uow(), actor(), case_id, body["what"], body.get("on") or dt.date.today(),
                             meeting_id=body.get("meeting_id"),
                             meeting_date=body.get("meeting_date"))


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
            "Content-Disposition": documents.attachment(documents.batch_zip_name(batch_id))})
