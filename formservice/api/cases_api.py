"""Cases and what is stored on them: meetings, consents, network maps, documents, actions."""
from __future__ import annotations

import json
from io import BytesIO

from flask import request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from ..errors import fail
from ..request_context import actor, profile, uow
from ..services import cases, documents, records, uploads
from . import clean_filename, schemas
from .forms_api import document_response, uploaded_file

blp = Blueprint("cases", __name__, url_prefix="/api/v1",
                description="Sager: barnet, møderne, samtykker, netværkskort og dokumenter")

SUBJECT_PATHS = {"meetings": "meeting", "consents": "consent", "network-maps": "network_map"}


@blp.route("/cases")
class Cases(MethodView):
    @blp.response(200, schemas.CaseOut(many=True))
    def get(self):
        """The cases I may see"""
        return cases.list_cases(uow(), actor())

    @blp.arguments(schemas.CaseIn)
    @blp.response(201, schemas.CaseOut)
    def post(self, body):
        """Open a case for a child at one of my institutions"""
        return cases.create_case(uow(), actor(), body["institution_id"], body["child_name"],
                                 body.get("child_birth_date"), body.get("group_name"),
                                 body.get("caseworker_id"))


@blp.route("/cases/<id:case_id>")
class CaseResource(MethodView):
    @blp.response(200, schemas.CaseOut)
    def get(self, case_id):
        """One case"""
        return cases.get_case(uow(), actor(), case_id)

    @blp.arguments(schemas.CasePatch)
    @blp.response(200, schemas.CaseOut)
    def patch(self, body, case_id):
        """Change a case (name, birth date, group, caseworker, open/closed)"""
        return cases.update_case(uow(), actor(), case_id, body)


def _subject_out(view: records.SubjectView) -> dict:
    subject = view.subject
    out = {"id": subject.id, "case_id": subject.case_id, "kind": view.kind,
           "current": view.current, "versions": view.versions}
    if view.kind == "meeting":
        out.update(date=subject.meeting_date, sequence=subject.sequence, form=subject.form_id)
    elif view.kind == "consent":
        out.update(date=subject.valid_from, state=view.state, form="consent")
    else:
        out.update(date=subject.map_date, form="network_map")
    return out


@blp.route("/cases/<id:case_id>/<any(meetings, consents, 'network-maps'):kind>")
class Subjects(MethodView):
    @blp.response(200, schemas.SubjectOut(many=True))
    def get(self, case_id, kind):
        """A case's meetings, consents or network maps, each with all its record versions"""
        return [_subject_out(view) for view in
                records.list_subjects(uow(), actor(), case_id, SUBJECT_PATHS[kind])]

    @blp.arguments(schemas.RecordIn)
    @blp.response(201, schemas.Stored)
    def post(self, body, case_id, kind):
        """Store a form's data as a new meeting, consent or network map (errors → draft)"""
        stored = records.store_record(uow(), actor(), profile(), case_id, body["form"],
                                      body["data"], subject=SUBJECT_PATHS[kind])
        return {"record": stored.record, "duplicate": False}


@blp.route("/<any(meetings, consents, 'network-maps'):kind>/<id:subject_id>")
class Subject(MethodView):
    @blp.response(200, schemas.SubjectOut)
    def get(self, kind, subject_id):
        """One meeting, consent or network map with all its record versions"""
        return _subject_out(records.get_subject(uow(), actor(), SUBJECT_PATHS[kind], subject_id))

    @blp.arguments(schemas.RecordIn)
    @blp.response(201, schemas.Stored)
    def put(self, body, kind, subject_id):
        """A new version of its record"""
        stored = records.new_version(uow(), actor(), profile(), SUBJECT_PATHS[kind], subject_id,
                                     body["form"], body["data"])
        return {"record": stored.record, "duplicate": False}


@blp.route("/cases/<id:case_id>/documents")
class Documents(MethodView):
    @blp.response(200, schemas.DocumentOut(many=True))
    def get(self, case_id):
        """The case's documents (metadata)"""
        return documents.list_documents(uow(), actor(), case_id)

    @blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {
            "file": {"type": "string", "format": "binary"},
            "corrections": {"type": "string", "description": (
                "a scan only: JSON object, field path -> what the handwriting says, for "
                "fields with a scan.needs_review or scan.uncertain finding (ja/nej for a "
                "check box)")}}}}}})
    @blp.response(201, schemas.Stored)
    @blp.alt_response(200, schema=schemas.Stored, description="The same document was uploaded before")
    def post(self, case_id):
        """Upload a filled form (Word or PDF, or a scan or photo of a printed one): it is
        read, checked and stored on the case"""
        content = uploaded_file()
        filename = clean_filename(request.files["file"].filename)
        stored = uploads.store_upload(uow(), actor(), profile(), case_id, filename, content,
                                      corrections=_corrections())
        return ({"record": stored.record, "duplicate": stored.duplicate},
                200 if stored.duplicate else 201)


def _corrections() -> dict | None:
    text = request.form.get("corrections")
    if not text:
        return None
    try:
        corrections = json.loads(text)
    except ValueError:
        corrections = None
    if not isinstance(corrections, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in corrections.items()):
        fail(422, "Feltet 'corrections' skal være et JSON-objekt: feltets sti -> den tekst, "
                  "der står i hånden (ja/nej for et afkrydsningsfelt).")
    return corrections


@blp.route("/documents/<id:document_id>")
class DocumentResource(MethodView):
    @blp.response(200, schemas.DocumentOut)
    def get(self, document_id):
        """A document's metadata"""
        return documents.get_document(uow(), actor(), document_id)


@blp.route("/documents/<id:document_id>/download")
class DocumentDownload(MethodView):
    @blp.response(200, content_type="application/octet-stream")
    def get(self, document_id):
        """The document's original bytes"""
        found = documents.download_document(uow(), actor(), document_id)
        return send_file(BytesIO(found.content), mimetype=found.content_type,
                         as_attachment=True, download_name=found.filename)


@blp.route("/cases/<id:case_id>/actions")
class Actions(MethodView):
    @blp.response(200, schemas.ActionOut(many=True))
    def get(self, case_id):
        """The actions agreed at the case's meetings, with their status"""
        return records.list_actions(uow(), actor(), case_id)


@blp.route("/cases/<id:case_id>/forms/<form_id>")
class CaseForm(MethodView):
    @blp.arguments(schemas.FormatQuery, location="query")
    @blp.response(200, content_type="application/octet-stream")
    def get(self, query, case_id, form_id):
        """A form pre-filled with what the service knows of the case (the child)"""
        made = documents.case_form(uow(), actor(), profile(), case_id, form_id, query["format"],
                                   flatten=query["flatten"] and query["format"] == "pdf")
        return document_response(made.content, made.fmt, made.name)

