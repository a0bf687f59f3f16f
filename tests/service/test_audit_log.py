"""The audit log: every read, download, upload, change and refused access of case data is
recorded with who, what, the outcome, when and from where; the database refuses to change
or delete an entry; only administrators read it."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from conftest import PASSWORD, SAMPLES
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

import formtools as records
from formservice.storage.models import AuditEvent

API = "/api/v1"
ADDRESS = "10.20.30.40"


def sample(form_id: str, child: str) -> dict:
    data = json.loads((SAMPLES / f"{form_id}.json").read_text())
    data["child"]["name"] = child
    return data


class Trail:
    """The audit events a request adds, read straight from the database."""

    def __init__(self, app):
        self.engine = app.extensions["formservice"].engine
        self.last = self._max_id()

    def _max_id(self) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.max(AuditEvent.id))) or 0

    def new(self) -> list[AuditEvent]:
        with Session(self.engine) as session:
            found = session.scalars(select(AuditEvent).where(AuditEvent.id > self.last)
                                    .order_by(AuditEvent.id)).all()
        if found:
            self.last = found[-1].id
        return found


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


@pytest.fixture
def audited(app, world):
    """`audited(who, method, path, status, *events, **request)`: make the request as `who`
    from ADDRESS and check that exactly `events` (dicts of expected fields) were recorded,
    each with the user, the address and a time within the request."""
    client = app.test_client(use_cookies=False)
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    trail = Trail(app)

    def request(who, method, path, status, *events, **kwargs):
        headers = {**(world.auth(who) if who else {}), **kwargs.pop("headers", {})}
        before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        response = client.open(API + path, method=method, headers=headers, **kwargs)
        after = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        where = f"{method} {path} as {who}"
        assert response.status_code == status, (where, response.get_data(as_text=True)[:500])
        found = trail.new()
        assert len(found) == len(events), (where, [_row(e) for e in found])
        for event, want in zip(found, events):
            row = _row(event)
            want = {"outcome": "ok", "address": ADDRESS, "detail": None,
                    **({"user_id": world.users[who], "username": who} if who in world.users else {}),
                    **want}
            if isinstance(want["detail"], dict) and want["detail"].get("...") is True:
                # only some keys of the detail are checked
                want["detail"] = {**(row["detail"] or {}), **want["detail"]}
                want["detail"].pop("...")
                row["detail"] = {k: v for k, v in (row["detail"] or {}).items()
                                 if k in want["detail"]}
            mismatch = {key: (row.get(key), value) for key, value in want.items()
                        if row.get(key) != value}
            assert not mismatch, (where, "got, expected:", mismatch, row)
            assert before <= _utc(event.at) <= after, (where, event.at)
        return response

    request.client = client
    request.trail = trail
    return request


def _row(event: AuditEvent) -> dict:
    return {"id": event.id, "user_id": event.user_id, "username": event.username,
            "action": event.action, "resource": event.resource,
            "resource_id": event.resource_id, "case_id": event.case_id,
            "outcome": event.outcome, "address": event.address, "detail": event.detail}


def some(**detail):
    """An expected `detail` of which only these keys are checked."""
    return {**detail, "...": True}


def store(client, world, who, key, kind, form_id, data):
    response = client.post(f"{API}/cases/{world.cases[key]}/{kind}", headers=world.auth(who),
                           json={"form": form_id, "data": data})
    assert response.status_code == 201, response.json
    return response.json["record"]["subject_id"]


def test_reads_changes_uploads_and_downloads_are_recorded(app, world, audited):
    a = world.cases["A"]
    sid = str(a)
    audited("staff_a", "GET", "/cases", 200,  # a list read names every case it showed
            {"action": "read", "resource": "cases", "resource_id": None, "case_id": None,
             "detail": {"count": 1, "cases": [a]}})
    audited("staff_a", "GET", f"/cases/{a}", 200,
            {"action": "read", "resource": "case", "resource_id": sid, "case_id": a})
    audited("caseworker_a", "GET", f"/cases/{a}", 200,
            {"action": "read", "resource": "case", "resource_id": sid, "case_id": a})
    audited("staff_a", "PATCH", f"/cases/{a}", 200,
            {"action": "change", "resource": "case", "resource_id": sid, "case_id": a,
             "detail": {"fields": ["child_birth_date", "group_name"]}},
            json={"group_name": "Sommerfuglestuen", "child_birth_date": "2021-11-23"})

    meeting = sample("first_meeting", "Alma Nørgaard Sørensen")
    response = audited("staff_a", "POST", f"/cases/{a}/meetings", 201,
                       {"action": "change", "resource": "meeting", "case_id": a,
                        "detail": some(version=1, status="final")},
                       json={"form": "first_meeting", "data": meeting})
    meeting_id = response.json["record"]["subject_id"]
    audited("staff_a", "GET", f"/cases/{a}/meetings", 200,
            {"action": "read", "resource": "meeting", "resource_id": None, "case_id": a,
             "detail": {"count": 1}})
    audited("staff_a", "GET", f"/meetings/{meeting_id}", 200,
            {"action": "read", "resource": "meeting", "resource_id": str(meeting_id), "case_id": a})
    audited("staff_a", "PUT", f"/meetings/{meeting_id}", 201,
            {"action": "change", "resource": "meeting", "resource_id": str(meeting_id),
             "case_id": a, "detail": some(version=2, status="final")},
            json={"form": "first_meeting", "data": meeting})
    audited("staff_a", "GET", f"/cases/{a}/actions", 200,
            {"action": "read", "resource": "actions", "resource_id": None, "case_id": a})

    content, _ = records.render("consent", {"child": {"name": "Alma Nørgaard Sørensen"}}, "docx")
    response = audited("staff_a", "POST", f"/cases/{a}/documents", 201,
                       {"action": "change", "resource": "consent", "case_id": a,
                        "detail": some(version=1, status="draft")},
                       {"action": "upload", "resource": "document", "case_id": a,
                        "detail": some()},
                       data={"file": (io.BytesIO(content), "samtykke.docx")})
    document_id = response.json["record"]["document_id"]
    with Session(app.extensions["formservice"].engine) as session:
        upload = session.scalars(select(AuditEvent).where(AuditEvent.action == "upload")).one()
    assert upload.resource_id == str(document_id)
    assert upload.detail["record"] == response.json["record"]["id"]
    digest = upload.detail["sha256"]
    # the same file again is stored once, and the second upload is recorded as such
    audited("staff_ab", "POST", f"/cases/{a}/documents", 200,
            {"action": "upload", "resource": "document", "resource_id": str(document_id),
             "case_id": a, "detail": {"duplicate": True, "sha256": digest}},
            data={"file": (io.BytesIO(content), "samtykke igen.docx")})
    audited("staff_a", "POST", f"/cases/{a}/documents", 422,
            {"action": "upload", "resource": "document", "resource_id": None, "case_id": a,
             "outcome": "refused", "detail": some(filename="ikke-en-formular.docx")},
            data={"file": (io.BytesIO(b"PK\x03\x04 not a form"), "ikke-en-formular.docx")})
    audited("staff_a", "GET", f"/cases/{a}/documents", 200,
            {"action": "read", "resource": "documents", "resource_id": None, "case_id": a,
             "detail": {"count": 1}})
    audited("staff_a", "GET", f"/documents/{document_id}", 200,
            {"action": "read", "resource": "document", "resource_id": str(document_id),
             "case_id": a})
    audited("caseworker_a", "GET", f"/documents/{document_id}/download", 200,
            {"action": "download", "resource": "document", "resource_id": str(document_id),
             "case_id": a})
    audited("staff_a", "GET", f"/cases/{a}/forms/consent?format=docx", 200,
            {"action": "download", "resource": "form", "resource_id": "consent", "case_id": a,
             "detail": some(format="docx", prefilled="child")})  # and the print's token
    # opening a case is recorded on the new case
    response = audited("staff_a", "POST", "/cases", 201,
                       {"action": "create", "resource": "case"},
                       json={"institution_id": world.institutions["A"], "child_name": "Ny"})
    with Session(app.extensions["formservice"].engine) as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.case_id == response.json["id"] and event.resource_id == str(response.json["id"])
    # working with the forms alone touches no case data and is not recorded
    audited("staff_a", "POST", "/forms/consent/validate", 200, json={"child": {"name": "X"}})


def test_refused_access_is_recorded_with_what_was_asked_for(app, world, audited):
    client = app.test_client()
    b = world.cases["B"]
    meeting_b = store(client, world, "staff_b", "B", "meetings", "first_meeting",
                      sample("first_meeting", "Bo Bæk"))
    consent_b = store(client, world, "staff_b", "B", "consents", "consent",
                      sample("consent", "Bo Bæk"))
    content, _ = records.render("consent", {"child": {"name": "Bo Bæk"}}, "docx")
    response = client.post(f"{API}/cases/{b}/documents", headers=world.auth("staff_b"),
                           data={"file": (io.BytesIO(content), "bo.docx")})
    document_b = response.json["record"]["document_id"]
    audited.trail.new()

    def denied(resource, resource_id, case_id, method, path):
        return {"action": "denied", "resource": resource, "resource_id": str(resource_id),
                "case_id": case_id, "outcome": "denied",
                "detail": {"method": method, "path": API + path}}

    for who in ("staff_a", "caseworker_none", "admin"):
        audited(who, "GET", f"/cases/{b}", 404, denied("case", b, b, "GET", f"/cases/{b}"))
    audited("staff_a", "PATCH", f"/cases/{b}", 404,
            denied("case", b, b, "PATCH", f"/cases/{b}"), json={"group_name": "x"})
    audited("staff_a", "GET", f"/cases/{b}/consents", 404,
            denied("case", b, b, "GET", f"/cases/{b}/consents"))
    audited("staff_a", "POST", f"/cases/{b}/documents", 404,
            denied("case", b, b, "POST", f"/cases/{b}/documents"),
            data={"file": (io.BytesIO(content), "bo.docx")})
    audited("staff_a", "GET", f"/meetings/{meeting_b}", 404,
            denied("meeting", meeting_b, b, "GET", f"/meetings/{meeting_b}"))
    audited("staff_a", "PUT", f"/consents/{consent_b}", 404,
            denied("consent", consent_b, b, "PUT", f"/consents/{consent_b}"),
            json={"form": "consent", "data": sample("consent", "Bo Bæk")})
    audited("caseworker_a", "GET", f"/documents/{document_b}", 404,
            denied("document", document_b, b, "GET", f"/documents/{document_b}"))
    audited("staff_a", "GET", f"/documents/{document_b}/download", 404,
            denied("document", document_b, b, "GET", f"/documents/{document_b}/download"))
    audited("staff_a", "GET", f"/cases/{b}/forms/consent", 404,
            denied("case", b, b, "GET", f"/cases/{b}/forms/consent"))
    # what does not exist: recorded too, with no case
    audited("staff_a", "GET", "/meetings/987654", 404,
            denied("meeting", 987654, None, "GET", "/meetings/987654"))
    audited("staff_a", "GET", "/cases/987654", 404,
            denied("case", 987654, None, "GET", "/cases/987654"))
    audited("staff_a", "POST", "/cases", 403,
            {"action": "denied", "resource": "case", "resource_id": None, "case_id": None,
             "outcome": "denied", "detail": {"institution_id": world.institutions["B"]}},
            json={"institution_id": world.institutions["B"], "child_name": "Ny"})
    audited("staff_b", "GET", "/audit", 403,
            {"action": "denied", "resource": "admin", "resource_id": None, "case_id": None,
             "outcome": "denied", "detail": {"method": "GET", "path": API + "/audit"}})
    # a bad token: no user, but when and from where
    audited(None, "GET", f"/cases/{b}", 401,
            {"action": "login", "resource": "token", "outcome": "denied",
             "user_id": None, "username": None},
            headers={"Authorization": "Bearer fs_not-a-token"})

    # the admin finds every refused attempt on case B, and nothing of B leaks into them
    response = audited.client.get(f"{API}/audit?case_id={b}&limit=1000",
                                  headers=world.auth("admin"))
    refused = [e for e in response.json if e["outcome"] == "denied"]
    assert {(e["username"], e["resource"]) for e in refused} == {
        ("staff_a", "case"), ("caseworker_none", "case"), ("admin", "case"),
        ("staff_a", "meeting"), ("staff_a", "consent"), ("staff_a", "document"),
        ("caseworker_a", "document")}
    assert "Bo Bæk" not in response.get_data(as_text=True)
    assert "Bo Bæk" not in json.dumps(response.json, ensure_ascii=False)


def test_logins_and_logouts_are_recorded(app, world, audited):
    audited(None, "POST", "/session", 401,
            {"action": "login", "resource": "session", "outcome": "denied", "user_id": None,
             "username": None, "detail": {"username": "staff_a"}},
            json={"username": "staff_a", "password": "forkert-forkert"})
    cookie_client = app.test_client()
    cookie_client.environ_base["REMOTE_ADDR"] = ADDRESS
    response = cookie_client.post(f"{API}/session",
                                  json={"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 200
    csrf = response.headers["X-CSRF-Token"]
    assert cookie_client.get(f"{API}/cases/{world.cases['A']}").status_code == 200
    assert cookie_client.delete(f"{API}/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    rows = [_row(e) for e in audited.trail.new()]
    case_a = world.cases["A"]
    assert [(r["action"], r["resource"], r["outcome"], r["username"], r["case_id"], r["address"])
            for r in rows] == [
        ("login", "session", "ok", "staff_a", None, ADDRESS),
        ("read", "case", "ok", "staff_a", case_a, ADDRESS),
        ("logout", "session", "ok", "staff_a", None, ADDRESS)]
    assert "password" not in json.dumps([r["detail"] for r in rows])


def test_only_admins_read_the_log_with_filters_and_paging(app, world, audited):
    client = audited.client
    a, b = world.cases["A"], world.cases["B"]
    for _ in range(3):
        client.get(f"{API}/cases/{a}", headers=world.auth("staff_a"))
        client.get(f"{API}/cases/{b}", headers=world.auth("staff_b"))
        client.get(f"{API}/cases/{b}", headers=world.auth("staff_a"))

    for who, status in ((None, 401), ("staff_a", 403), ("staff_ab", 403), ("caseworker_a", 403)):
        response = client.get(f"{API}/audit", headers=world.auth(who) if who else {})
        assert response.status_code == status, who
        assert set(response.json) == {"status", "message", "errors"}
    response = client.get(f"{API}/audit", headers={"Authorization": "Bearer fs_nope"})
    assert response.status_code == 401

    admin = world.auth("admin")
    everything = client.get(f"{API}/audit?limit=1000", headers=admin).json
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids, reverse=True), "newest first"
    assert set(everything[0]) == {"id", "at", "user_id", "username", "action", "resource",
                                  "resource_id", "case_id", "outcome", "address", "detail"}
    with Session(app.extensions["formservice"].engine) as session:
        assert len(everything) == session.scalar(select(func.count()).select_from(AuditEvent)) - 1

    on_b = client.get(f"{API}/audit?case_id={b}", headers=admin).json
    assert on_b and {e["case_id"] for e in on_b} == {b}
    assert sorted((e["username"], e["outcome"]) for e in on_b) == sorted(
        [("staff_b", "ok")] * 3 + [("staff_a", "denied")] * 3)
    by_staff_a = client.get(f"{API}/audit?user_id={world.users['staff_a']}", headers=admin).json
    assert {e["username"] for e in by_staff_a} == {"staff_a"}
    both = client.get(f"{API}/audit?user_id={world.users['staff_a']}&case_id={b}",
                      headers=admin).json
    assert len(both) == 3 and {(e["username"], e["case_id"]) for e in both} == {("staff_a", b)}

    # paging: limit and before_id walk the whole log, newest first, without gaps or overlaps
    pages, before = [], None
    while True:
        query = "limit=4" + (f"&before_id={before}" if before else "")
        page = client.get(f"{API}/audit?{query}", headers=admin).json
        assert len(page) <= 4
        if not page:
            break
        pages += page
        before = page[-1]["id"]
    walked = [e["id"] for e in pages]
    assert walked == sorted(walked, reverse=True) and len(walked) == len(set(walked))
    assert set(ids) <= set(walked)  # and the admin's own reads, made meanwhile

    # reading the log is itself recorded
    newest = client.get(f"{API}/audit?limit=1", headers=admin).json
    assert len(newest) == 1
    audit_reads = client.get(f"{API}/audit?user_id={world.users['admin']}&limit=1",
                             headers=admin).json
    assert audit_reads[0]["action"] == "read" and audit_reads[0]["resource"] == "audit"

    for bad in ("limit=0", "limit=1001", "limit=x", "case_id=x", "before_id=x"):
        response = client.get(f"{API}/audit?{bad}", headers=admin)
        assert response.status_code == 422, bad
        assert set(response.json) == {"status", "message", "errors"}


@pytest.fixture
def raw_engine(app, database_url):
    """A plain connection to the service's database, as a person with its password has."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def _all_rows(engine):
    with engine.connect() as connection:
        return connection.execute(text("SELECT * FROM audit_events ORDER BY id")).all()


