"""The JSON API under /api/v1, documented by OpenAPI at /api/v1/openapi.json."""
from __future__ import annotations

import json
import re

from flask import current_app, g, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, default_exceptions

from ..documents.errors import DocumentError
from ..errors import IdConverter, fail
from ..forms import FORMS
from ..forms.danish import json_problem
from ..forms.fields import MAX_ROWS, UNSTORABLE
from ..services.access import MAX_ID
from ..services.errors import ServiceError
from . import schemas

DANISH = {
    400: "Forespørgslen kan ikke bruges.",
    401: "Du skal logge ind (eller bruge et API-token) for at se dette.",
    403: "Du har ikke adgang til dette.",
    404: "Findes ikke.",
    405: "Metoden er ikke tilladt her.",
    409: "Konflikt med det, der allerede er gemt.",
    413: "Forespørgslen eller filen er for stor.",
    415: "Forkert indholdstype.",
    422: "Data er ikke gyldige.",
    429: "For mange forsøg. Vent lidt, og prøv igen.",
    500: "Der skete en fejl på serveren. Prøv igen; fortsætter fejlen, så kontakt support.",
}


class FormserviceApi(Api):
    # The error body every 4xx/5xx has (json_error), documented as what it is.
    ERROR_SCHEMA = schemas.Error


# Operations anyone may call (logging in and out); every other needs a token or a session.
PUBLIC_OPERATIONS = {("/api/v1/session", "post"), ("/api/v1/session", "delete")}
SECURITY = [{"token": []}, {"session": []}]


def init_app(app) -> Api:
    api = FormserviceApi(app, spec_kwargs={"info": {"description": (
        "Formularer til udviklings- og netværksmøder: udfyld, læs og gem. "
        "Log ind med en session (/api/v1/session) eller et personligt API-token "
        "(Authorization: Bearer fs_…). Data som JSON må højst fylde "
        f"{size_text(min(app.config['MAX_FORM_BYTES'], app.config['MAX_UPLOAD_BYTES']))}, en fil "
        f"{size_text(app.config['MAX_UPLOAD_BYTES'])}; større forespørgsler får 413. "
        "Hver fejl er JSON: {status, message, errors: [{path, message}]}.")},
        "security": SECURITY})
    api.register_converter(IdConverter, lambda converter: {
        "type": "integer", "minimum": 1, "maximum": MAX_ID})
    api.spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme("session", {
        "type": "apiKey", "in": "cookie", "name": app.config.get("SESSION_COOKIE_NAME", "session"),
        "description": "the login session (POST /api/v1/session); changes also need X-CSRF-Token"})
    from ..forms.jsonschema import form_json_schema
    for form_id in FORMS:
        api.spec.components.schema(f"form_{form_id}",
                                   component=_bounded(form_json_schema(form_id)))
    from . import accounts_api, cases_api, forms_api, series_api
    for module in (forms_api, cases_api, series_api, accounts_api):
        api.register_blueprint(module.blp)
    _document_operations(api)
    app.register_error_handler(HTTPException, json_error)
    app.register_error_handler(ServiceError, service_error)
    app.register_error_handler(DocumentError, document_error)
    app.before_request(check_query_ids)
    app.before_request(check_request_body)
    return api


def _bounded(schema):
    """A form's JSON Schema as the API takes it: at most MAX_ROWS rows in a group."""
    if isinstance(schema, dict):
        out = {key: _bounded(value) for key, value in schema.items()}
        if out.get("type") == "array":
            out.setdefault("maxItems", MAX_ROWS)
        return out
    if isinstance(schema, list):
        return [_bounded(item) for item in schema]
    return schema


