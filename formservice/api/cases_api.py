"""Cases and what is stored on them: meetings, consents, network maps, documents, actions."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from .. import audit, casework, records
from ..auth.access import (NOT_FOUND, case_for, current_user, deny, may_create_case_at,
                           visible_cases)
from ..documents.errors import DocumentError
from ..errors import fail
from ..storage import db
from ..storage.models import (Action, Case, Consent, Document, Meeting, NetworkMap, Record,
                              User)
from . import schemas
from .forms_api import _form, document_response, uploaded_file

blp = Blueprint("cases", __name__, url_prefix="/api/v1",
                description="Sager: barnet, møderne, samtykker, netværkskort og dokumenter")

SUBJECT_MODELS = {"meeting": Meeting, "consent": Consent, "network_map": NetworkMap}
SUBJECT_PATHS = {"meetings": "meeting", "consents": "consent", "network-maps": "network_map"}
SUBJECT_FORMS = {"meeting": ("first_meeting", "follow_up_meeting"), "consent": ("consent",),
                 "network_map": ("network_map",)}


def _commit():
    db.session().commit()


@blp.route("/cases")
class Cases(MethodView):
    @blp.response(200, schemas.CaseOut(many=True))
    def get(self):
        """The cases I may see"""
        user = current_user()
        found = db.session().scalars(select(Case).where(visible_cases(user)).order_by(Case.id)).all()
        audit.record_now("read", "cases", detail={"count": len(found)})
        return found

    @blp.arguments(schemas.CaseIn)
    @blp.response(201, schemas.CaseOut)
    def post(self, body):
        """Open a case for a child at one of my institutions"""
        user = current_user()
        if not may_create_case_at(user, body["institution_id"]):
            audit.record_now("denied", "case", outcome="denied",
                             detail={"institution_id": body["institution_id"]})
            fail(403, "Du kan kun oprette sager på dine egne institutioner.")
        try:
            case = casework.create_case(db.session(), user, body["institution_id"],
                                        body["child_name"], body.get("child_birth_date"),
                                        body.get("group_name"), body.get("caseworker_id"))
        except casework.CaseworkError as exc:
            fail(422, str(exc))
        _commit()
        return case


@blp.route("/cases/<int:case_id>")
class CaseResource(MethodView):
    @blp.response(200, schemas.CaseOut)
    def get(self, case_id):
        """One case"""
        case = case_for(case_id)
        audit.record_now("read", "case", case.id, case.id)
        return case

    @blp.arguments(schemas.CasePatch)
    @blp.response(200, schemas.CaseOut)
    def patch(self, body, case_id):
        """Change a case (name, birth date, group, caseworker, open/closed)"""
        case = case_for(case_id)
        if "caseworker_id" in body and body["caseworker_id"] is not None:
            caseworker = db.session().get(User, body["caseworker_id"])
            if caseworker is None or caseworker.role != "caseworker":
                fail(422, "Den valgte sagsbehandler findes ikke.",
                     [{"path": "caseworker_id", "message": "Ukendt sagsbehandler."}])
        for key, value in body.items():
            setattr(case, key, value)
        audit.record("change", "case", case.id, case.id, detail={"fields": sorted(body)})
        _commit()
        return case


def _subject_out(kind: str, subject, today: dt.date):
    versions = db.session().scalars(select(Record).where(
        Record.subject == kind, Record.subject_id == subject.id).order_by(Record.version)).all()
    out = {"id": subject.id, "case_id": subject.case_id, "kind": kind,
           "current": versions[-1] if versions else None, "versions": versions}
    if kind == "meeting":
        out.update(date=subject.meeting_date, sequence=subject.sequence, form=subject.form_id)
    elif kind == "consent":
        out.update(date=subject.valid_from, state=subject.state(today), form="consent")
    else:
        out.update(date=subject.map_date, form="network_map")
    return out


@blp.route("/cases/<int:case_id>/<any(meetings, consents, 'network-maps'):kind>")
class Subjects(MethodView):
    @blp.response(200, schemas.SubjectOut(many=True))
    def get(self, case_id, kind):
        """A case's meetings, consents or network maps, each with all its record versions"""
        case = case_for(case_id)
        subject = SUBJECT_PATHS[kind]
        model = SUBJECT_MODELS[subject]
        found = db.session().scalars(select(model).where(model.case_id == case.id)
                                     .order_by(model.id)).all()
        audit.record_now("read", subject, None, case.id, detail={"count": len(found)})
        return [_subject_out(subject, item, dt.date.today()) for item in found]

    @blp.arguments(schemas.RecordIn)
    @blp.response(201, schemas.Stored)
    def post(self, body, case_id, kind):
        """Store a form's data as a new meeting, consent or network map (errors → draft)"""
        case = case_for(case_id)
        subject = SUBJECT_PATHS[kind]
        form = _form(body["form"])
        if form.id not in SUBJECT_FORMS[subject]:
            fail(422, f"Formularen '{form.id}' hører ikke til {kind}.",
                 [{"path": "form", "message": "Forkert formular."}])
        try:
            stored = casework.store_record(db.session(), current_user(), case, form.id, body["data"])
        except casework.CaseworkError as exc:
            fail(422, str(exc))
        _commit()
        return {"record": stored.record, "duplicate": False}


