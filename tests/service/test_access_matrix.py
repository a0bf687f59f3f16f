"""Who may do what: every API endpoint × every kind of caller × own / other / missing case.

The policy (see formservice/services/access.py):
- no credentials, a bad, revoked or deactivated user's token, or a wrong scheme → 401
  everywhere under /api/v1, except the public docs (openapi.json, docs) and the login;
- staff see and change the cases of their institutions; a caseworker the cases assigned
  to them; an administrator sees no child's data (404, like a stranger) but reads the
  audit log, which everyone else is refused (403);
- a case, or anything stored on one, that the caller may not see is a 404 with the same
  Danish message as one that does not exist, never a 403;
- opening a case at an institution one is not a member of is a 403.

The table ENDPOINTS says, per endpoint, how it is scoped; `expected` turns that into the
status for each caller and target, so the whole matrix is the product of two small tables.
Every non-2xx answer is checked to be the JSON error shape and to carry no child data, and
no answer (JSON or text) may show the name or stored data of a case the caller may not see.
"""
from __future__ import annotations
import formtools

import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass

from conftest import PASSWORD, SAMPLES
from sqlalchemy import update

import formtools as records
from formservice.storage.models import ApiToken, User

API = "/api/v1"
CHILD = {"A": "Alma Nørgaard Sørensen", "B": "Bo Bæk"}
# Put into each case's stored data, so a leak of any of it is seen in an error body.
MARKER = {"A": "Hemmelig-Kløver-A", "B": "Hemmelig-Bølge-B"}
MISSING_ID = 987654

# Callers without a valid identity, and callers with one.
UNAUTHENTICATED = ("anonymous", "bad_token", "empty_token", "revoked_token", "wrong_scheme",
                   "inactive_user")
USERS = ("staff_a", "staff_b", "staff_ab", "caseworker_a", "caseworker_none", "admin")
CALLERS = UNAUTHENTICATED + USERS
# The cases each user may see, and the institutions they may open cases at.
SEES = {"staff_a": "A", "staff_b": "B", "staff_ab": "AB", "caseworker_a": "A",
        "caseworker_none": "", "admin": ""}
MEMBER_OF = {"staff_a": "A", "staff_b": "B", "staff_ab": "AB", "caseworker_a": "",
             "caseworker_none": "", "admin": ""}
TARGETS = ("A", "B", "missing")  # the case (or its institution) an endpoint is aimed at


def sample(form_id: str, key: str) -> dict:
    data = json.loads((SAMPLES / f"{form_id}.json").read_text())
    data["child"]["name"] = CHILD[key]
    data["child"]["group"] = MARKER[key]
    return data


def meeting_data(key):
    data = sample("first_meeting", key)
    data["meeting"]["place"] = f"Mødelokalet {MARKER[key]}"
    return data


class Context:
    """The world plus what is stored on each case, and a way to make request bodies."""

    def __init__(self, app, world):
        self.app, self.world = app, world
        self.ids: dict[str, dict] = {}
        self.counter = itertools.count()
        self.headers: dict[str, dict] = {}
        self.secrets: list[str] = []  # of both cases: in no error body
        self.case_secrets: dict[str, list[str]] = {}  # per case: only for who may see it

    def ids_for(self, target):
        if target == "missing":
            return {"case": MISSING_ID, "meeting": MISSING_ID, "consent": MISSING_ID,
                    "network_map": MISSING_ID, "document": MISSING_ID, "institution": MISSING_ID}
        return self.ids[target]

    def filled_form(self, key) -> bytes:
        """A real filled consent form for the case's child, different every time."""
        content, _ = records.render("consent", {"child": {"name": CHILD[key],
                                                          "group": f"Stue {next(self.counter)}"}},
                                    "docx")
        return content