def _document_operations(api) -> None:
    """What every operation may answer besides its own success: the public ones need no
    login; the others 401 without one; a body too large 413 (the app's own JSON 413, also
    above the server's limit, which is higher)."""
    paths = api.spec._paths  # apispec keeps the registered paths here
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            if (path, method) in PUBLIC_OPERATIONS:
                operation["security"] = []
            else:
                responses.setdefault("401", api.spec.components.get_ref("response", "UNAUTHORIZED"))
            if method in ("post", "put", "patch"):
                responses.setdefault("413", api.spec.components.get_ref(
                    "response", "REQUEST_ENTITY_TOO_LARGE"))


def http_exception(status: int, message: str, errors=None) -> HTTPException:
    exc = default_exceptions[status](message)
    exc.danish = True
    exc.errors = list(errors or [])
    return exc


def service_error(exc: ServiceError):
    """A use case's refusal, as the JSON error of its status."""
    return json_error(http_exception(exc.status, exc.message, exc.errors))


def document_error(exc: DocumentError):
    """A file that is not a form we can read: 422 with the reason."""
    return json_error(http_exception(422, str(exc)))


# POST endpoints that take a file (multipart/form-data, field `file`): they say themselves
# what is wrong with a request that has none. Batches take a file or JSON.
FILE_ENDPOINTS = frozenset({"forms.Parse", "cases.Documents"})
FILE_OR_JSON_ENDPOINTS = frozenset({"series.Batches"})
MAX_JSON_DEPTH = 50  # a form's data is 3 levels deep
JSON_EXPECTED = "Send data som JSON (Content-Type: application/json)."


def check_query_ids():
    """before_request: a query parameter naming an id (case_id, before_id, …) is a number
    from 1 to 2^31-1 or refused here (422), whatever schema reads it: a larger number would
    overflow the database's integer (a 500), and none can exist."""
    if not request.path.startswith("/api/") or request.url_rule is None:
        return  # no such path or method: its 404/405 comes first
    for name, value in request.args.items(multi=True):
        if name.endswith("_id") and value.strip().lstrip("+-").isdigit():
            if not 0 < int(value) <= MAX_ID:
                fail(422, f"Feltet »{name}«: {schemas.ID_MESSAGE}",
                     [{"path": name, "message": schemas.ID_MESSAGE}])


def check_request_body():
    """before_request: the body of a change under /api/ is read once, strictly, here, so a
    body the endpoint cannot use gets a Danish 4xx (never a 500 from deep inside a parser):
    malformed JSON, not UTF-8, nested absurdly deep, a number too long, NaN → 400; JSON that
    is not an object → 422; a body that is not JSON where JSON is expected → 415."""
    if (request.method not in ("POST", "PUT", "PATCH") or not request.path.startswith("/api/")
            or request.url_rule is None or request.endpoint in FILE_ENDPOINTS):
        return
    if request.is_json:
        g.json_body = _read_json_object()
    elif request.endpoint in FILE_OR_JSON_ENDPOINTS and request.mimetype == "multipart/form-data":
        return
    elif request.mimetype or request.content_length:
        fail(415, JSON_EXPECTED)


def request_json() -> dict:
    """The request's JSON object (read by check_request_body), or a Danish 4xx."""
    if "json_body" not in g:
        if not request.is_json:
            fail(415, JSON_EXPECTED)
        g.json_body = _read_json_object()
    return g.json_body


