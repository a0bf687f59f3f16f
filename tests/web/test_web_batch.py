"""The batch page: an institution or a CSV plan, every entry checked and shown before
anything is made, then started, followed to 100 % and downloaded as a ZIP."""
from __future__ import annotations
import formtools

import datetime as dt
import io
import json
import time
import zipfile

import pytest
from sqlalchemy import func, select

from formservice.storage.models import Batch

from .conftest import csrf_token
from .pagetools import page, texts, upload_file


def batch_count(app) -> int:
    with app.app_context():
        return formtools.session().scalar(select(func.count()).select_from(Batch))


def check(client, **data):
    token = csrf_token(client, "/bestillinger")
    return client.post("/bestillinger/kontrol", data={"csrf_token": token, **data},
                       content_type="multipart/form-data")


def start_and_wait(client, checked) -> tuple[int, dict]:
    plan = page(checked).xpath('//input[@name="plan"]')[0].get("value")
    started = client.post("/bestillinger/start", data={"plan": plan,
                                                        "csrf_token": csrf_token(client, "/")})
    assert started.status_code == 302
    batch_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    deadline = time.monotonic() + 60
    while True:
        state = client.get(f"/bestillinger/{batch_id}/status").json
        if state["ready"] or time.monotonic() > deadline:
            return batch_id, state
        time.sleep(0.1)


def store_first_meeting(app, world):
    import formtools
    from formservice.forms.record import load_data

    from .pagetools import sample
    data, _ = load_data("first_meeting", sample("first_meeting"))
    with app.test_request_context():
        session = formtools.session()
        formtools.store_record(world.users["staff_a"], world.cases["A"], "first_meeting", data)
        session.commit()


def test_an_institution_batch_from_check_to_zip(app, staff_a, world):
    store_first_meeting(app, world)
    day = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    checked = check(staff_a, kilde="institution", institution_id=str(world.institutions["A"]),
                    forms=["follow_up_meeting", "consent"], format="pdf", meeting_date=day)
    assert checked.status_code == 200
    body = texts(checked)
    assert "1 række i orden" in body and "0 med fejl" in body and "2 dokumenter" in body
    assert "Alma Nørgaard Sørensen" in body
    assert batch_count(app) == 0  # nothing started by checking
    batch_id, state = start_and_wait(staff_a, checked)
    assert state == {"id": batch_id, "total": 2, "done": 2, "failed": 0, "percent": 100, "ready": True}
    shown = staff_a.get(f"/bestillinger/{batch_id}")
    root = page(shown)
    assert root.get_element_by_id("fremdrift").get("value") == "100"
    assert root.get_element_by_id("batch-ready").get("hidden") is None
    download = staff_a.get(f"/bestillinger/{batch_id}/zip")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert "manifest.json" in names
    assert sum(name.endswith(".pdf") for name in names) == 2
    listed = staff_a.get("/bestillinger")
    assert f"Bestilling {batch_id}" in texts(listed)


def test_a_csv_plan_with_bad_rows_shows_each_reason(app, staff_a, world):
    later = (dt.date.today() + dt.timedelta(days=30)).strftime("%d-%m-%Y")
    csv = ("navn;fødselsdato;institution;stue;formularer;format;møder\n"
           f"Alma Sørensen;2021-11-23;Børnehuset A;Sol;consent|first_meeting;docx;{later}\n"
           "Bo Bæk;2020-02-30;Skolen B;1.a;consent;docx;\n"
           "Carl;;Børnehuset A;;ukendt;docx;\n").encode()
    checked = check(staff_a, kilde="fil", plan=upload_file(csv, "plan.csv"))
    assert checked.status_code == 200
    body = texts(checked)
    assert "1 række i orden" in body and "2 med fejl" in body
    assert "Ukendt formular 'ukendt'" in body
    assert "birth_date" in body or "dato" in body
    batch_id, state = start_and_wait(staff_a, checked)
    assert state["total"] == 2 and state["ready"]
    shown = texts(staff_a.get(f"/bestillinger/{batch_id}"))
    assert "Rækker der ikke blev lavet" in shown and "Carl" in shown


@pytest.mark.parametrize("content,name,reason", [
    (b"", "plan.csv", "Filen er tom"),
    (b"\xff\xfenavn;x\n", "plan.csv", "UTF-8"),
    (b"barn;dato\nAlma;2020-01-01\n", "plan.csv", "navn"),
    (b'{"entries": 3}', "plan.json", "entries"),
])
def test_an_unreadable_plan_gets_a_danish_message(app, staff_a, content, name, reason):
    checked = check(staff_a, kilde="fil", plan=upload_file(content, name))
    assert 400 <= checked.status_code < 500 and checked.mimetype == "text/html"
    assert reason in texts(checked)
    assert page(checked).get_element_by_id("plan") is not None
    assert batch_count(app) == 0


def test_only_my_institutions(app, staff_a, world):
    checked = check(staff_a, kilde="institution", institution_id=str(world.institutions["B"]),
                    forms=["consent"], format="docx")
    assert checked.status_code == 422 and "dine institutioner" in texts(checked)


def test_a_plan_with_nothing_to_make_cannot_be_started(staff_a, world):
    checked = check(staff_a, kilde="institution", institution_id=str(world.institutions["A"]),
                    forms=["follow_up_meeting"], format="docx")  # no meeting date
    body = texts(checked)
    assert "ingen mødedatoer" in body
    assert not page(checked).xpath('//input[@name="plan"]')


def test_a_plan_is_kept_on_the_server_only_for_its_session(app, staff_a, world, client):
    day = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    checked = check(staff_a, kilde="institution", institution_id=str(world.institutions["A"]),
                    forms=["consent"], format="docx", meeting_date=day)
    plan = page(checked).xpath('//input[@name="plan"]')[0].get("value")
    with staff_a.session_transaction() as session:
        assert json.dumps(session["pending"]).count("entries") == 0  # only a name and a hash
    from .conftest import log_in
    other = app.test_client()
    log_in(other, "staff_ab")
    refused = other.post("/bestillinger/start", data={"plan": plan, "csrf_token": csrf_token(other, "/")})
    assert refused.status_code == 404 and "ikke gemt længere" in texts(refused)
    assert batch_count(app) == 0


def test_the_zip_waits_until_the_batch_is_done(app, staff_a, world):
    from formservice.services import batches
    with app.test_request_context():
        session = formtools.session()
        entry = {"child": {"name": "Alma"}, "forms": ["consent"], "format": "docx"}
        batch = batches.create_batch(formtools.uow(), formtools.actor(world.users["staff_a"]),
                                     [entry], runner="inprocess")
        session.commit()
        batch_id = batch.id  # never started: stays at 0 %
    shown = staff_a.get(f"/bestillinger/{batch_id}")
    assert page(shown).get_element_by_id("fremdrift").get("value") == "0"
    assert page(shown).get_element_by_id("batch-ready").get("hidden") is not None
    download = staff_a.get(f"/bestillinger/{batch_id}/zip")
    assert download.status_code == 409 and "ikke færdig" in texts(download)