def setup_context(app, client, world) -> Context:
    """Store a meeting, a consent, a network map and an uploaded document on both cases
    (through the API, as staff of each institution), and make the odd credentials."""
    ctx = Context(app, world)
    for key, who in (("A", "staff_a"), ("B", "staff_b")):
        case_id = world.cases[key]
        headers = world.auth(who)
        ids = {"case": case_id, "institution": world.institutions[key]}
        for kind, form_id, data in (("meetings", "first_meeting", meeting_data(key)),
                                    ("consents", "consent", sample("consent", key)),
                                    ("network-maps", "network_map", sample("network_map", key))):
            response = client.post(f"{API}/cases/{case_id}/{kind}", headers=headers,
                                   json={"form": form_id, "data": data})
            assert response.status_code == 201, response.json
            assert response.json["record"]["status"] == "final", response.json
            ids[kind.replace("-", "_").rstrip("s")] = response.json["record"]["subject_id"]
        content = ctx.filled_form(key)
        response = client.post(f"{API}/cases/{case_id}/documents", headers=headers,
                               data={"file": (io.BytesIO(content),
                                              f"samtykke-{MARKER[key]}.docx")})
        assert response.status_code == 201, response.json
        ids["document"] = response.json["record"]["document_id"]
        assert ids["document"]
        document = client.get(f"{API}/documents/{ids['document']}", headers=headers).json
        ctx.case_secrets[key] = [CHILD[key], MARKER[key], document["filename"]]
        ctx.secrets += [document["sha256"], document["filename"]]
        ctx.ids[key] = ids
    ctx.secrets += list(CHILD.values()) + list(MARKER.values()) + [
        "Alma", "Nørgaard", "Bæk", "Mødelokalet"]

    with app.test_request_context():
        from formservice.services import accounts
        session = formtools.session()
        staff_ab = session.get(User, world.users["staff_ab"])
        revoked = accounts.create_token(session, staff_ab, "revoked")
        session.execute(update(ApiToken).where(ApiToken.name == "revoked").values(revoked=True))
        gone = accounts.create_user(session, "staff_gone", "Staff Gone", "staff", PASSWORD,
                                    ["Børnehuset A", "Skolen B"])
        gone_token = accounts.create_token(session, gone, "test")
        gone.active = False
        session.commit()
    ctx.headers = {
        "anonymous": {},
        "bad_token": {"Authorization": "Bearer fs_" + "x" * 43},
        "empty_token": {"Authorization": "Bearer "},
        "revoked_token": {"Authorization": f"Bearer {revoked}"},
        # a valid token of staff_ab, under a scheme other than Bearer
        "wrong_scheme": {"Authorization": f"Token {world.tokens['staff_ab']}"},
        "inactive_user": {"Authorization": f"Bearer {gone_token}"},
        **{who: world.auth(who) for who in USERS},
    }
    return ctx


def _json(body):
    return lambda ctx, target: {"json": body(ctx, target) if callable(body) else body}


def _upload(content: Callable):
    return lambda ctx, target: {"data": {"file": (io.BytesIO(content(ctx, target)),
                                                  "formular.docx")}}


def _record(form_id, data):
    def make(ctx, target):
        key = target if target in CHILD else "A"
        return {"json": {"form": form_id, "data": data(key)}}
    return make


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {case} {meeting} {consent} {network_map} {document} {institution}
    scope: str  # case | institution | user | admin | public
    ok: int
    request: Callable | None = None  # (ctx, target) -> keyword arguments of client.open

    def __str__(self):
        return f"{self.method} {self.path}"


