"""The service as an operator starts it and people use it: `formservice serve` on its
embedded defaults (a SQLite file in the instance folder, made and migrated on first start),
a user made with the CLI, a login over HTTP (session cookie + X-CSRF-Token) and with a
personal token, a case, its pre-filled form downloaded, filled and uploaded back, seen
under the case's meetings; the OpenAPI document and the Swagger UI served by the service
itself (the machines have no internet).
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3

import requests
from conftest import SAMPLES
from running_server import running_server

import formtools as records

PASSWORD = "korrekt-hest-batteri-hæfteklamme"
INSTITUTION = "Børnehuset Kløverengen"
CHILD = "Alma Nørgaard Sørensen"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TIMEOUT = 30


def test_end_to_end(tmp_path):
    with running_server(tmp_path) as server:
        database = server.instance / "formservice.sqlite3"
        assert database.exists(), "the embedded database is made on first start"
        with sqlite3.connect(database) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            head = db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        assert {"cases", "documents", "records", "meetings", "users", "audit_events"} <= tables
        assert head

        created = server.cli("users", "create", "anna", "--name", "Anna Bæk", "--role", "staff",
                             "--institution", INSTITUTION, "--password-stdin", input=PASSWORD + "\n")
        assert "anna" in created.stdout
        token = server.cli("users", "token", "anna", "--name", "e2e").stdout.strip()
        bearer = {"Authorization": f"Bearer {token}"}

        # nothing without logging in
        anonymous = requests.get(server.url("/api/v1/cases"), timeout=TIMEOUT)
        assert anonymous.status_code == 401 and anonymous.json()["status"] == 401

        # a login session: cookie, and the CSRF token for changes
        browser = requests.Session()
        wrong = browser.post(server.url("/api/v1/session"), timeout=TIMEOUT,
                             json={"username": "anna", "password": "forkert-adgangskode"})
        assert wrong.status_code == 401 and wrong.json()["message"] == "Forkert brugernavn eller adgangskode."
        login = browser.post(server.url("/api/v1/session"), timeout=TIMEOUT,
                             json={"username": "anna", "password": PASSWORD})
        assert login.status_code == 200, login.text
        assert login.json()["username"] == "anna"
        csrf = login.headers["X-CSRF-Token"]
        cookie = next(c for c in browser.cookies)
        assert cookie.has_nonstandard_attr("HttpOnly")
        me = browser.get(server.url("/api/v1/me"), timeout=TIMEOUT).json()
        assert me["full_name"] == "Anna Bæk"
        institution_id = me["institutions"][0]["id"]

        new_case = {"institution_id": institution_id, "child_name": CHILD,
                    "child_birth_date": "2021-11-23", "group_name": "Sommerfuglestuen"}
        refused = browser.post(server.url("/api/v1/cases"), json=new_case, timeout=TIMEOUT)
        assert refused.status_code == 403, "a change by session needs the X-CSRF-Token header"
        case = browser.post(server.url("/api/v1/cases"), json=new_case, timeout=TIMEOUT,
                            headers={"X-CSRF-Token": csrf})
        assert case.status_code == 201, case.text
        case_id = case.json()["id"]
        assert case.json()["institution"] == INSTITUTION

        # the pre-filled form for the case, as the session downloads it
        form = browser.get(server.url(f"/api/v1/cases/{case_id}/forms/first_meeting?format=docx"),
                           timeout=TIMEOUT)
        assert form.status_code == 200
        assert form.headers["Content-Type"].startswith(DOCX)
        assert "attachment" in form.headers["Content-Disposition"]
        prefilled, _ = records.parse(form.content)
        assert prefilled["form"] == "first_meeting"
        assert prefilled["data"]["child"]["name"] == CHILD
        assert prefilled["data"]["child"]["group"] == "Sommerfuglestuen"

        # uploaded back as it is (with the token): incomplete, so a draft
        upload = requests.post(server.url(f"/api/v1/cases/{case_id}/documents"), headers=bearer,
                               files={"file": ("første-møde.docx", form.content, DOCX)}, timeout=TIMEOUT)
        assert upload.status_code == 201, upload.text
        draft = upload.json()["record"]
        assert upload.json()["duplicate"] is False
        assert draft["status"] == "draft"
        assert any(f["severity"] == "error" for f in draft["findings"])

        # filled in (as staff would) and uploaded by the session: final
        data = json.loads((SAMPLES / "first_meeting.json").read_text())
        filled, _ = records.render("first_meeting", data, "docx")
        upload = browser.post(server.url(f"/api/v1/cases/{case_id}/documents"), timeout=TIMEOUT,
                              headers={"X-CSRF-Token": csrf},
                              files={"file": ("første-møde-udfyldt.docx", filled, DOCX)})
        assert upload.status_code == 201, upload.text
        final = upload.json()["record"]
        assert final["status"] == "final", final["findings"]
        again = requests.post(server.url(f"/api/v1/cases/{case_id}/documents"), headers=bearer,
                              files={"file": ("igen.docx", filled, DOCX)}, timeout=TIMEOUT)
        assert again.status_code == 200 and again.json()["duplicate"] is True
        assert again.json()["record"]["id"] == final["id"]

        meetings = requests.get(server.url(f"/api/v1/cases/{case_id}/meetings"), headers=bearer,
                                timeout=TIMEOUT)
        assert meetings.status_code == 200
        stored = {version["id"]: version for meeting in meetings.json() for version in meeting["versions"]}
        assert {draft["id"], final["id"]} <= set(stored)
        meeting = next(m for m in meetings.json() if m["current"]["id"] == final["id"])
        assert meeting["form"] == "first_meeting" and meeting["date"] == data["meeting"]["date"]
        actions = browser.get(server.url(f"/api/v1/cases/{case_id}/actions"), timeout=TIMEOUT).json()
        assert len(actions) == len(data["actions"])

        download = browser.get(server.url(f"/api/v1/documents/{final['document_id']}/download"),
                               timeout=TIMEOUT)
        assert hashlib.sha256(download.content).digest() == hashlib.sha256(filled).digest()

        # the API described, and its docs served from here, no CDN
        spec = requests.get(server.url("/api/v1/openapi.json"), timeout=TIMEOUT)
        assert spec.status_code == 200
        assert spec.json()["info"]["title"] == "formservice"
        for path in ("/api/v1/cases/{case_id}/documents", "/api/v1/cases/{case_id}/forms/{form_id}",
                     "/api/v1/session", "/api/v1/parse"):
            assert path in spec.json()["paths"], path
        docs = requests.get(server.url("/api/v1/docs"), timeout=TIMEOUT)
        assert docs.status_code == 200 and docs.headers["Content-Type"].startswith("text/html")
        assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert assets and all(asset.startswith("/static/swagger-ui/") for asset in assets), assets
        assert {"/static/swagger-ui/swagger-ui-bundle.js", "/static/swagger-ui/swagger-ui.css"} <= set(assets)
        assert "//" not in "".join(assets)
        assert '"validatorUrl": null' in docs.text, "no badge fetched from validator.swagger.io"
        for asset in assets:
            served = requests.get(server.url(asset), timeout=TIMEOUT)
            assert served.status_code == 200, asset
            assert len(served.content) > 10_000, asset
            kind = "text/css" if asset.endswith(".css") else "javascript"
            assert kind in served.headers["Content-Type"], (asset, served.headers["Content-Type"])

        # the staff pages, and logging out ends the session
        start = browser.get(server.url("/"), timeout=TIMEOUT)
        assert start.status_code == 200 and CHILD in start.text
        out = browser.delete(server.url("/api/v1/session"), headers={"X-CSRF-Token": csrf}, timeout=TIMEOUT)
        assert out.status_code == 204
        assert browser.get(server.url("/api/v1/me"), timeout=TIMEOUT).status_code == 401
        assert requests.get(server.url("/api/v1/me"), headers=bearer, timeout=TIMEOUT).status_code == 200
        assert "Traceback" not in server.log(), server.log()


def test_too_large_upload_over_http_is_danish_json(tmp_path):
    """Over the real server (waitress in front), a body over the limit is the app's JSON 413."""
    with running_server(tmp_path, env={"FORMSERVICE_MAX_UPLOAD_MB": "1"}) as server:
        server.cli("users", "create", "anna", "--role", "staff", "--institution", INSTITUTION,
                   "--password-stdin", input=PASSWORD + "\n")
        bearer = {"Authorization": "Bearer " + server.cli("users", "token", "anna").stdout.strip()}
        for size in (1024 * 1024 + 10, 2 * 1024 * 1024):  # over the file limit; over the request limit
            response = requests.post(server.url("/api/v1/parse"), headers=bearer, timeout=TIMEOUT,
                                     files={"file": ("stor.docx", io.BytesIO(b"\0" * size))})
            assert response.status_code == 413, response.text[:200]
            assert response.headers["Content-Type"] == "application/json"
            assert "for stor (højst 1 MB)" in response.json()["message"]
        assert requests.get(server.url("/healthz"), timeout=TIMEOUT).status_code == 200