def _read_json_object() -> dict:
    limit = form_limit()
    too_large = (f"Data er for store (højst {size_text(limit)} JSON). En formular med så "
                 "meget kan ikke gemmes; del den op, eller fjern tomme rækker.")
    if request.content_length is not None and request.content_length > limit:
        fail(413, too_large)  # refused before a byte is read
    request.max_content_length = limit  # a body without Content-Length stops there too
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        fail(413, too_large)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        fail(400, "Data er ikke UTF-8-kodet tekst.")
    if not text.strip():
        fail(400, "Forespørgslen mangler data: send et JSON-objekt.")
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        fail(400, f"Ugyldig JSON i {json_problem(exc)}.")
    except RecursionError:
        fail(400, f"JSON er indlejret for dybt (højst {MAX_JSON_DEPTH} niveauer).")
    except ValueError:  # an integer of more than 4300 digits, NaN or Infinity
        fail(400, "Ugyldig JSON: et tal er for langt eller ikke et tal (NaN, Infinity).")
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        fail(400, f"JSON er indlejret for dybt (højst {MAX_JSON_DEPTH} niveauer).")
    if not isinstance(value, dict):
        fail(422, "Data skal være et JSON-objekt ({…}).")
    bad = _unstorable(value)
    if bad is not None:
        path, char = bad
        where = f"Feltet »{path}«" if path else "Data"
        fail(422, f"{where} indeholder et tegn, der ikke kan gemmes (U+{ord(char):04X}).",
             [{"path": path, "message": f"Teksten indeholder et tegn, der ikke kan gemmes "
                                        f"(U+{ord(char):04X})."}])
    return value


def _unstorable(value) -> tuple[str, str] | None:
    """The path and character of the first text (or key) holding NUL or a lone surrogate:
    no database stores them (PostgreSQL refuses NUL; a surrogate is not UTF-8)."""
    stack = [(value, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                found = _NUL_OR_SURROGATE.search(key)
                if found:
                    return ".".join(path + [key]), found.group()
                stack.append((child, path + [key]))
        elif isinstance(node, list):
            stack.extend((child, path + [str(index)]) for index, child in enumerate(node))
        elif isinstance(node, str):
            found = _NUL_OR_SURROGATE.search(node)
            if found:
                return ".".join(path), found.group()
    return None


_NUL_OR_SURROGATE = re.compile("[\x00\ud800-\udfff]")


def _no_constant(name):
    raise ValueError(name)


def _depth_exceeds(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def form_limit() -> int:
    """The most a JSON body (a form's data, not a file) may weigh: MAX_FORM_BYTES, never
    more than a file may."""
    config = current_app.config
    return min(int(config["MAX_FORM_BYTES"]), int(config["MAX_UPLOAD_BYTES"]))


def clean_filename(name: str | None) -> str:
    """An uploaded file's name as it can be stored: without NUL or other control characters
    (harmless to drop), at most 255 characters with the extension kept; "upload" if none."""
    name = UNSTORABLE.sub("", name or "").strip()
    if len(name) > 255:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:250 - len(suffix)] + dot + suffix) if dot and len(suffix) <= 10 else name[:255]
    return name or "upload"


def size_text(size: int) -> str:
    """A byte count as people write it: 20 MB, 1,5 MB, 64 kB."""
    value, unit = (size / (1024 * 1024), "MB") if size >= 1024 * 1024 else (size / 1024, "kB")
    shown = f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}".replace(".", ",")
    return f"{shown} {unit}"


def json_error(exc: HTTPException):
    """Every error as JSON: status, a Danish message a person can act on, field paths."""
    status = exc.code or 500
    message = exc.description if _is_danish(exc) else DANISH.get(status, DANISH[400])
    if status == 413 and not _is_danish(exc):
        limit = size_text(current_app.config["MAX_UPLOAD_BYTES"])
        message = f"Forespørgslen eller filen er for stor (højst {limit})."
    errors = _field_errors(exc)
    if status == 422 and not _is_danish(exc) and errors:  # a schema's refusal: say which
        message = "Data er ikke gyldige: " + "; ".join(e["message"] for e in errors[:3]) \
            + (" …" if len(errors) > 3 else "")
    body = {"status": status, "message": str(message), "errors": errors}
    response = jsonify(body)
    response.status_code = status
    if status == 405:
        # the methods the path takes (RFC 9110: a 405 must say them)
        for name, value in exc.get_headers():
            if name.lower() == "allow":
                response.headers["Allow"] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="formservice"'
    return response


def _is_danish(exc) -> bool:
    return bool(getattr(exc, "danish", False))