CONSENT_FORM = {"child": {"name": "Testbarn Testesen"}}
ENDPOINTS = [
    Endpoint("GET", "/cases", "user", 200),
    Endpoint("POST", "/cases", "institution", 201, _json(lambda ctx, target: {
        "institution_id": ctx.ids_for(target)["institution"], "child_name": "Nyt Barn"})),
    Endpoint("GET", "/cases/{case}", "case", 200),
    Endpoint("PATCH", "/cases/{case}", "case", 200, _json({"group_name": "Stue 9"})),
    Endpoint("GET", "/cases/{case}/meetings", "case", 200),
    Endpoint("POST", "/cases/{case}/meetings", "case", 201, _record("first_meeting", meeting_data)),
    Endpoint("GET", "/cases/{case}/consents", "case", 200),
    Endpoint("POST", "/cases/{case}/consents", "case", 201,
             _record("consent", lambda key: sample("consent", key))),
    Endpoint("GET", "/cases/{case}/network-maps", "case", 200),
    Endpoint("POST", "/cases/{case}/network-maps", "case", 201,
             _record("network_map", lambda key: sample("network_map", key))),
    Endpoint("GET", "/meetings/{meeting}", "case", 200),
    Endpoint("PUT", "/meetings/{meeting}", "case", 201, _record("first_meeting", meeting_data)),
    Endpoint("GET", "/consents/{consent}", "case", 200),
    Endpoint("PUT", "/consents/{consent}", "case", 201,
             _record("consent", lambda key: sample("consent", key))),
    Endpoint("GET", "/network-maps/{network_map}", "case", 200),
    Endpoint("PUT", "/network-maps/{network_map}", "case", 201,
             _record("network_map", lambda key: sample("network_map", key))),
    Endpoint("GET", "/cases/{case}/documents", "case", 200),
    Endpoint("POST", "/cases/{case}/documents", "case", 201,
             _upload(lambda ctx, target: ctx.filled_form(target if target in CHILD else "A"))),
    Endpoint("GET", "/documents/{document}", "case", 200),
    Endpoint("GET", "/documents/{document}/download", "case", 200),
    Endpoint("GET", "/cases/{case}/actions", "case", 200),
    Endpoint("GET", "/cases/{case}/forms/consent?format=docx", "case", 200),
    # the series (api/series_api.py)
    Endpoint("GET", "/cases/{case}/next-follow-up?format=docx", "case", 200),
    Endpoint("GET", "/cases/{case}/calendar.ics", "case", 200),
    Endpoint("GET", "/due?today=2027-03-01", "user", 200),
    Endpoint("GET", "/forms", "user", 200),
    Endpoint("GET", "/forms/consent", "user", 200),
    Endpoint("GET", "/forms/consent/template?format=docx", "user", 200),
    Endpoint("POST", "/forms/consent/validate", "user", 200, _json(CONSENT_FORM)),
    Endpoint("POST", "/forms/consent/render?format=docx", "user", 200, _json(CONSENT_FORM)),
    Endpoint("POST", "/parse", "user", 200,
             _upload(lambda ctx, target: records.render("consent", CONSENT_FORM, "docx")[0])),
    Endpoint("GET", "/me", "user", 200),
    Endpoint("POST", "/tokens", "user", 201, _json({"name": "matrix"})),
    Endpoint("GET", "/audit", "admin", 200),
    Endpoint("GET", "/openapi.json", "public", 200),
    Endpoint("GET", "/docs", "public", 200),
    Endpoint("POST", "/session", "public", 200,
             _json({"username": "caseworker_none", "password": PASSWORD})),
]


def expected(endpoint: Endpoint, caller: str, target: str | None) -> int:
    if endpoint.scope == "public":
        return endpoint.ok
    if caller in UNAUTHENTICATED:
        return 401
    if endpoint.scope == "user":
        return endpoint.ok
    if endpoint.scope == "admin":
        return endpoint.ok if caller == "admin" else 403
    if endpoint.scope == "institution":
        return endpoint.ok if target in MEMBER_OF[caller] else 403
    return endpoint.ok if target in SEES[caller] else 404


def targets_of(endpoint: Endpoint):
    return TARGETS if endpoint.scope in ("case", "institution") else (None,)


def check_error_body(response, secrets, where):
    """A non-2xx answer: the JSON error shape, a Danish message, and no child data."""
    problems = []
    if not response.is_json:
        return [f"{where}: error body is not JSON ({response.content_type})"]
    body = response.get_json()
    if not isinstance(body, dict) or set(body) != {"status", "message", "errors"}:
        return [f"{where}: error body has keys {sorted(body) if isinstance(body, dict) else body!r}"]
    if body["status"] != response.status_code:
        problems.append(f"{where}: body status {body['status']} != {response.status_code}")
    if not isinstance(body["message"], str) or not body["message"]:
        problems.append(f"{where}: no message")
    if not isinstance(body["errors"], list):
        problems.append(f"{where}: errors is not a list")
    text = response.get_data(as_text=True) + json.dumps(body, ensure_ascii=False)
    for secret in secrets:
        if secret in text:
            problems.append(f"{where}: error body leaks {secret!r}: {body}")
    return problems