def test_the_database_refuses_to_change_or_delete_entries(app, world, client, raw_engine):
    client.get(f"{API}/cases/{world.cases['B']}", headers=world.auth("staff_a"))
    client.get(f"{API}/cases/{world.cases['A']}", headers=world.auth("staff_a"))
    before = _all_rows(raw_engine)
    assert len(before) >= 2
    target = next(row for row in before if row.outcome == "denied")
    statements = [
        f"UPDATE audit_events SET outcome = 'ok' WHERE id = {target.id}",
        f"UPDATE audit_events SET username = NULL, user_id = NULL WHERE id = {target.id}",
        "UPDATE audit_events SET address = '127.0.0.1'",
        f"DELETE FROM audit_events WHERE id = {target.id}",
        "DELETE FROM audit_events",
    ]
    if raw_engine.dialect.name == "postgresql":
        statements += [
            "TRUNCATE audit_events",
            "TRUNCATE audit_events RESTART IDENTITY CASCADE",
            (f"INSERT INTO audit_events (id, action, resource, outcome) "
             f"VALUES ({target.id}, 'read', 'case', 'ok') "
             "ON CONFLICT (id) DO UPDATE SET outcome = 'ok'"),
        ]
    else:
        statements += [f"UPDATE OR REPLACE audit_events SET outcome = 'ok' WHERE id = {target.id}"]
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), raw_engine.begin() as connection:
            connection.execute(text(statement))
        assert _all_rows(raw_engine) == before, statement
    # and it still takes new entries
    assert client.get(f"{API}/cases/{world.cases['A']}",
                      headers=world.auth("staff_a")).status_code == 200
    assert len(_all_rows(raw_engine)) == len(before) + 1


def test_sqlite_replace_cannot_overwrite_an_entry(app, world, client, raw_engine):
    if raw_engine.dialect.name != "sqlite":
        pytest.skip("only SQLite has REPLACE")
    client.get(f"{API}/cases/{world.cases['B']}", headers=world.auth("staff_a"))
    before = _all_rows(raw_engine)
    target = next(row for row in before if row.outcome == "denied")
    try:
        with raw_engine.begin() as connection:
            connection.execute(text(
                "INSERT OR REPLACE INTO audit_events (id, action, resource, outcome) "
                f"VALUES ({target.id}, 'read', 'case', 'ok')"))
    except DBAPIError:
        pass
    assert _all_rows(raw_engine) == before
