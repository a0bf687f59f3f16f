"""Request and response shapes of the JSON API (and so its OpenAPI document)."""

import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate

from ..forms.fields import UNSTORABLE
from ..services.access import MAX_ID

ID_MESSAGE = f"Skal være et id: et helt tal fra 1 til {MAX_ID:,}.".replace(",", ".")


class Id(fields.Integer):
    """A database id: 1 … 2^31-1 (PostgreSQL's integer); anything else is refused (422)
    before it reaches the database."""

    default_error_messages = {"invalid": ID_MESSAGE, "too_large": ID_MESSAGE}

    def __init__(self, **kwargs):
        kwargs.setdefault("strict", True)
        kwargs.setdefault("validate", validate.Range(min=1, max=MAX_ID, error=ID_MESSAGE))
        super().__init__(**kwargs)


class Text(fields.String):
    """Text a person typed: no NUL, control characters or lone surrogates (422)."""

    default_error_messages = {"invalid": "Skal være tekst."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        bad = UNSTORABLE.search(text)
        if bad:
            raise ValidationError(f"Teksten indeholder et tegn, der ikke kan gemmes "
                                  f"(U+{ord(bad.group()):04X}).")
        return text


class UtcDateTime(fields.DateTime):
    """A moment in ISO 8601 with its offset; a stored time without one (SQLite keeps none)
    is UTC, as the service stores every time."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class FieldError(Schema):
    path = fields.String(required=True, metadata={
        "description": "the field concerned, e.g. child_name or data.actions.2.deadline ('' for the whole request)"})
    message = fields.String(required=True, metadata={"description": "in Danish"})


class Error(Schema):
    """Every error the API answers: 4xx and 5xx alike."""
    status = fields.Integer(required=True, metadata={"description": "the HTTP status"})
    message = fields.String(required=True, metadata={"description": "in Danish, what to do"})
    errors = fields.List(fields.Nested(FieldError), required=True,
                         metadata={"description": "the fields concerned (may be empty)"})



class Finding(Schema):
    code = fields.String()
    severity = fields.String(metadata={"enum": ["error", "warning"]})
    path = fields.String(metadata={"description": "the field's path in the record, e.g. actions.2.deadline"})
    message = fields.String(metadata={"description": "in Danish"})


class FormSummary(Schema):
    id = fields.String()
    version = fields.Integer()
    title = fields.String()


class FormDetail(FormSummary):
    schema = fields.Dict(metadata={"description": "JSON Schema of the form's data"})
    labels = fields.Dict(metadata={"description": "Danish label of every field, by path"})


class FormatQuery(Schema):
    format = fields.String(load_default="docx", validate=validate.OneOf(
        ["docx", "pdf"], error="Formatet skal være docx eller pdf."))
    flatten = fields.Boolean(load_default=False, metadata={"description": "PDF without fields"})


class ScanReading(Schema):
    pages = fields.List(fields.Dict(), metadata={
        "description": "per page of the file: the form page it is, how it was turned, timing"})
    signed = fields.Dict(keys=fields.String(), values=fields.Boolean(), metadata={
        "description": "signature box (item path) -> holds a signature"})
    crops = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "field path -> PNG (base64) of what a person must read: "
                       "the fields with a scan.needs_review or scan.uncertain finding"})
    signatures = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "item path -> the signature cut out (PNG, base64)"})


class Parsed(Schema):
    form = fields.String()
    version = fields.Integer()
    data = fields.Dict()
    findings = fields.List(fields.Nested(Finding))
    scan = fields.Nested(ScanReading, metadata={
        "description": "only for a scan or photo of a printed form"})


class Findings(Schema):
    findings = fields.List(fields.Nested(Finding))
    ok = fields.Boolean(metadata={"description": "no error findings"})


class CaseIn(Schema):
    institution_id = Id(required=True)
    child_name = Text(required=True, validate=validate.Length(min=1, max=200))
    child_birth_date = fields.Date(allow_none=True)
    group_name = Text(allow_none=True, validate=validate.Length(max=200))
    caseworker_id = Id(allow_none=True)


class CasePatch(Schema):
    child_name = Text(validate=validate.Length(min=1, max=200))
    child_birth_date = fields.Date(allow_none=True)
    group_name = Text(allow_none=True, validate=validate.Length(max=200))
    caseworker_id = Id(allow_none=True)
    status = fields.String(validate=validate.OneOf(["open", "closed"]))


class CaseOut(Schema):
    id = fields.Integer()
    institution_id = fields.Integer()
    institution = fields.Function(lambda case: case.institution.name)
    child_name = fields.String()
    child_birth_date = fields.Date(allow_none=True)
    group_name = fields.String(allow_none=True)
    caseworker_id = fields.Integer(allow_none=True)
    status = fields.String()
    created_at = UtcDateTime()


class RecordOut(Schema):
    id = fields.Integer()
    subject = fields.String()
    subject_id = fields.Integer()
    version = fields.Integer()
    form = fields.String(attribute="form_id")
    form_version = fields.Integer()
    status = fields.String(metadata={"enum": ["draft", "final"]})
    data = fields.Dict()
    findings = fields.List(fields.Nested(Finding))
    document_id = fields.Integer(allow_none=True)
    created_by = fields.Integer()
    created_at = UtcDateTime()


class Stored(Schema):
    record = fields.Nested(RecordOut)
    duplicate = fields.Boolean(metadata={"description": "the same document was uploaded before"})


class RecordIn(Schema):
    form = fields.String(required=True)
    data = fields.Dict(required=True)


class SubjectOut(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    kind = fields.String()
    date = fields.Date(allow_none=True)
    state = fields.String(allow_none=True, metadata={"description": "consents: draft (no final record yet), valid, expired, revoked, refused"})
    sequence = fields.Integer(allow_none=True)
    form = fields.String(allow_none=True)
    current = fields.Nested(RecordOut, allow_none=True)
    versions = fields.List(fields.Nested(RecordOut))


class ActionOut(Schema):
    id = fields.Integer()
    meeting_id = fields.Integer()
    description = fields.String(allow_none=True)
    goal = fields.String(allow_none=True)
    responsible = fields.String(allow_none=True)
    deadline = fields.Date(allow_none=True)
    priority = fields.Integer(allow_none=True)
    status = fields.String()
    last_decision = fields.String(allow_none=True)


class DocumentOut(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    direction = fields.String()
    filename = fields.String()
    content_type = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    form = fields.String(attribute="form_id", allow_none=True)
    created_by = fields.Integer()
    created_at = UtcDateTime()


class LoginIn(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                             load_only=True)


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    institutions = fields.Function(lambda user: [{"id": i.id, "name": i.name} for i in user.institutions])


class TokenIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class TokenOut(Schema):
    token = fields.String(metadata={"description": "shown once; only its SHA-256 is kept"})
    name = fields.String()
    id = fields.Integer(metadata={"description": "the number to revoke it by"})
    expires_at = fields.DateTime(metadata={"description": "after FORMSERVICE_TOKEN_DAYS (90)"})


class AuditOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    user_id = fields.Integer(allow_none=True)
    username = fields.String(allow_none=True)
    action = fields.String()
    resource = fields.String()
    resource_id = fields.String(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    outcome = fields.String()
    address = fields.String(allow_none=True)
    detail = fields.Dict(allow_none=True)


class AuditQuery(Schema):
    case_id = fields.Integer()
    user_id = fields.Integer()
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    before_id = fields.Integer()


# --- accounts, tokens and the GDPR trail (administrators) ---------------------------------------

class _Moment(fields.DateTime):
    """ISO 8601 with its offset; a stored time without one (SQLite) is UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and getattr(value, "tzinfo", 1) is None:
            from datetime import timezone
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


def _token_state(token) -> str:
    from ..services.accounts import token_state
    return token_state(token)


class UserAdminOut(UserOut):
    active = fields.Boolean(metadata={"description": "false: deactivated, no login, no token"})
    created_at = _Moment()


class UserPatch(Schema):
    active = fields.Boolean(metadata={
        "description": "false deactivates at once: the user's sessions end, tokens are refused"})
    password = fields.String(load_only=True, validate=validate.Length(min=1, max=1000), metadata={
        "description": "a new password: 12+ characters that are not easy to guess; "
                       "the user's sessions end"})


class TokenInfoOut(Schema):
    id = fields.Integer(metadata={"description": "the number to revoke it by"})
    user_id = fields.Integer()
    name = fields.String()
    created_at = _Moment()
    expires_at = _Moment(allow_none=True)
    last_used_at = _Moment(allow_none=True, metadata={"description": "to the minute"})
    revoked_at = _Moment(allow_none=True)
    state = fields.Function(lambda token: _token_state(token),
                            metadata={"enum": ["active", "expired", "revoked"]})


class TrailEntryOut(Schema):
    """One access to a child's data (GDPR art. 15)."""
    case_id = fields.Integer()
    username = fields.String(allow_none=True)
    role = fields.String(allow_none=True, metadata={"description": "the user's role now"})
    at = fields.String(metadata={"format": "date-time", "description": "ISO 8601, UTC"})
    action = fields.String(metadata={"description": "read, download, upload, change, create, "
                                                    "denied, export, delete …"})
    what = fields.String(metadata={"description": "what was shown or done, e.g. 'case 7', "
                                                  "'cases (liste med 3 sager), side start'"})
    address = fields.String(allow_none=True)
    outcome = fields.String(metadata={"enum": ["ok", "denied", "refused"]})