def run_matrix(client, ctx, caller) -> list[str]:
    """Every endpoint and target as `caller`; what differs from the policy, each named."""
    problems = []
    not_found_bodies: dict[str, set] = {}
    for endpoint in ENDPOINTS:
        for target in targets_of(endpoint):
            ids = ctx.ids_for(target) if target else {}
            path = API + endpoint.path.format(**ids)
            kwargs = endpoint.request(ctx, target) if endpoint.request else {}
            response = client.open(path, method=endpoint.method, headers=ctx.headers[caller],
                                   **kwargs)
            want = expected(endpoint, caller, target)
            where = f"{endpoint} as {caller} on case {target or '-'} ({path})"
            if response.status_code != want:
                problems.append(f"{where}: {response.status_code}, expected {want}: "
                                f"{response.get_data()[:300].decode(errors='replace')}")
            if response.status_code < 300 and (response.is_json or response.mimetype.startswith("text/")):
                text = response.get_data(as_text=True) + (
                    json.dumps(response.get_json(), ensure_ascii=False) if response.is_json else "")
                for key, secrets in ctx.case_secrets.items():
                    if key not in SEES.get(caller, ""):
                        problems += [f"{where}: answer shows case {key}'s {secret!r}"
                                     for secret in secrets if secret in text]
            if response.status_code >= 300:
                problems += check_error_body(response, ctx.secrets, where)
                if response.status_code == 404 and endpoint.scope == "case":
                    # the same answer whether it does not exist or is not mine
                    not_found_bodies.setdefault(str(endpoint), set()).add(
                        response.get_data(as_text=True))
            if response.status_code == 401 and not response.headers.get(
                    "WWW-Authenticate", "").startswith("Bearer"):
                problems.append(f"{where}: 401 without WWW-Authenticate: Bearer")
    for endpoint, bodies in not_found_bodies.items():
        if len(bodies) > 1:
            problems.append(f"{endpoint} as {caller}: 404 answers differ between a missing "
                            f"and another's case, so they reveal existence: {sorted(bodies)}")
    return problems


def test_access_matrix(app, world):
    """All callers against one stored world (one setup per backend keeps it fast); the
    failure lists every cell that differs, by endpoint, caller and case."""
    ctx = setup_context(app, app.test_client(), world)
    client = app.test_client(use_cookies=False)  # so the login row does not log us in
    problems = []
    for caller in CALLERS:
        problems += run_matrix(client, ctx, caller)
    assert not problems, "\n".join([f"{len(problems)} cells differ from the policy:"] + problems)


def test_case_list_shows_only_visible_cases(client, world):
    for caller in USERS:
        response = client.get(f"{API}/cases", headers=world.auth(caller))
        assert response.status_code == 200, caller
        seen = {key for key, case_id in world.cases.items()
                if case_id in {case["id"] for case in response.json}}
        assert seen == set(SEES[caller]), caller
        assert not {case["id"] for case in response.json} - set(world.cases.values()), caller


def test_caseworker_sees_a_case_only_while_assigned(client, world):
    """A caseworker sees a case exactly while assigned: reassigning it takes it away."""
    case_a = world.cases["A"]
    assert client.get(f"{API}/cases/{case_a}", headers=world.auth("caseworker_a")).status_code == 200
    response = client.patch(f"{API}/cases/{case_a}", headers=world.auth("staff_a"),
                            json={"caseworker_id": world.users["caseworker_none"]})
    assert response.status_code == 200, response.json
    assert client.get(f"{API}/cases/{case_a}", headers=world.auth("caseworker_a")).status_code == 404
    assert client.get(f"{API}/cases/{case_a}", headers=world.auth("caseworker_none")).status_code == 200


def test_auth_is_checked_before_the_request_is_read(client, world):
    """An anonymous caller gets 401, not a validation error, even with a wrong body."""
    case_a = world.cases["A"]
    for method, path, kwargs in (
            ("PATCH", f"/cases/{case_a}", {"json": {"nonsense": 1}}),
            ("POST", "/cases", {"json": {}}),
            ("POST", f"/cases/{case_a}/meetings", {"json": {"form": 3}}),
            ("GET", f"/cases/{case_a}/forms/consent?format=xls", {}),
            ("GET", "/audit?limit=0", {}),
            ("POST", "/tokens", {"json": {}}),
            ("POST", "/forms/consent/validate", {"data": b"not json"}),
            ("POST", "/parse", {"data": b"x", "content_type": "text/plain"})):
        for headers in ({}, {"Authorization": "Bearer fs_nope"}):
            response = client.open(API + path, method=method, headers=headers, **kwargs)
            assert response.status_code == 401, (method, path, headers, response.json)


