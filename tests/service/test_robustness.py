"""Bad input gets a clear Danish 4xx, never a 500 or a stack trace; the service stays healthy
and nothing is half-stored. Uploads store a record once, however often the same file comes.
The login is rate limited per user and address.

Every refusal is checked for the JSON error shape {"status", "message", "errors"}, a
message in Danish, no traceback, /healthz still 200 afterwards, and unchanged row counts of
what a request could have stored (documents, records, meetings, consents, network maps,
actions) read through the app's own engine.
"""
from __future__ import annotations
import formtools

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import time

import hostile_files
import pytest
from conftest import PASSWORD, SAMPLES, make_world
from sqlalchemy import text

import formtools as records
from formservice.app import create_app
from formservice.storage.models import LoginFailure

API = "/api/v1"
CHILD_A = "Alma Nørgaard Sørensen"
STORED_TABLES = ("documents", "records", "meetings", "consents", "network_maps", "actions")
# Words that give away an English (library) message or a stack trace in a body.
ENGLISH = ("invalid", "missing data", "not a valid", "error", "exception", "expecting",
           "traceback", "request entity", "bad request", "unsupported media", "unknown field",
           "file \"", "line 1 column")


# --- helpers ---------------------------------------------------------------------------

def stored_counts(app) -> dict:
    with app.extensions["formservice"].engine.connect() as connection:
        return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in STORED_TABLES}


def assert_danish(message: str):
    assert isinstance(message, str) and message.strip(), message
    lowered = message.lower()
    for word in ENGLISH:
        assert word not in lowered, f"not Danish ({word!r}): {message}"


def assert_refused(response, status: int, contains: str | None = None) -> dict:
    body_text = response.get_data(as_text=True)
    assert response.status_code == status, f"{response.status_code} (wanted {status}): {body_text[:500]}"
    assert response.mimetype == "application/json", body_text[:300]
    body = response.get_json()
    assert set(body) == {"status", "message", "errors"}, body
    assert body["status"] == status
    assert_danish(body["message"])
    assert isinstance(body["errors"], list)
    for item in body["errors"]:
        assert set(item) >= {"path", "message"}, item
        assert_danish(item["message"])
    assert "Traceback" not in body_text and 'File "' not in body_text
    if contains is not None:
        assert contains in body["message"], body["message"]
    return body


@contextlib.contextmanager
def nothing_stored(app, client):
    """The block changes no stored case data, and the service answers /healthz after it."""
    before = stored_counts(app)
    yield
    assert stored_counts(app) == before
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json == {"status": "ok"}


def sample(form_id: str, child: str = CHILD_A) -> dict:
    data = json.loads((SAMPLES / f"{form_id}.json").read_text())
    data["child"]["name"] = child
    return data


def rendered(form_id: str, fmt: str, child: str = CHILD_A, data: dict | None = None) -> bytes:
    document, checked = records.render(form_id, data if data is not None else sample(form_id, child),
                                       fmt, municipality="Testkommune")
    assert checked.data is not None, checked.findings
    return document


def upload(client, headers, case_id, content: bytes, filename="formular.docx"):
    return client.post(f"{API}/cases/{case_id}/documents", headers=headers,
                       data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def parse(client, headers, content: bytes, filename="formular.docx"):
    return client.post(f"{API}/parse", headers=headers,
                       data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


@pytest.fixture
def small_app(database_url, tmp_path):
    """The service with a 64 kB upload limit (96 kB per request) and 2 login attempts."""
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url,
                      "INSTANCE_PATH": str(tmp_path / "small"), "SECRET_KEY": "test-secret",
                      "SESSION_COOKIE_SECURE": False, "MAX_UPLOAD_BYTES": 64 * 1024,
                      "MAX_CONTENT_LENGTH": 96 * 1024, "LOGIN_ATTEMPTS": 2})
    yield app
    app.extensions["formservice"].engine.dispose()


# --- JSON bodies ----------------------------------------------------------------------

def _multipart(body: bytes, boundary="grænse"):
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n"
            f"Content-Type: application/json\r\n\r\n").encode() + body + f"\r\n--{boundary}--\r\n".encode()


