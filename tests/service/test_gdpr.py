"""The GDPR trail and least privilege: `formservice audit export --case N` (and the
administrators' API) give every access to one child's data, list reads included, and no
other child's; `formservice retention run` deletes the data of cases closed longer than
the setting and old audit entries, leaving an entry of the deletion; on PostgreSQL the
service's role (DATABASE_URL) cannot ALTER, disable the triggers of, update, delete or
truncate the audit log, which the owner role (DATABASE_OWNER_URL) migrated and granted."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import uuid

import pg_databases
import pytest
from conftest import PASSWORD, SAMPLES, make_world
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.exc import DBAPIError

import formtools
from formservice import bootstrap
from formservice.app import create_app
from formservice.cli import main
from formservice.storage.models import AuditEvent, Case, Document, Record

API = "/api/v1"
FIELDS = ["case_id", "username", "role", "at", "action", "what", "address", "outcome"]


def sample(form_id: str, child: str) -> dict:
    data = json.loads((SAMPLES / f"{form_id}.json").read_text())
    data["child"]["name"] = child
    return data


@pytest.fixture
def cli(app, database_url, tmp_path, monkeypatch, capsys):
    """`cli(*argv)` → (exit code, stdout, stderr), against the app's database."""
    for key in [k for k in os.environ if k.startswith("FORMSERVICE_")]:
        monkeypatch.delenv(key)
    monkeypatch.delenv("DATABASE_OWNER_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FORMSERVICE_INSTANCE", str(tmp_path / "cli-instance"))

    def run(*argv):
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err
    return run


