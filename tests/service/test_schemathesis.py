"""Schemathesis against the app in-process (WSGI), logged in with an API token, on SQLite
and (with TEST_DATABASE_URL) PostgreSQL: every operation of /api/v1/openapi.json gets its
documented examples, the coverage phase's boundary values (ids past 2^31, empty and
over-long texts, wrong types, undocumented methods) and a few generated requests, valid
and invalid. No answer may be a 500, and every answer must be what the document says:
its status, content type, headers and body schema (errors as {status, message,
errors: [{path, message}]}, times with their offset), 405 with Allow, and no operation
that claims a login answering without one.

Bounded and deterministic: a fixed seed, derandomized, MAX_EXAMPLES generated requests
per operation and phase, no example database; the whole run stays well under 3 minutes.
"""
from __future__ import annotations

import formtools
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from formservice.services import accounts
from formservice.storage.models import User

MAX_EXAMPLES = 5
SEED = 20261129
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, unsupported_method,
          allow_header_conformance, ignored_auth]


@pytest.fixture
def auth_headers(app, world):
    """A token of its own for staff at institution A: made after the world's tokens, so
    DELETE /tokens/{id} on the small ids the run tries never revokes the one it uses."""
    with app.test_request_context():
        session = formtools.session()
        user = session.get(User, world.users["staff_a"])
        token = accounts.create_token(session, user, "schemathesis")
        session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api_schema(app, world):
    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none",
                       # the caller's own token, no credentials made up (see auth_headers)
                       "no-shrink": True, "with-security-parameters": False},
        "phases": {"stateful": {"enabled": False}},
    })
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_answer_is_documented_and_none_is_a_server_error(case, auth_headers):
    response = case.call(headers=auth_headers)
    case.validate_response(response, checks=CHECKS, headers=auth_headers)


def test_the_document_covers_the_api(app):
    """What the run above relies on: every operation is in the document, bounded ids, the
    error schema, security on all but logging in and out, the 413 of a body too large."""
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["security"] == [{"token": []}, {"session": []}]
    error = spec["components"]["schemas"]["Error"]
    assert error["properties"]["status"]["type"] == "integer"
    assert error["properties"]["errors"]["type"] == "array"
    assert set(error["required"]) == {"status", "message", "errors"}
    operations = [(path, method, operation) for path, item in spec["paths"].items()
                  for method, operation in item.items() if method != "parameters"]
    assert len(operations) >= 30
    for path, method, operation in operations:
        public = path == "/api/v1/session"
        assert (operation.get("security") == []) is public, (path, method)
        if method in ("post", "put", "patch"):
            assert "413" in operation["responses"], (path, method)
    for path, item in spec["paths"].items():
        for parameter in item.get("parameters", []):
            if parameter["schema"].get("type") == "integer":
                assert parameter["schema"] == {"type": "integer", "minimum": 1,
                                               "maximum": 2**31 - 1}, (path, parameter)
    rows = spec["components"]["schemas"]["form_first_meeting"]["properties"]["participants"]
    assert rows["maxItems"] == 200