# (what is wrong, body, content type, status, words in the message)
BAD_BODIES = [
    ("malformed", b'{"child": {"name": "Alma"', "application/json", 400, "Ugyldig JSON"),
    ("trailing garbage", b'{"form": "consent"} og mere', "application/json", 400, "Ugyldig JSON"),
    ("single quotes", b"{'form': 'consent'}", "application/json", 400, "Ugyldig JSON"),
    ("not UTF-8", b'{"form": "\xe6\xf8\xe5"}', "application/json", 400, "UTF-8"),
    ("byte order mark", b'\xef\xbb\xbf{"form": "consent"}', "application/json", 400, "Ugyldig JSON"),
    ("empty", b"", "application/json", 400, "mangler data"),
    ("only spaces", b"   \n", "application/json", 400, "mangler data"),
    ("an array", b'[{"form": "consent"}]', "application/json", 422, "JSON-objekt"),
    ("a string", b'"consent"', "application/json", 422, "JSON-objekt"),
    ("a number", b"42", "application/json", 422, "JSON-objekt"),
    ("null", b"null", "application/json", 422, "JSON-objekt"),
    ("nested 100000 deep", b"[" * 100_000 + b"]" * 100_000, "application/json", 400, "dybt"),
    ("object nested 60 deep", b'{"a": ' * 60 + b"1" + b"}" * 60, "application/json", 400, "dybt"),
    ("a 5000-digit number", b'{"form": ' + b"7" * 5000 + b"}", "application/json", 400, "tal"),
    ("NaN", b'{"form": "consent", "data": {"x": NaN}}', "application/json", 400, "NaN"),
    ("Infinity", b'{"form": "consent", "data": {"x": -Infinity}}', "application/json", 400, "NaN"),
    ("charset application/json; charset=utf-8 but malformed", b"{", "application/json; charset=utf-8",
     400, "Ugyldig JSON"),
    ("text/plain", b'{"form": "consent", "data": {}}', "text/plain", 415, "JSON"),
    ("form-urlencoded", b"form=consent&data=x", "application/x-www-form-urlencoded", 415, "JSON"),
    ("multipart", _multipart(b'{"form": "consent", "data": {}}'),
     "multipart/form-data; boundary=grænse", 415, "JSON"),
    ("no content type", b'{"form": "consent", "data": {}}', None, 415, "JSON"),
]

JSON_ENDPOINTS = [
    ("POST", "/forms/consent/validate", "staff_a"),
    ("POST", "/forms/first_meeting/render?format=pdf", "staff_a"),
    ("POST", "/cases/{A}/meetings", "staff_a"),
    ("POST", "/cases/{A}/consents", "staff_a"),
    ("POST", "/cases", "staff_a"),
    ("PATCH", "/cases/{A}", "staff_a"),
    ("POST", "/tokens", "staff_a"),
    ("POST", "/session", None),
    ("POST", "/batches", "staff_a"),
]


@pytest.mark.parametrize("method, path, who", JSON_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in JSON_ENDPOINTS])
def test_bad_json_body_is_a_danish_4xx(app, client, world, method, path, who):
    url = API + path.format(A=world.cases["A"])
    headers = world.auth(who) if who else {}
    with nothing_stored(app, client):
        for name, body, content_type, status, words in BAD_BODIES:
            if name == "multipart" and path == "/batches":
                continue  # a batch plan may come as a file
            request_headers = dict(headers)
            if content_type:
                request_headers["Content-Type"] = content_type
            response = client.open(url, method=method, data=body, headers=request_headers)
            try:
                assert_refused(response, status, words)
            except AssertionError as exc:
                raise AssertionError(f"{name}: {exc}") from None


def test_json_error_names_line_and_column(client, world):
    response = client.post(f"{API}/forms/consent/validate", headers={
        **world.auth("staff_a"), "Content-Type": "application/json"},
        data=b'{\n  "child": {"name": "Alma",}\n}')
    body = assert_refused(response, 400)
    assert body["message"].startswith("Ugyldig JSON i linje 2, kolonne 28: ")
    assert "Expecting" not in body["message"]  # Python's English reason, said in Danish


def test_a_valid_json_body_still_works_with_charset(client, world):
    response = client.post(f"{API}/forms/consent/validate", headers={
        **world.auth("staff_a"), "Content-Type": "application/json; charset=utf-8"},
        data=json.dumps(sample("consent")).encode())
    assert response.status_code == 200, response.json
    assert response.json["ok"] is True


# --- wrong field types ------------------------------------------------------------------

def _paths(body) -> set[str]:
    return {item["path"] for item in body["errors"]}


