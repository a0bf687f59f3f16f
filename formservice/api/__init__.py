"""The JSON API under /api/v1, documented by OpenAPI at /api/v1/openapi.json."""
from __future__ import annotations

from flask import jsonify
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from ..forms import FORMS

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
    return api


def json_error(exc: HTTPException):
    """Every error as JSON: status, a Danish message a person can act on, field paths."""
    status = exc.code or 500
    message = exc.description if _is_danish(exc) else DANISH.get(status, DANISH[400])
    body = {"status": status, "message": message, "errors": _field_errors(exc)}
    if status == 413:
        from flask import current_app
        limit = current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
        body["message"] = f"Forespørgslen eller filen er for stor (højst {limit} MB)."
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
}


def _danish_field(message: str) -> str:
    if message.startswith("Length must be"):
        return "Teksten har ikke en tilladt længde."
    return _FIELD_MESSAGES.get(message, message)
