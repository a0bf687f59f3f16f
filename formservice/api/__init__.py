"""The JSON API under /api/v1, documented by OpenAPI at /api/v1/openapi.json."""
from __future__ import annotations

import json

from flask import g, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException, default_exceptions

from ..documents.errors import DocumentError
from ..errors import fail
from ..forms import FORMS
from ..services.errors import ServiceError

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


def init_app(app) -> Api:
    api = Api(app, spec_kwargs={"info": {"description": (
        "Formularer til udviklings- og netværksmøder: udfyld, læs og gem. "
        "Log ind med en session (/api/v1/session) eller et personligt API-token "
        "(Authorization: Bearer fs_…).")}})
    api.spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    from ..forms.jsonschema import form_json_schema
    for form_id in FORMS:
        api.spec.components.schema(f"form_{form_id}", component=form_json_schema(form_id))
    from . import accounts_api, cases_api, forms_api, series_api
    for module in (forms_api, cases_api, series_api, accounts_api):
        api.register_blueprint(module.blp)
    app.register_error_handler(HTTPException, json_error)
    app.register_error_handler(ServiceError, service_error)
    app.register_error_handler(DocumentError, document_error)
    app.before_request(check_request_body)
    return api


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
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        fail(400, "Data er ikke UTF-8-kodet tekst.")
    if not text.strip():
        fail(400, "Forespørgslen mangler data: send et JSON-objekt.")
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        fail(400, f"Ugyldig JSON i linje {exc.lineno}, kolonne {exc.colno}.")
    except RecursionError:
        fail(400, f"JSON er indlejret for dybt (højst {MAX_JSON_DEPTH} niveauer).")
    except ValueError:  # an integer of more than 4300 digits, NaN or Infinity
        fail(400, "Ugyldig JSON: et tal er for langt eller ikke et tal (NaN, Infinity).")
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        fail(400, f"JSON er indlejret for dybt (højst {MAX_JSON_DEPTH} niveauer).")
    if not isinstance(value, dict):
        fail(422, "Data skal være et JSON-objekt ({…}).")
    return value


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


def size_text(size: int) -> str:
    """A byte count as people write it: 20 MB, 1,5 MB, 64 kB."""
    value, unit = (size / (1024 * 1024), "MB") if size >= 1024 * 1024 else (size / 1024, "kB")
    shown = f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}".replace(".", ",")
    return f"{shown} {unit}"


def json_error(exc: HTTPException):
    """Every error as JSON: status, a Danish message a person can act on, field paths."""
    status = exc.code or 500
    message = exc.description if _is_danish(exc) else DANISH.get(status, DANISH[400])
    body = {"status": status, "message": message, "errors": _field_errors(exc)}
    if status == 413 and not _is_danish(exc):
        from flask import current_app
        limit = size_text(current_app.config["MAX_UPLOAD_BYTES"])
        body["message"] = f"Forespørgslen eller filen er for stor (højst {limit})."
    response = jsonify(body)
    response.status_code = status
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
            return messages
    out = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + [str(key)] if key != "_schema" else path)
        elif isinstance(node, list):
            for item in node:
                walk(item, path)
        else:
            out.append({"path": ".".join(path), "message": _danish_field(str(node))})

    for location, tree in (messages or {}).items():
        walk(tree, [])
    return out


_FIELD_MESSAGES = {
    "Missing data for required field.": "Feltet skal udfyldes.",
    "Unknown field.": "Ukendt felt.",
    "Not a valid integer.": "Skal være et helt tal.",
    "Not a valid string.": "Skal være tekst.",
    "Not a valid date.": "Ikke en gyldig dato (skriv ÅÅÅÅ-MM-DD).",
    "Not a valid boolean.": "Skal være true eller false.",
    "Field may not be null.": "Feltet må ikke være tomt.",
    "Invalid input type.": "Forkert type.",
    "Not a valid mapping type.": "Skal være et JSON-objekt.",
    "Invalid JSON body.": "Ugyldig JSON.",
}


def _danish_field(message: str) -> str:
    if message.startswith("Length must be"):
        return "Teksten har ikke en tilladt længde."
    return _FIELD_MESSAGES.get(message, message)