def test_wrong_field_types_are_422_with_paths(app, client, world):
    staff = world.auth("staff_a")
    case_a = world.cases["A"]
    with nothing_stored(app, client):
        body = assert_refused(client.post(f"{API}/forms/first_meeting/render?format=docx", headers=staff,
                                          json={"child": {"name": 5, "birth_date": "i går"},
                                                "actions": "ingen"}), 422)
        assert {"child.name", "child.birth_date", "actions"} <= _paths(body)

        body = assert_refused(client.post(f"{API}/cases/{case_a}/meetings", headers=staff, json={
            "form": "first_meeting", "data": {"child": {"name": 5}, "meeting": {"date": "30-02-2026"}}}), 422)
        assert {"child.name", "meeting.date"} <= _paths(body)

        body = assert_refused(client.post(f"{API}/cases/{case_a}/consents", headers=staff,
                                          json={"form": 7, "data": [1, 2]}), 422)
        assert _paths(body) == {"form", "data"}

        body = assert_refused(client.post(f"{API}/cases", headers=staff,
                                          json={"institution_id": "Børnehuset A", "child_name": 5,
                                                "child_birth_date": "2021-02-30"}), 422)
        assert _paths(body) == {"institution_id", "child_name", "child_birth_date"}

        body = assert_refused(client.patch(f"{API}/cases/{case_a}", headers=staff,
                                           json={"status": "slettet", "child_name": ""}), 422)
        assert _paths(body) == {"status", "child_name"}

        body = assert_refused(client.post(f"{API}/session", json={"username": 5, "password": ["x"]}), 422)
        assert _paths(body) == {"username", "password"}

        body = assert_refused(client.get(f"{API}/forms/consent/template?format=xlsx", headers=staff), 422)
        assert _paths(body) == {"format"}
        assert body["errors"][0]["message"] == "Formatet skal være docx eller pdf."

        body = assert_refused(client.post(f"{API}/forms/consent/render?format=docx&flatten=true",
                                          headers=staff, json=sample("consent")), 422)


def test_validate_reports_wrong_types_as_findings(client, world):
    """validate answers what is wrong as findings (200), like `formservice validate`."""
    response = client.post(f"{API}/forms/consent/validate", headers=world.auth("staff_a"),
                           json={"child": {"name": 5}, "validity": {"valid_from": "snart"}})
    assert response.status_code == 200
    assert response.json["ok"] is False
    shape = {f["path"] for f in response.json["findings"] if f["code"] == "shape.invalid"}
    assert {"child.name", "validity.valid_from"} <= shape
    for finding in response.json["findings"]:
        assert_danish(finding["message"])


# --- unknown forms, paths, methods ------------------------------------------------------

def test_unknown_form_is_404(app, client, world):
    staff = world.auth("staff_a")
    case_a = world.cases["A"]
    with nothing_stored(app, client):
        for method, path, body in (
                ("GET", "/forms/skatteopgørelse", None),
                ("GET", "/forms/skatteopgørelse/template?format=pdf", None),
                ("POST", "/forms/skatteopgørelse/validate", {}),
                ("POST", "/forms/skatteopgørelse/render", {}),
                ("GET", f"/cases/{case_a}/forms/skatteopgørelse?format=docx", None),
                ("POST", f"/cases/{case_a}/meetings", {"form": "skatteopgørelse", "data": {}})):
            response = client.open(API + path, method=method, headers=staff, json=body)
            assert_refused(response, 404, "skatteopgørelse")
        assert_refused(client.get(f"{API}/ingen-sti", headers=staff), 404)
        assert_refused(client.delete(f"{API}/forms", headers=staff), 405)


# --- sizes ------------------------------------------------------------------------------

def test_oversized_bodies_are_413(small_app):
    client = small_app.test_client()
    world = make_world(small_app)
    staff = world.auth("staff_a")
    case_a = world.cases["A"]
    with nothing_stored(small_app, client):
        big_json = json.dumps({"child": {"name": "Å" * 100_000}}).encode()
        for path in ("/forms/consent/validate", "/forms/consent/render", f"/cases/{case_a}/consents"):
            response = client.post(API + path, headers={**staff, "Content-Type": "application/json"},
                                   data=big_json)
            assert_refused(response, 413, "64 kB")
        # a file over the upload limit, in a request under the request limit
        for response in (parse(client, staff, b"PK" + b"\0" * 70_000),
                         upload(client, staff, case_a, b"PK" + b"\0" * 70_000)):
            assert_refused(response, 413, "Filen er for stor (højst 64 kB)")
        # and over both
        for response in (parse(client, staff, os.urandom(200_000)),
                         upload(client, staff, case_a, os.urandom(200_000))):
            assert_refused(response, 413, "64 kB")
    # what fits is still taken
    document = rendered("consent", "docx")
    assert len(document) < 64 * 1024
    assert upload(client, staff, case_a, document).status_code == 201