def reads_of_two_children(app, world):
    """staff_a lists (shows A) and reads A; staff_b reads B; staff_ab lists (A and B);
    staff_b tries A (refused); caseworker_a reads A's meetings and downloads its file."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    a, b = world.cases["A"], world.cases["B"]
    stored = client.post(f"{API}/cases/{a}/meetings", headers=world.auth("staff_a"),
                         json={"form": "first_meeting",
                               "data": sample("first_meeting", "Alma Nørgaard Sørensen")})
    assert stored.status_code == 201, stored.json
    content, _ = formtools.render("consent", {"child": {"name": "Alma Nørgaard Sørensen"}}, "docx")
    uploaded = client.post(f"{API}/cases/{a}/documents", headers=world.auth("staff_a"),
                           data={"file": (io.BytesIO(content), "samtykke.docx")})
    assert uploaded.status_code == 201, uploaded.json
    document = uploaded.json["record"]["document_id"]
    for who, path, status in (("staff_a", "/cases", 200), ("staff_a", f"/cases/{a}", 200),
                              ("staff_b", f"/cases/{b}", 200), ("staff_b", "/cases", 200),
                              ("staff_ab", "/cases", 200), ("staff_b", f"/cases/{a}", 404),
                              ("caseworker_a", f"/cases/{a}/meetings", 200),
                              ("caseworker_a", f"/documents/{document}/download", 200)):
        response = client.get(API + path, headers=world.auth(who))
        assert response.status_code == status, (who, path, response.status_code)
    return document


def test_audit_export_lists_every_access_to_one_child(app, world, cli):
    reads_of_two_children(app, world)
    a, b = world.cases["A"], world.cases["B"]

    code, out, err = cli("audit", "export", "--case", str(a))
    assert code == 0, err
    entries = [json.loads(line) for line in out.splitlines()]
    assert entries and all(list(entry) == FIELDS for entry in entries)
    assert {entry["case_id"] for entry in entries} == {a}
    seen = [(e["username"], e["role"], e["action"], e["what"], e["outcome"]) for e in entries]
    assert ("staff_a", "staff", "read", "cases (liste med 1 sag)", "ok") in seen
    assert ("staff_a", "staff", "read", f"case {a}", "ok") in seen
    assert ("staff_ab", "staff", "read", "cases (liste med 2 sager)", "ok") in seen
    assert ("staff_b", "staff", "denied", f"case {a}", "denied") in seen
    assert ("caseworker_a", "caseworker", "read", "meeting", "ok") in seen
    assert any(e[0] == "caseworker_a" and e[2] == "download" for e in seen)
    assert any(e[0] == "staff_a" and e[2] == "upload" for e in seen)
    # B's reads are not A's: staff_b's own list showed only B, its read of B is B's
    assert not any(e[0] == "staff_b" and e[2] == "read" for e in seen)
    for entry in entries:
        moment = dt.datetime.fromisoformat(entry["at"])
        assert moment.tzinfo is not None and entry["address"] == "10.9.8.7"
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)

    code, out_b, _ = cli("audit", "export", "--case", str(b), "--format", "jsonl")
    entries_b = [json.loads(line) for line in out_b.splitlines()]
    assert {(e["username"], e["what"]) for e in entries_b} >= {
        ("staff_b", f"case {b}"), ("staff_b", "cases (liste med 1 sag)"),
        ("staff_ab", "cases (liste med 2 sager)")}
    assert not any(e["username"] == "staff_a" for e in entries_b)

    code, text_csv, _ = cli("audit", "export", "--case", str(a), "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(text_csv)))
    assert rows[0] == FIELDS
    assert len(rows) == len(entries) + 2, "the same entries, and the first export's own"
    assert rows[-1][FIELDS.index("action")] == "export"

    # the administrators' API gives the same entries
    client = app.test_client()
    admin = world.auth("admin")
    via_api = client.get(f"{API}/audit/cases/{a}", headers=admin)
    assert via_api.status_code == 200
    same = [e for e in via_api.json if e["action"] != "export"]
    assert same == entries
    as_csv = client.get(f"{API}/audit/cases/{a}.csv", headers=admin)
    assert as_csv.mimetype == "text/csv" and as_csv.get_data(as_text=True).startswith(",".join(FIELDS))
    as_lines = client.get(f"{API}/audit/cases/{a}.jsonl", headers=admin)
    assert as_lines.mimetype == "application/x-ndjson"
    assert [json.loads(line) for line in as_lines.get_data(as_text=True).splitlines()][0] == entries[0]
    for who in ("staff_a", "caseworker_a"):
        assert client.get(f"{API}/audit/cases/{a}", headers=world.auth(who)).status_code == 403
    assert client.get(f"{API}/audit/cases/{a}").status_code == 401


def test_audit_export_refuses_what_it_cannot_use(app, world, cli):
    for argv, reason in ((["audit", "export"], ""), (["audit", "export", "--case", "x"], ""),
                         (["audit", "export", "--case", "0"], "positivt helt tal"),
                         (["audit", "export", "--case", "1", "--format", "xml"], "")):
        code, out, err = cli(*argv)
        assert code == 2 and out == "" and reason in err, argv
    code, out, _ = cli("audit", "export", "--case", "999999")
    assert code == 0 and out == "", "no access to a case that never existed"


def _age(app, *, case_id: int | None = None, days: int = 0, audit_days: int | None = None):
    with app.app_context():
        session = formtools.session()
        if case_id is not None:
            session.execute(update(Case).where(Case.id == case_id).values(
                closed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days)))
        if audit_days is not None:
            session.add(AuditEvent(action="read", resource="case", resource_id="1", case_id=1,
                                   outcome="ok", username="gammel",
                                   at=dt.datetime.now(dt.UTC) - dt.timedelta(days=audit_days)))
        session.commit()


def _counts(app, case_id):
    with app.app_context():
        session = formtools.session()
        return {"case": session.get(Case, case_id) is not None,
                "documents": session.scalar(select(func.count()).select_from(Document)
                                            .where(Document.case_id == case_id)),
                "records": session.scalar(select(func.count()).select_from(Record)
                                          .where(Record.case_id == case_id)),
                "old_audit": session.scalar(select(func.count()).select_from(AuditEvent)
                                            .where(AuditEvent.username == "gammel"))}


def test_retention_deletes_closed_cases_and_old_entries_and_says_so(app, world, cli):
    reads_of_two_children(app, world)
    a, b = world.cases["A"], world.cases["B"]
    client = app.test_client()
    closed = client.patch(f"{API}/cases/{a}", json={"status": "closed"}, headers=world.auth("staff_a"))
    assert closed.status_code == 200
    with app.app_context():
        assert formtools.session().get(Case, a).closed_at is not None, "closing sets closed_at"
    code, out, _ = cli("retention", "run", "--days", "365")
    assert code == 0 and "0 sager" in out, "closed today: kept"

    _age(app, case_id=a, days=400, audit_days=800)
    before = _counts(app, a)
    assert before == {"case": True, "documents": 1, "records": 2, "old_audit": 1}
    code, out, err = cli("retention", "run", "--days", "365", "--audit-days", "730")
    assert code == 0, err
    assert "prøvekørsel" in out and "1 sager" in out and "1 logposter" in out
    assert _counts(app, a) == before, "a dry run deletes nothing"

    code, out, err = cli("retention", "run", "--days", "365", "--audit-days", "730", "--apply")
    assert code == 0, err
    assert out.startswith("Slettet: 1 sager") and f"Sager: {a}" in out
    assert _counts(app, a) == {"case": False, "documents": 0, "records": 0, "old_audit": 0}
    assert _counts(app, b)["case"] and _counts(app, b)["records"] == 0
    with app.app_context():
        entry = formtools.session().scalars(select(AuditEvent).where(
            AuditEvent.action == "delete", AuditEvent.resource == "retention")).one()
    assert entry.detail["cases"] == [a] and entry.detail["documents"] == 1
    assert entry.detail["records"] == 2 and entry.detail["audit_events"] == 1
    # the child's trail goes on until its own entries' time, and names the deletion
    code, out, _ = cli("audit", "export", "--case", str(a))
    assert json.loads(out.splitlines()[-1])["action"] == "delete"
    assert client.get(f"{API}/cases/{a}", headers=world.auth("staff_a")).status_code == 404
    assert client.get(f"{API}/cases/{b}", headers=world.auth("staff_b")).status_code == 200
    # and the audit log is append-only again afterwards
    engine = app.extensions["formservice"].engine
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events"))


# --- PostgreSQL: two roles ----------------------------------------------------------------------

OWNER = os.environ.get("TEST_DATABASE_OWNER_URL") or os.environ.get("TEST_DATABASE_URL")
SERVICE = os.environ.get("TEST_DATABASE_SERVICE_URL")


@pytest.fixture
def two_roles(tmp_path):
    """A fresh database: the owner role migrates it (bootstrap, as on start), the service
    role is DATABASE_URL."""
    if not (OWNER and SERVICE):
        pytest.skip("needs TEST_DATABASE_OWNER_URL and TEST_DATABASE_SERVICE_URL "
                    "(scripts/start-test-services.sh)")
    admin = pg_databases.admin_engine(OWNER)
    name = f"fs_roles_{uuid.uuid4().hex[:12]}"
    pg_databases.create(admin, name)
    urls = {"DATABASE_URL": pg_databases.url_of(SERVICE, name),
            "DATABASE_OWNER_URL": pg_databases.url_of(OWNER, name)}
    yield urls
    pg_databases.drop(admin, name)
    admin.dispose()


def test_the_service_role_cannot_alter_or_empty_the_audit_log(two_roles, tmp_path, monkeypatch,
                                                               capsys):
    app = create_app({"ENV": "testing", "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SECRET_KEY": "test-secret", **two_roles})
    try:
        world = make_world(app)
        client = app.test_client()
        assert client.get(f"{API}/cases/{world.cases['A']}",
                          headers=world.auth("staff_a")).status_code == 200
        login = client.post(f"{API}/session", json={"username": "staff_b", "password": PASSWORD})
        assert login.status_code == 200, "the service works with only what it was granted"
    finally:
        app.extensions["formservice"].dispose()

    service = create_engine(two_roles["DATABASE_URL"])
    try:
        with service.connect() as connection:
            assert connection.execute(text("SELECT current_user")).scalar() == "formservice_service"
            count = connection.execute(text("SELECT count(*) FROM audit_events")).scalar()
            assert count >= 2
        for statement, refusal in (
                ("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change", "owner"),
                ("ALTER TABLE audit_events DISABLE TRIGGER ALL", "owner"),
                ("ALTER TABLE audit_events ADD COLUMN note text", "owner"),
                ("DROP TRIGGER audit_events_no_change ON audit_events", "owner"),
                ("DELETE FROM audit_events", "permission denied"),
                ("UPDATE audit_events SET outcome = 'ok'", "permission denied"),
                ("TRUNCATE audit_events", "permission denied"),
                ("DROP TABLE audit_events", "owner"),
                ("CREATE TABLE mine (id int)", "permission denied"),
                ("SET session_replication_role = replica", "permission denied"),
                ("UPDATE alembic_version SET version_num = 'x'", "permission denied")):
            with pytest.raises(DBAPIError, match=refusal), service.begin() as connection:
                connection.execute(text(statement))
        with service.begin() as connection:  # it may append and read
            connection.execute(text("INSERT INTO audit_events (action, resource, outcome) "
                                    "VALUES ('read', 'case', 'ok')"))
            assert connection.execute(text("SELECT count(*) FROM audit_events")).scalar() == count + 1
    finally:
        service.dispose()

    # `formservice db migrate` runs as the owner and grants again; retention as the owner may
    # delete old entries, which the service role may not
    for key, value in two_roles.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("FORMSERVICE_INSTANCE", str(tmp_path / "cli"))
    assert main(["db", "migrate"]) == 0
    assert "som ejer-rollen" in capsys.readouterr().out
    owner = create_engine(two_roles["DATABASE_OWNER_URL"])
    try:
        with owner.begin() as connection:
            connection.execute(text("INSERT INTO audit_events (action, resource, outcome, at) "
                                    "VALUES ('read', 'case', 'ok', now() - interval '3 years')"))
        services = bootstrap.build({"ENV": "testing", "INSTANCE_PATH": str(tmp_path / "cli"),
                                    "DATABASE_URL": two_roles["DATABASE_URL"],
                                    "AUTO_MIGRATE": False}, runner=False)
        from formservice.services import audit
        from formservice.services.errors import Forbidden
        from formservice.services.unit_of_work import SYSTEM
        with pytest.raises(Forbidden, match="ejer-rolle"):
            audit.run_retention(services.uow(), SYSTEM, case_days=365, audit_days=730, apply=True)
        services.dispose()
        assert main(["retention", "run", "--audit-days", "730", "--apply"]) == 0
        assert "1 logposter" in capsys.readouterr().out
        with owner.connect() as connection:
            assert connection.execute(text(
                "SELECT count(*) FROM audit_events WHERE at < now() - interval '2 years'")).scalar() == 0
            assert connection.execute(text(
                "SELECT count(*) FROM audit_events WHERE resource = 'retention'")).scalar() == 1
            triggers = connection.execute(text(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_events_no_change'")).scalar()
            assert triggers == "O", "append-only again"
    finally:
        owner.dispose()


def test_sqlite_files_and_the_instance_folder_are_private(tmp_path):
    app = create_app({"ENV": "testing", "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SECRET_KEY": "test-secret"})
    try:
        instance = tmp_path / "instance"
        assert instance.stat().st_mode & 0o777 == 0o700
        assert (instance / "formservice.sqlite3").stat().st_mode & 0o777 == 0o600
    finally:
        app.extensions["formservice"].dispose()