def _subject_for(kind: str, subject_id: int):
    """The meeting, consent or network map if the user may see its case; otherwise the
    same 404 whether it does not exist or is another's (audited either way)."""
    current_user()
    subject = SUBJECT_PATHS[kind]
    model = SUBJECT_MODELS[subject]
    found = db.session().get(model, subject_id)
    if found is None:
        deny(subject, subject_id, None)
    case_for(found.case_id, resource=subject, resource_id=found.id, message=NOT_FOUND)
    return subject, found


@blp.route("/<any(meetings, consents, 'network-maps'):kind>/<int:subject_id>")
class Subject(MethodView):
    @blp.response(200, schemas.SubjectOut)
    def get(self, kind, subject_id):
        """One meeting, consent or network map with all its record versions"""
        subject, found = _subject_for(kind, subject_id)
        audit.record_now("read", subject, found.id, found.case_id)
        return _subject_out(subject, found, dt.date.today())

    @blp.arguments(schemas.RecordIn)
    @blp.response(201, schemas.Stored)
    def put(self, body, kind, subject_id):
        """A new version of its record"""
        subject, found = _subject_for(kind, subject_id)
        form = _form(body["form"])
        if form.id not in SUBJECT_FORMS[subject]:
            fail(422, f"Formularen '{form.id}' hører ikke til {kind}.")
        case = db.session().get(Case, found.case_id)
        try:
            stored = casework.store_record(db.session(), current_user(), case, form.id,
                                           body["data"], subject_id=found.id)
        except casework.CaseworkError as exc:
            fail(422, str(exc))
        _commit()
        return {"record": stored.record, "duplicate": False}


@blp.route("/cases/<int:case_id>/documents")
class Documents(MethodView):
    @blp.response(200, schemas.DocumentOut(many=True))
    def get(self, case_id):
        """The documents uploaded to or generated for a case"""
        case = case_for(case_id)
        found = db.session().scalars(select(Document).where(Document.case_id == case.id)
                                     .order_by(Document.id)).all()
        audit.record_now("read", "documents", None, case.id, detail={"count": len(found)})
        return found

    @blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}})
    @blp.response(201, schemas.Stored)
    @blp.alt_response(200, schema=schemas.Stored, description="The same document was uploaded before")
    def post(self, case_id):
        """Upload a filled form (Word or PDF): it is read, checked and stored on the case"""
        case = case_for(case_id)
        content = uploaded_file()
        from flask import request
        filename = request.files["file"].filename or "upload"
        try:
            stored = casework.upload(db.session(), current_user(), case, filename, content)
        except DocumentError as exc:
            _commit()  # the refused upload's audit entry
            fail(422, str(exc))
        except casework.CaseworkError as exc:
            db.session().rollback()
            fail(422, str(exc))
        _commit()
        return {"record": stored.record, "duplicate": stored.duplicate}, (200 if stored.duplicate else 201)


@blp.route("/documents/<int:document_id>")
class DocumentResource(MethodView):
    @blp.response(200, schemas.DocumentOut)
    def get(self, document_id):
        """A document's metadata"""
        document = _document(document_id)
        audit.record_now("read", "document", document.id, document.case_id)
        return document


@blp.route("/documents/<int:document_id>/download")
class DocumentDownload(MethodView):
    @blp.response(200, content_type="application/octet-stream")
    def get(self, document_id):
        """The document's original bytes"""
        document = _document(document_id)
        audit.record_now("download", "document", document.id, document.case_id)
        from io import BytesIO

        from flask import send_file
        return send_file(BytesIO(document.content), mimetype=document.content_type,
                         as_attachment=True, download_name=document.filename)


def _document(document_id):
    current_user()
    message = "Dokumentet findes ikke, eller du har ikke adgang til det."
    document = db.session().get(Document, document_id)
    if document is None:
        deny("document", document_id, None, message)
    case_for(document.case_id, resource="document", resource_id=document.id, message=message)
    return document


@blp.route("/cases/<int:case_id>/actions")
class Actions(MethodView):
    @blp.response(200, schemas.ActionOut(many=True))
    def get(self, case_id):
        """The actions agreed at the case's meetings, with their status"""
        case = case_for(case_id)
        found = db.session().scalars(select(Action).where(Action.case_id == case.id)
                                     .order_by(Action.id)).all()
        audit.record_now("read", "actions", None, case.id)
        return found


@blp.route("/cases/<int:case_id>/forms/<form_id>")
class CaseForm(MethodView):
    @blp.arguments(schemas.FormatQuery, location="query")
    @blp.response(200, content_type="application/octet-stream")
    def get(self, query, case_id, form_id):
        """A form pre-filled with what the service knows of the case (the child)"""
        case = case_for(case_id)
        form = _form(form_id)
        data = {"child": {"name": case.child_name, "institution": case.institution.name,
                          "birth_date": case.child_birth_date.isoformat() if case.child_birth_date else None,
                          "group": case.group_name}}
        content, checked = records.render(form.id, data, query["format"],
                                          municipality=current_app.config["MUNICIPALITY"],
                                          flatten=query["flatten"] and query["format"] == "pdf")
        audit.record_now("download", "form", form.id, case.id, detail={"format": query["format"]})
        return document_response(content, query["format"], f"{form.id}-sag-{case.id}")