def test_upload_limit_comes_from_the_environment(monkeypatch, tmp_path):
    from formservice.config import load_config
    monkeypatch.setenv("FORMSERVICE_MAX_UPLOAD_MB", "3")
    config = load_config({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert config["MAX_UPLOAD_BYTES"] == 3 * 1024 * 1024
    assert config["MAX_CONTENT_LENGTH"] > config["MAX_UPLOAD_BYTES"]


# --- the upload request itself ------------------------------------------------------------

@pytest.mark.parametrize("endpoint", ["parse", "documents"])
def test_upload_without_a_usable_file(app, client, world, endpoint):
    staff = world.auth("staff_a")
    url = f"{API}/parse" if endpoint == "parse" else f"{API}/cases/{world.cases['A']}/documents"
    document = rendered("consent", "docx")
    with nothing_stored(app, client):
        assert_refused(client.post(url, headers=staff, content_type="multipart/form-data",
                                   data={"fil": (io.BytesIO(document), "samtykke.docx")}), 422, "'file'")
        assert_refused(client.post(url, headers=staff, content_type="multipart/form-data",
                                   data={"file": "ikke en fil"}), 422, "'file'")
        assert_refused(client.post(url, headers=staff, content_type="multipart/form-data",
                                   data={"file": (io.BytesIO(b""), "tom.docx")}), 422, "tom")
        assert_refused(client.post(url, headers=staff, json={"file": "UEsDBA=="}), 415, "multipart")
        assert_refused(client.post(url, headers={**staff, "Content-Type": "text/plain"},
                                   data=document), 415, "multipart")
        assert_refused(client.post(url, headers=staff, data=document), 415, "multipart")
        for broken in (b"--x\r\nikke afsluttet", "ingen grænser her".encode()):
            response = client.post(url, headers={**staff, "Content-Type": "multipart/form-data; boundary=x"},
                                   data=broken)
            assert response.status_code in (400, 422)
            assert_refused(response, response.status_code)


# --- hostile files ------------------------------------------------------------------------

def _ours_docx() -> bytes:
    return rendered("consent", "docx")


def _ours_pdf() -> bytes:
    return rendered("consent", "pdf")


def _zip_bomb() -> bytes:
    return hostile_files.zip_bomb(200)


def _entity_bomb() -> bytes:
    return hostile_files.entity_bomb(_ours_docx())


def _docm() -> bytes:
    return hostile_files.docm(_ours_docx())


def _encrypted_pdf() -> bytes:
    return hostile_files.encrypted_pdf(_ours_pdf())


def _javascript_pdf() -> bytes:
    return hostile_files.javascript_pdf(_ours_pdf())


_foreign_docx, _foreign_pdf = hostile_files.foreign_docx, hostile_files.foreign_pdf
_zip_replace = hostile_files.zip_replace


# name: (builder, a word of the Danish reason)
HOSTILE = {
    "zip bomb": (_zip_bomb, "mistænkeligt stor"),
    "XML entity bomb in a docx": (_entity_bomb, "DOCTYPE"),
    "macro-enabled docm": (_docm, "makroer"),
    "encrypted PDF": (_encrypted_pdf, "krypteret"),
    "truncated PDF": (lambda: _ours_pdf()[:6000], "beskadiget"),
    "truncated docx": (lambda: _ours_docx()[:3000], "beskadiget"),
    "random bytes": (lambda: os.urandom(8192), "ikke et Word-dokument"),
    "random bytes after a PDF header": (lambda: b"%PDF-1.7\n" + os.urandom(8192), "beskadiget"),
    "foreign docx": (_foreign_docx, "ikke en formular fra formservice"),
    "foreign PDF": (_foreign_pdf, "ikke en formular fra formservice"),
    "PDF with JavaScript": (_javascript_pdf, "JavaScript"),
    "old Word or encrypted docx": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096, "adgangskode"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_is_refused_and_nothing_stored(app, client, world, name):
    build, reason = HOSTILE[name]
    content = build()
    staff = world.auth("staff_a")
    with nothing_stored(app, client):
        assert_refused(parse(client, staff, content, "formular.docx"), 422, reason)
        assert_refused(upload(client, staff, world.cases["A"], content, "formular.docx"), 422, reason)
        # refused again, not remembered as a duplicate
        assert_refused(upload(client, staff, world.cases["A"], content, "formular.docx"), 422, reason)
    listed = client.get(f"{API}/cases/{world.cases['A']}/documents", headers=staff)
    assert listed.status_code == 200 and listed.json == []


# --- uploads that are forms --------------------------------------------------------------

FORMS = ("first_meeting", "follow_up_meeting", "consent", "network_map")


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_filled_forms_are_stored_once(app, client, world, fmt):
    staff = world.auth("staff_a")
    case_a = world.cases["A"]
    for form_id in FORMS:
        document = rendered(form_id, fmt)
        before = stored_counts(app)
        first = upload(client, staff, case_a, document, f"{form_id}.{fmt}")
        assert first.status_code == 201, first.get_data(as_text=True)[:500]
        record = first.json["record"]
        assert first.json["duplicate"] is False
        assert record["form"] == form_id and record["data"]["child"]["name"] == CHILD_A
        assert record["data"] == records.validate(form_id, sample(form_id)).data
        assert not [f for f in record["findings"] if f["severity"] == "error"], record["findings"]
        assert record["status"] == "final"
        assert record["document_id"] is not None
        after = stored_counts(app)
        assert after["documents"] == before["documents"] + 1
        assert after["records"] == before["records"] + 1

        again = upload(client, staff, case_a, document, "igen.docx")
        assert again.status_code == 200, again.get_data(as_text=True)[:500]
        assert again.json["duplicate"] is True
        assert again.json["record"]["id"] == record["id"]
        assert stored_counts(app) == after

        meta = client.get(f"{API}/documents/{record['document_id']}", headers=staff)
        assert meta.status_code == 200
        assert meta.json["sha256"] == hashlib.sha256(document).hexdigest()
        assert meta.json["size"] == len(document) and meta.json["filename"] == f"{form_id}.{fmt}"
        download = client.get(f"{API}/documents/{record['document_id']}/download", headers=staff)
        assert download.status_code == 200
        assert hashlib.sha256(download.data).hexdigest() == hashlib.sha256(document).hexdigest()
        assert download.mimetype == records_media(fmt)

    meetings = client.get(f"{API}/cases/{case_a}/meetings", headers=staff).json
    assert [m["form"] for m in meetings] == ["first_meeting", "follow_up_meeting"]
    assert all(m["current"]["status"] == "final" for m in meetings)
    consents = client.get(f"{API}/cases/{case_a}/consents", headers=staff).json
    assert len(consents) == 1 and consents[0]["state"] in ("valid", "expired")
    actions = client.get(f"{API}/cases/{case_a}/actions", headers=staff).json
    assert actions, "a final meeting's actions are on the case"


def records_media(fmt: str) -> str:
    return {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "pdf": "application/pdf"}[fmt]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_record_with_errors_is_stored_as_draft(app, client, world, fmt):
    staff = world.auth("staff_a")
    case_a = world.cases["A"]
    document = rendered("first_meeting", fmt, data={"child": {"name": CHILD_A}})
    response = upload(client, staff, case_a, document, f"udkast.{fmt}")
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    record = response.json["record"]
    assert record["status"] == "draft"
    assert any(f["severity"] == "error" for f in record["findings"])
    assert client.get(f"{API}/cases/{case_a}/actions", headers=staff).json == []
    meetings = client.get(f"{API}/cases/{case_a}/meetings", headers=staff).json
    assert [m["current"]["id"] for m in meetings] == [record["id"]]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_another_childs_form_is_a_draft_with_child_mismatch(app, client, world, fmt):
    staff = world.auth("staff_a")
    document = rendered("consent", fmt, child="Bo Bæk")
    before = stored_counts(app)
    response = upload(client, staff, world.cases["A"], document, f"forkert-barn.{fmt}")
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    record = response.json["record"]
    assert record["status"] == "draft"
    mismatch = [f for f in record["findings"] if f["code"] == "case.child_mismatch"]
    assert len(mismatch) == 1
    assert mismatch[0]["severity"] == "error" and mismatch[0]["path"] == "child.name"
    assert "Bo Bæk" in mismatch[0]["message"] and CHILD_A in mismatch[0]["message"]
    after = stored_counts(app)
    assert after["documents"] == before["documents"] + 1 and after["records"] == before["records"] + 1
    consent = client.get(f"{API}/cases/{world.cases['A']}/consents", headers=staff).json[0]
    assert consent["date"] is None, "a draft changes nothing on the case"


def test_parse_reads_without_storing(app, client, world):
    document = rendered("network_map", "pdf")
    with nothing_stored(app, client):
        response = parse(client, world.auth("staff_a"), document, "kort.pdf")
    assert response.status_code == 200
    assert response.json["form"] == "network_map"
    assert response.json["data"] == records.validate("network_map", sample("network_map")).data


# --- the login rate limit ------------------------------------------------------------------

def _login(client, username, password, address="127.0.0.1"):
    return client.post(f"{API}/session", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_login_refused_after_the_limit_even_with_the_right_password(app, client, world):
    limit = app.config["LOGIN_ATTEMPTS"]
    assert limit == 5
    for _ in range(limit):
        assert_refused(_login(client, "staff_a", "forkert-adgangskode"), 401)
    refused = assert_refused(_login(client, "staff_a", PASSWORD), 429, "For mange")
    assert "15 minutter" in refused["message"]
    assert_refused(_login(client, "staff_a", "forkert-adgangskode"), 429)
    assert client.get(f"{API}/me").status_code == 401, "no session was started"
    # someone else, elsewhere, is not affected
    assert _login(client, "staff_b", PASSWORD, address="10.0.0.7").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_a_successful_login_clears_the_count(app, world):
    limit = app.config["LOGIN_ATTEMPTS"]
    for _ in range(3):
        client = app.test_client()  # a new browser each time: no session, so no CSRF token due
        for _ in range(limit - 1):
            assert_refused(_login(client, "staff_a", "forkert-adgangskode"), 401)
        response = _login(client, "staff_a", PASSWORD)
        assert response.status_code == 200, response.json
        assert response.headers["X-CSRF-Token"]
        assert client.get(f"{API}/me").json["username"] == "staff_a"


def test_failures_outside_the_window_do_not_count(app, client, world):
    limit = app.config["LOGIN_ATTEMPTS"]
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"] + 1)
    with app.app_context():
        session = formtools.session()
        session.add_all([LoginFailure(username="staff_a", address="127.0.0.1", at=old)
                         for _ in range(limit * 2)])
        session.commit()
    assert _login(client, "staff_a", PASSWORD).status_code == 200


def test_login_limit_is_configurable_and_applies_to_the_login_page(small_app):
    client = small_app.test_client()
    make_world(small_app)
    for _ in range(2):
        assert_refused(_login(client, "staff_a", "forkert-adgangskode"), 401)
    assert_refused(_login(client, "staff_a", PASSWORD), 429)
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "staff_a", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 429
    assert "For mange" in response.get_data(as_text=True)


# --- no 500 on any input: ids, characters, batches, sizes (issue 12) ----------------------

HUGE_IDS = (0, 2**31, 2**63, 10**30)
ID_PATHS = [
    ("GET", "/cases/{n}"), ("PATCH", "/cases/{n}"), ("GET", "/cases/{n}/meetings"),
    ("POST", "/cases/{n}/consents"), ("GET", "/meetings/{n}"), ("PUT", "/consents/{n}"),
    ("GET", "/cases/{n}/documents"), ("POST", "/cases/{n}/documents"), ("GET", "/documents/{n}"),
    ("GET", "/documents/{n}/download"), ("GET", "/cases/{n}/actions"),
    ("GET", "/cases/{n}/forms/consent"), ("GET", "/cases/{n}/next-follow-up"),
    ("GET", "/cases/{n}/calendar.ics"), ("GET", "/batches/{n}"), ("GET", "/batches/{n}/download"),
]


def test_ids_no_database_can_hold_are_404_in_paths_and_422_elsewhere(app, client, world):
    """PostgreSQL's integer ends at 2^31-1, SQLite's at 2^63-1: a larger id in a path is
    "not found" before any query; in a query string or a body it is a 422 naming the field."""
    staff = world.auth("staff_a")
    with nothing_stored(app, client):
        for number in HUGE_IDS:
            for method, path in ID_PATHS:
                response = client.open(API + path.format(n=number), method=method, headers=staff,
                                       json={"form": "consent", "data": {}}
                                       if method in ("POST", "PUT", "PATCH") else None)
                try:
                    assert_refused(response, 404)
                except AssertionError as exc:
                    raise AssertionError(f"{method} {path} {number}: {exc}") from None
            if number == 0:
                continue
            for path in (f"/due?institution_id={number}", f"/audit?case_id={number}",
                         f"/audit?before_id={number}"):
                body = assert_refused(client.get(API + path, headers=staff), 422, "id")
                assert body["errors"][0]["path"] in ("institution_id", "case_id", "before_id")
            for method, path, field, body in (
                    ("POST", "/cases", "institution_id",
                     {"institution_id": number, "child_name": "Ida"}),
                    ("POST", "/cases", "caseworker_id",
                     {"institution_id": world.institutions["A"], "child_name": "Ida",
                      "caseworker_id": number}),
                    ("PATCH", f"/cases/{world.cases['A']}", "caseworker_id", {"caseworker_id": number}),
                    ("POST", "/batches", "institution_id", {"institution_id": number})):
                answer = assert_refused(client.open(API + path, method=method, headers=staff,
                                                    json=body), 422)
                assert _paths(answer) == {field}, (path, answer)


def _raw_json(client, method, path, headers, text: str):
    return client.open(API + path, method=method, headers={**headers, "Content-Type": "application/json"},
                       data=text.encode("utf-8"))


@pytest.mark.parametrize("character", ["\\u0000", "\\ud800", "\\udfff"], ids=["NUL", "high", "low"])
def test_nul_and_lone_surrogates_are_422_naming_the_field(app, client, world, character):
    """No database stores NUL (PostgreSQL refuses it) or a lone surrogate (not UTF-8): a
    Danish 422 naming the field, wherever the text is, before anything is looked up."""
    staff = world.auth("staff_a")
    case_a = world.cases["A"]
    consent = sample("consent")
    consent["child"]["name"] = "Alma" + "\x01"  # replaced below by the raw escape
    consent_json = json.dumps({"form": "consent", "data": consent}).replace("\\u0001", character)
    with nothing_stored(app, client):
        for method, path, headers, text, field in (
                ("POST", "/cases", staff, f'{{"institution_id": {world.institutions["A"]}, '
                                          f'"child_name": "Ida{character}"}}', "child_name"),
                ("PATCH", f"/cases/{case_a}", staff, f'{{"group_name": "Stue {character}"}}', "group_name"),
                ("POST", "/session", {}, f'{{"username": "staff_a{character}", "password": "x"}}', "username"),
                ("POST", "/tokens", staff, f'{{"name": "min{character}"}}', "name"),
                ("POST", f"/cases/{case_a}/consents", staff, consent_json, "data.child.name"),
                ("POST", "/forms/consent/validate", staff,
                 consent_json.replace('{"form": "consent", "data": ', "")[:-1], "child.name"),
                ("POST", "/batches", staff,
                 f'{{"entries": [{{"child": {{"name": "Bo{character}", "birth_date": "2020-01-01"}}, '
                 f'"forms": ["consent"]}}]}}', "entries.0.child.name"),
                ("POST", "/cases", staff, f'{{"institution_id": 1, "child_name": "Ida", '
                                          f'"x{character}": 1}}', f"x{json.loads(chr(34) + character + chr(34))}")):
            body = assert_refused(_raw_json(client, method, path, headers, text), 422, "tegn")
            assert body["errors"][0]["path"] == field, (path, body)
            assert field in body["message"] or field.startswith("x"), body["message"]
    # other control characters in a name: refused by the case's own schema, field named
    body = assert_refused(client.post(f"{API}/cases", headers=staff, json={
        "institution_id": world.institutions["A"], "child_name": "Ida\x07"}), 422, "Barnets navn")
    assert _paths(body) == {"child_name"} and "child_name" not in body["message"]


def test_an_upload_file_name_loses_its_control_characters(app, client, world):
    """A file name's NUL or control characters are dropped (harmless), and it is cut to
    what the column holds, the extension kept."""
    staff = world.auth("staff_a")
    document = rendered("consent", "docx")
    response = upload(client, staff, world.cases["A"], document, "sam\x00tyk\x1bke.docx")
    assert response.status_code == 201, response.json
    stored = client.get(f"{API}/documents/{response.json['record']['document_id']}", headers=staff)
    assert stored.json["filename"] == "samtykke.docx"
    response = upload(client, staff, world.cases["A"], rendered("consent", "pdf"),
                      "å" * 400 + ".pdf")
    assert response.status_code == 201, response.json
    stored = client.get(f"{API}/documents/{response.json['record']['document_id']}", headers=staff)
    assert len(stored.json["filename"]) <= 255 and stored.json["filename"].endswith("å.pdf")


@pytest.mark.parametrize("which", ["unknown", "another institution's", "beyond any id"])
def test_a_batch_entry_naming_a_case_not_mine_is_a_bad_entry(app, client, world, which):
    staff = world.auth("staff_a")
    case_id = {"unknown": 999_999, "another institution's": world.cases["B"],
               "beyond any id": 2**40}[which]
    entry = {"child": {"name": "Alma Nørgaard Sørensen", "birth_date": "2020-01-01"},
             "forms": ["consent"], "case_id": case_id}
    response = client.post(f"{API}/batches", headers=staff, json={"entries": [entry]})
    assert response.status_code == 202, response.json
    assert response.json["total"] == 0
    [bad] = response.json["invalid_entries"]
    assert bad["problems"] == [f"Sag: sag {case_id} findes ikke, eller du har ikke adgang til den."]
    assert "Bo Bæk" not in response.get_data(as_text=True)
    with app.extensions["formservice"].engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM batch_items")).scalar_one() == 0


def test_405_says_which_methods_the_path_takes(client, world):
    staff = world.auth("staff_a")
    for method, path, allowed in (("DELETE", "/cases", {"GET", "POST"}),
                                  ("PUT", f"/cases/{world.cases['A']}", {"GET", "PATCH"}),
                                  ("DELETE", "/forms/consent", {"GET"})):
        response = client.open(API + path, method=method, headers=staff)
        assert_refused(response, 405)
        assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}, response.headers


def test_a_form_of_119047_participants_is_refused_at_once(app, client, world):
    """The attack of issue 12: 20 MB of JSON was validated for 43 s and stored. Now the
    body is refused before it is read (413), and a group over 200 rows before any row is
    validated (422, the group named), through the API and the pages alike."""
    staff = world.auth("staff_a")
    data = sample("first_meeting")
    row = data["participants"][0]
    data["participants"] = [row] * 119_047
    body = json.dumps({"form": "first_meeting", "data": data}).encode()
    assert len(body) > 19 * 1024 * 1024
    with nothing_stored(app, client):
        started = time.monotonic()
        response = client.post(f"{API}/cases/{world.cases['A']}/meetings", data=body,
                               headers={**staff, "Content-Type": "application/json"})
        assert time.monotonic() - started < 1
        assert_refused(response, 413, "2 MB")
        for rows in (201, 5_000):
            data["participants"] = [row] * rows
            started = time.monotonic()
            for path in (f"/cases/{world.cases['A']}/meetings", "/forms/first_meeting/render"):
                response = client.post(API + path, headers=staff,
                                       json={"form": "first_meeting", "data": data}
                                       if "meetings" in path else data)
                answer = assert_refused(response, 422)
                assert [e["path"] for e in answer["errors"]] == ["participants"]
                assert f"Deltagere: For mange rækker ({rows:,}; højst 200).".replace(",", ".") == \
                    answer["errors"][0]["message"]
            assert time.monotonic() - started < 1
            response = client.post(f"{API}/forms/first_meeting/validate", headers=staff, json=data)
            assert response.json["ok"] is False
            assert any(f["path"] == "participants" and "højst 200" in f["message"]
                       for f in response.json["findings"])
    data["participants"] = [row] * 200
    response = client.post(f"{API}/forms/first_meeting/validate", headers=staff, json=data)
    assert not any("rækker" in f["message"] for f in response.json["findings"])


def test_an_action_field_longer_than_its_column_is_422(app, client, world):
    data = sample("first_meeting")
    data["actions"][0]["responsible"] = "Line " * 50
    with nothing_stored(app, client):
        body = assert_refused(client.post(f"{API}/cases/{world.cases['A']}/meetings",
                                          headers=world.auth("staff_a"),
                                          json={"form": "first_meeting", "data": data}), 422,
                              "Ansvarlig: højst 200 tegn")
        assert _paths(body) == {"actions.0.responsible"}


def test_times_carry_their_offset(client, world):
    """SQLite keeps no time zone: every time the API gives is ISO 8601 with its offset."""
    staff = world.auth("staff_a")
    document = upload(client, staff, world.cases["A"], rendered("consent", "docx")).json
    times = [case["created_at"] for case in client.get(f"{API}/cases", headers=staff).json]
    times.append(document["record"]["created_at"])
    times += [d["created_at"] for d in client.get(
        f"{API}/cases/{world.cases['A']}/documents", headers=staff).json]
    for moment in times:
        assert dt.datetime.fromisoformat(moment).utcoffset() is not None, moment


def test_errors_are_documented_as_they_are(client):
    spec = client.get(f"{API}/openapi.json").json
    error = spec["components"]["schemas"]["Error"]
    assert error["properties"]["status"]["type"] == "integer"
    assert error["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/FieldError"}
    assert spec["paths"]["/api/v1/cases"]["post"]["responses"]["413"] == {
        "$ref": "#/components/responses/REQUEST_ENTITY_TOO_LARGE"}