def _field_errors(exc) -> list[dict]:
    """webargs' validation messages ({"json": {"child": {"name": [..]}}}) as path/message."""
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if messages is None:
        messages = getattr(exc, "errors", None)
        if isinstance(messages, list):
            return [{"path": str(item.get("path") or ""), "message": str(item.get("message") or "")}
                    if isinstance(item, dict) else {"path": "", "message": str(item)}
                    for item in messages]
    out = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + [str(key)] if key != "_schema" else path)
        elif isinstance(node, list):
            for item in node:
                walk(item, path)
        else:
            out.append({"path": ".".join(path), "message": _labelled(path, _danish_field(str(node)))})

    if isinstance(messages, dict):
        for location, tree in messages.items():
            walk(tree, [])
    return out


# The Danish name of every field of the API's own request schemas (a form's fields are named
# by the form's labels): a message names the field as people say it, never by its key.
FIELD_LABELS = {
    "institution_id": "Institution", "child_name": "Barnets navn",
    "child_birth_date": "Fødselsdato", "group_name": "Stue/klasse",
    "caseworker_id": "Sagsbehandler", "status": "Status", "form": "Formular",
    "data": "Formularens data", "format": "Format", "flatten": "Flad PDF",
    "username": "Brugernavn", "password": "Adgangskode", "name": "Navn", "active": "Aktiv",
    "what": "Hvad er sendt", "on": "Sendt den", "meeting_id": "Møde",
    "meeting_date": "Mødedato", "scope": "Visning", "horizon_days": "Antal dage frem",
    "today": "Dato", "limit": "Antal", "before_id": "Før nummer", "case_id": "Sag",
    "user_id": "Bruger", "entries": "Planens rækker", "forms": "Formularer",
}


def _labelled(path: list[str], message: str) -> str:
    """The message with the field's Danish name first ("Fødselsdato: …"); a key the API does
    not know is named as it was sent."""
    keys = [key for key in path if key not in ("json", "query", "form", "files")] or path
    if not keys:
        return message
    label = FIELD_LABELS.get(keys[-1]) or next(
        (FIELD_LABELS[key] for key in reversed(keys) if key in FIELD_LABELS), None)
    if label is None:
        label = f"Feltet »{keys[-1]}«"
    return message if message.startswith(label) else f"{label}: {message}"


_FIELD_MESSAGES = {
    "Missing data for required field.": "Feltet skal udfyldes.",
    "Unknown field.": "Ukendt felt.",
    "Not a valid integer.": "Skal være et helt tal.",
    "Not a valid string.": "Skal være tekst.",
    "Not a valid date.": "Ikke en gyldig dato: skriv den som ÅÅÅÅ-MM-DD, fx 2026-03-10.",
    "Not a valid datetime.": "Ikke et gyldigt tidspunkt: skriv det som ÅÅÅÅ-MM-DDTtt:mm:ss+01:00.",
    "Not a valid list.": "Skal være en liste.",
    "Not a valid number.": "Skal være et tal.",
    "Not a valid boolean.": "Skal være true eller false.",
    "Field may not be null.": "Feltet må ikke være tomt.",
    "Invalid input type.": "Forkert type.",
    "Not a valid mapping type.": "Skal være et JSON-objekt.",
    "Invalid JSON body.": "Ugyldig JSON.",
}


def _danish_field(message: str) -> str:
    if message.startswith("Length must be"):
        return "Teksten har ikke en tilladt længde."
    if message.startswith("Must be one of: "):
        return "Skal være en af: " + message[len("Must be one of: "):]
    found = re.match(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
                     message)
    if found:
        return f"Skal være mellem {found.group(1)} og {found.group(2)}."
    found = re.match(r"Must be (greater|less) than or equal to (\S+)\.$", message)
    if found:
        return f"Skal være mindst {found.group(2)}." if found.group(1) == "greater" \
            else f"Må højst være {found.group(2)}."
    return _FIELD_MESSAGES.get(message, message)
