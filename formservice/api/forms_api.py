"""The forms: list, schema and labels, blank template, validate, render, parse."""
from __future__ import annotations

from io import BytesIO

from flask import current_app, request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from ..errors import fail
from ..forms import FORMS, UnknownForm, get_form
from ..forms.jsonschema import form_json_schema
from ..forms.layout import sections
from ..request_context import actor, current_user, profile, uow
from ..services import documents, forms, uploads
from . import schemas

blp = Blueprint("forms", __name__, url_prefix="/api/v1", description="Formularerne")
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "pdf": "application/pdf"}


def _form(form_id):
    try:
        return get_form(form_id)
    except UnknownForm as exc:
        fail(404, str(exc))


def json_body() -> dict:
    """The request's JSON object, or a 4xx that says what is wrong with it."""
    from . import request_json
    return request_json()


def document_response(content: bytes, fmt: str, name: str):
    """A document to download as `name`.`fmt` (Danish, UTF-8 `filename*` with an ASCII
    fallback: services.documents.attachment)."""
    response = send_file(BytesIO(content), mimetype=MEDIA[fmt])
    response.headers["Content-Disposition"] = documents.attachment(f"{name}.{fmt}")
    return response


def labels(form_id: str) -> dict:
    return {f"{section.name}.{spec.name}" if not section.is_group else
            f"{section.name}.*.{spec.name}": spec.label
            for section in sections(form_id) for spec in section.fields}


@blp.route("/forms")
class Forms(MethodView):
    @blp.response(200, schemas.FormSummary(many=True))
    def get(self):
        """The forms, with versions and titles"""
        current_user()
        return [{"id": f.id, "version": f.version, "title": f.title} for f in FORMS.values()]


@blp.route("/forms/<form_id>")
class Form(MethodView):
    @blp.response(200, schemas.FormDetail)
    def get(self, form_id):
        """A form's JSON Schema and the Danish label of every field"""
        current_user()
        form = _form(form_id)
        return {"id": form.id, "version": form.version, "title": form.title,
                "schema": form_json_schema(form.id), "labels": labels(form.id)}


@blp.route("/forms/<form_id>/template")
class Template(MethodView):
    @blp.arguments(schemas.FormatQuery, location="query")
    @blp.response(200, content_type="application/octet-stream")
    def get(self, query, form_id):
        """The blank template, ready to fill in by hand"""
        current_user()
        form = _form(form_id)
        content = forms.render_blank(profile(), form.id, query["format"])
        made = documents.Download(content, documents.file_name(form.id, query["format"],
                                                               blank=True), query["format"])
        return document_response(made.content, made.fmt, made.name)


@blp.route("/forms/<form_id>/validate")
class Validate(MethodView):
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": {
        "oneOf": [{"$ref": f"#/components/schemas/form_{f}"} for f in FORMS]}}}})
    @blp.response(200, schemas.Findings)
    def post(self, form_id):
        """Findings (errors and warnings) for a form's data"""
        current_user()
        form = _form(form_id)
        checked = forms.validate(profile(), form.id, json_body())
        return {"findings": [f.as_dict() for f in checked.findings], "ok": checked.ok}


@blp.route("/forms/<form_id>/render")
class Render(MethodView):
    @blp.arguments(schemas.FormatQuery, location="query")
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": {
        "oneOf": [{"$ref": f"#/components/schemas/form_{f}"} for f in FORMS]}}}})
    @blp.response(200, content_type="application/octet-stream")
    def post(self, query, form_id):
        """The form pre-filled with the data (Word or PDF; PDF optionally flattened)"""
        current_user()
        form = _form(form_id)
        data = json_body()
        content, _ = forms.render(profile(), form.id, data, query["format"],
                                  flatten=query["flatten"])
        who = (data.get("child") or {}).get("name") if isinstance(data.get("child"), dict) else None
        made = documents.Download(content, documents.file_name(
            form.id, query["format"], who=who if isinstance(who, str) else None, data=data),
            query["format"])
        return document_response(made.content, made.fmt, made.name)


def uploaded_file() -> bytes:
    """The multipart field `file`, within the upload limit."""
    if not request.content_type or not request.content_type.startswith("multipart/form-data"):
        fail(415, "Send filen som multipart/form-data i feltet 'file'.")
    file = request.files.get("file")
    if file is None:
        fail(422, "Der er ingen fil i feltet 'file'.")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    content = file.stream.read(limit + 1)
    if len(content) > limit:
        from . import size_text
        fail(413, f"Filen er for stor (højst {size_text(limit)}).")
    if not content:
        fail(422, "Filen er tom.")
    return content


@blp.route("/parse")
class Parse(MethodView):
    @blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}})
    @blp.response(200, schemas.Parsed)
    def post(self):
        """Read a filled form (Word or PDF, or a scan or photo of a printed one: PDF, JPEG,
        PNG): the record and its findings. Nothing is stored."""
        current_user()
        return uploads.parse_document(uow(), actor(), profile(), uploaded_file()).as_dict()