def test_session_login_csrf_and_logout(app, world):
    client = app.test_client()
    case_a = world.cases["A"]
    response = client.post(f"{API}/session", json={"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 200, response.json
    assert response.json["username"] == "staff_a"
    assert "password" not in response.json
    csrf = response.headers["X-CSRF-Token"]
    assert csrf

    assert client.get(f"{API}/me").json["username"] == "staff_a"
    assert client.get(f"{API}/cases/{case_a}").status_code == 200
    assert client.get(f"{API}/cases/{world.cases['B']}").status_code == 404

    changes = (("PATCH", f"/cases/{case_a}", {"json": {"group_name": "Stue 2"}}, 200),
               ("POST", f"/cases/{case_a}/consents",
                {"json": {"form": "consent", "data": sample("consent", "A")}}, 201),
               ("POST", "/tokens", {"json": {"name": "fra session"}}, 201),
               ("POST", "/forms/consent/validate", {"json": CONSENT_FORM}, 200))
    for method, path, kwargs, ok in changes:
        for bad in ({}, {"X-CSRF-Token": "forkert"}, {"X-CSRF-Token": ""}):
            response = client.open(API + path, method=method, headers=bad, **kwargs)
            assert response.status_code == 403, (method, path, bad, response.json)
            assert set(response.json) == {"status", "message", "errors"}
        response = client.open(API + path, method=method, headers={"X-CSRF-Token": csrf}, **kwargs)
        assert response.status_code == ok, (method, path, response.json)
    consent_id = client.get(f"{API}/cases/{case_a}/consents").json[-1]["id"]
    body = {"json": {"form": "consent", "data": sample("consent", "A")}}
    assert client.put(f"{API}/consents/{consent_id}", **body).status_code == 403
    assert client.put(f"{API}/consents/{consent_id}", headers={"X-CSRF-Token": csrf},
                      **body).status_code == 201

    # logging out is a change too; without the header it is refused and nothing ends
    assert client.delete(f"{API}/session").status_code == 403
    assert client.get(f"{API}/me").status_code == 200
    assert client.delete(f"{API}/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get(f"{API}/me").status_code == 401
    assert client.get(f"{API}/cases/{case_a}").status_code == 401
    assert client.patch(f"{API}/cases/{case_a}", headers={"X-CSRF-Token": csrf},
                        json={"group_name": "Stue 3"}).status_code == 401

    # a token needs no CSRF header (it is not sent by a browser on its own)
    response = client.patch(f"{API}/cases/{case_a}", headers=world.auth("staff_a"),
                            json={"group_name": "Stue 4"})
    assert response.status_code == 200


def test_wrong_password_and_unknown_user_look_the_same(app, world):
    client = app.test_client()
    wrong = client.post(f"{API}/session", json={"username": "staff_a", "password": "forkert-" * 3})
    unknown = client.post(f"{API}/session", json={"username": "ingen", "password": "forkert-" * 3})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json
    assert client.get(f"{API}/me").status_code == 401
    assert "X-CSRF-Token" not in wrong.headers


def test_a_session_ends_when_the_user_is_deactivated(app, world):
    client = app.test_client()
    response = client.post(f"{API}/session", json={"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get(f"{API}/me").status_code == 200
    with app.test_request_context():
        session = formtools.session()
        session.get(User, world.users["staff_a"]).active = False
        session.commit()
    assert client.get(f"{API}/me").status_code == 401
    assert client.get(f"{API}/me", headers=world.auth("staff_a")).status_code == 401


def test_a_copied_session_cookie_is_dead_after_logout(app, world):
    client = app.test_client()
    response = client.post(f"{API}/session", json={"username": "staff_a", "password": PASSWORD})
    csrf = response.headers["X-CSRF-Token"]
    copied = client.get_cookie("session").value
    assert client.delete(f"{API}/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get(f"{API}/me").status_code == 401
