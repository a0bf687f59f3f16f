"""Who reaches which page: a user of one institution cannot reach another's case by
editing a URL (the same Danish 404 page as for a case that does not exist, with no child
data), anonymous users are sent to the login page, and errors are Danish pages while the
API keeps its JSON."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import formtools
from formservice.storage.models import AuditEvent, Case, Record, User

from .conftest import csrf_token, log_in
from .pagetools import sample

CASE_PAGES = [
    "/sager/{case}",
    "/sager/{case}/netvaerkskort.png",
    "/sager/{case}/formularer",
    "/sager/{case}/formularer/consent/hent?format=docx",
    "/sager/{case}/formularer/consent/hent?format=pdf&tom=1",
    "/sager/{case}/naeste-opfoelgning/hent?format=docx",
    "/sager/{case}/poster/{record}",
    "/sager/{case}/poster/{record}/hent?format=pdf",
    "/sager/{case}/poster/{record}/ret",
    "/sager/{case}/dokumenter/{document}",
    "/sager/{case}/upload",
    "/sager/{case}/upload/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "/sager/{case}/udfyld/first_meeting",
    "/sager/{case}/udfyld/follow_up_meeting?kilde=naeste",
]
CASE_POSTS = [
    "/sager/{case}/upload",
    "/sager/{case}/upload/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/gem",
    "/sager/{case}/upload/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/annuller",
    "/sager/{case}/udfyld/network_map",
    "/sager/{case}/poster/{record}/ret",
]


def store_everything(app, world, key: str) -> dict:
    """A network map, a consent and an uploaded document on the world's case `key`."""
    import formtools as records
    with app.test_request_context():
        session = formtools.session()
        user = session.get(User, world.users["staff_b" if key == "B" else "staff_a"])
        case = session.get(Case, world.cases[key])
        data = sample("network_map")
        data["child"]["name"] = case.child_name
        stored_map = formtools.store_record(user.id, case.id, "network_map", data)
        consent = sample("consent")
        consent["child"]["name"] = case.child_name
        document, _ = records.render("consent", consent, "docx")
        uploaded = formtools.upload(user.id, case.id, "samtykke.docx", document)
        session.commit()
        return {"case": case.id, "record": stored_map.record.id,
                "document": uploaded.record.document_id, "child": case.child_name}


def _urls(templates, ids):
    return [template.format(**ids) for template in templates]


def test_another_institutions_case_is_a_404_page_without_child_data(app, client, world):
    other = store_everything(app, world, "B")
    own = store_everything(app, world, "A")
    log_in(client, "staff_a")
    for url in _urls(CASE_PAGES, other):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == "text/html", url
        body = response.get_data(as_text=True)
        assert 'lang="da"' in body
        assert "findes ikke" in body, url
        assert "Bo Bæk" not in body and "Bæk" not in body, url
    token = csrf_token(client, f"/sager/{own['case']}")
    for url in _urls(CASE_POSTS, other):
        response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 404, url
        assert "Bæk" not in response.get_data(as_text=True), url
    # the same case id with one's own case: a record or document of the other case is 404 too
    mixed = {**own, "record": other["record"], "document": other["document"]}
    for url in _urls([u for u in CASE_PAGES if "{record}" in u or "{document}" in u], mixed):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Bæk" not in response.get_data(as_text=True), url
    # and nothing of B's was stored or changed by the attempts
    with app.app_context():
        session = formtools.session()
        assert session.scalar(select(Record.id).where(Record.case_id == other["case"],
                                                      Record.id != other["record"],
                                                      Record.document_id.is_(None))) is None


def test_refusals_are_audited(app, client, world):
    other = store_everything(app, world, "B")
    log_in(client, "staff_a")
    client.get(f"/sager/{other['case']}")
    with app.app_context():
        event = formtools.session().scalars(select(AuditEvent).where(
            AuditEvent.outcome == "denied").order_by(AuditEvent.id.desc())).first()
        assert event.case_id == other["case"] and event.username == "staff_a"


def test_a_missing_case_looks_the_same_as_anothers(app, client, world):
    other = store_everything(app, world, "B")
    log_in(client, "staff_a")
    missing = client.get("/sager/999999").get_data(as_text=True)
    theirs = client.get(f"/sager/{other['case']}").get_data(as_text=True)
    assert missing == theirs


def test_staff_of_both_institutions_and_the_caseworker_reach_the_case(app, client, world):
    store_everything(app, world, "A")
    for username in ("staff_ab", "caseworker_a"):
        fresh = app.test_client()
        log_in(fresh, username)
        assert fresh.get(f"/sager/{world.cases['A']}").status_code == 200, username
    fresh = app.test_client()
    log_in(fresh, "caseworker_none")
    assert fresh.get(f"/sager/{world.cases['A']}").status_code == 404


@pytest.mark.parametrize("url", ["/", "/sager/1", "/sager/1/upload", "/formularer",
                                 "/formularer/consent/udfyld", "/bestillinger", "/bestillinger/1"])
def test_anonymous_users_go_to_the_login_page_and_back(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    if url != "/":
        assert "next=" in response.headers["Location"]


def test_login_returns_to_the_page_asked_for_but_never_to_another_site(client, world):
    response = client.post("/login", data={"username": "staff_a", "password": "en-lang-adgangskode-til-test",
                                           "csrf_token": csrf_token(client), "next": "/formularer"})
    assert response.headers["Location"].endswith("/formularer")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post("/login", data={"username": "staff_a",
                                               "password": "en-lang-adgangskode-til-test",
                                               "csrf_token": csrf_token(client), "next": target})
        assert response.headers["Location"] in ("/", "http://localhost/"), target
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_posts_without_the_csrf_token_are_refused_with_a_danish_page(staff_a, world):
    response = staff_a.post(f"/sager/{world.cases['A']}/udfyld/consent", data={"handling": "kontroller"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Siden er udløbet" in response.get_data(as_text=True)


def test_error_pages_are_danish_html_and_the_api_keeps_json(app, staff_a, world):
    response = staff_a.get("/findes-slet-ikke")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Siden findes ikke" in response.get_data(as_text=True)
    response = staff_a.delete("/")  # a page with a method it does not take
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "kan ikke bruges" in response.get_data(as_text=True)
    response = staff_a.get("/api/v1/findes-ikke")
    assert response.status_code == 404 and response.is_json
    response = staff_a.get(f"/api/v1/cases/{world.cases['B']}")
    assert response.status_code == 404 and response.is_json
    response = staff_a.get("/formularer/ukendt/udfyld")
    assert response.status_code == 404 and "Siden findes ikke" in response.get_data(as_text=True)


def test_an_unexpected_error_is_a_danish_500_page(app, staff_a, world, monkeypatch):
    from formservice.services import cases

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(cases, "case_page", broken)
    response = staff_a.get(f"/sager/{world.cases['A']}")
    assert response.status_code == 500 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Der skete en fejl" in body and "boom" not in body and "Traceback" not in body


def test_a_batch_of_another_user_is_a_404_page(app, client, world):
    from formservice.services import batches
    with app.test_request_context():
        session = formtools.session()
        batch = batches.create_batch(formtools.uow(), formtools.actor(world.users["staff_b"]), [],
                                     runner="inprocess")
        session.commit()
        batch_id = batch.id
    log_in(client, "staff_a")
    for url in (f"/bestillinger/{batch_id}", f"/bestillinger/{batch_id}/status",
                f"/bestillinger/{batch_id}/zip"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == "text/html"


# --- no 500 on any input (issue 12) -------------------------------------------------------

@pytest.mark.parametrize("number", [0, 2**31, 2**63, 10**30])
def test_ids_no_database_can_hold_are_a_404_page(staff_a, world, number):
    for url in (f"/sager/{number}", f"/sager/{number}/formularer", f"/sager/{number}/upload",
                f"/sager/{world.cases['A']}/poster/{number}",
                f"/sager/{world.cases['A']}/dokumenter/{number}", f"/bestillinger/{number}",
                f"/bestillinger/{number}/status"):
        response = staff_a.get(url)
        assert response.status_code == 404, url
        assert "Siden findes ikke" in response.get_data(as_text=True), url


def test_a_nul_in_a_login_or_a_case_name_is_a_danish_422_naming_the_field(client, world):
    response = client.post("/login", data={"username": "staff_a\x00", "password": "x",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert "Brugernavn: indeholder et tegn, der ikke kan gemmes (U+0000)." in \
        response.get_data(as_text=True)
    log_in(client, "staff_a")
    for field, label in (("child_name", "Barnets navn"), ("group_name", "Stue/klasse")):
        values = {"child_name": "Ida", "group_name": "Stue", field: "Ida\x00"}
        response = client.post("/sager", data={**values, "institution_id": world.institutions["A"],
                                               "csrf_token": csrf_token(client, "/")})
        assert response.status_code == 422, field
        assert f"{label}: indeholder et tegn, der ikke kan gemmes (U+0000)." in \
            response.get_data(as_text=True)
    with client.application.test_request_context():
        names = formtools.session().scalars(select(Case.child_name)).all()
    assert not any("\x00" in name for name in names)


def test_a_page_form_over_the_limit_is_a_danish_413_and_a_full_form_fits(staff_a, world):
    url = f"/sager/{world.cases['A']}/udfyld/follow_up_meeting"
    token = csrf_token(staff_a, url)
    response = staff_a.post(url, data={"csrf_token": token, "handling": "kontroller",
                                       "meeting.place": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "Formularen er for stor (højst 2 MB" in response.get_data(as_text=True)
    # every group with 200 rows, every cell filled in: the largest form a page can send
    from formservice.forms.layout import sections
    data = {"csrf_token": token, "handling": "kontroller"}
    for section in sections("follow_up_meeting"):
        for spec in section.fields:
            if section.is_group:
                for row in range(200):
                    data[f"{section.name}.{row}.{spec.name}"] = "1"
            else:
                data[f"{section.name}.{spec.name}"] = "1"
    response = staff_a.post(url, data=data)
    assert response.status_code in (200, 422), response.status_code
    assert "For mange rækker" not in response.get_data(as_text=True)
    data["actions.200.description"] = "én række for meget"
    response = staff_a.post(url, data=data)
    assert "For mange rækker (201; højst 200)." in response.get_data(as_text=True)


def test_a_batch_plan_naming_a_case_not_mine_shows_the_entry_and_starts_without_it(app, staff_a, world):
    import io
    import json
    import re
    plan = json.dumps({"entries": [
        {"child": {"name": "Bo Bæk", "birth_date": "2020-01-01"}, "forms": ["consent"],
         "case_id": world.cases["B"]},
        {"child": {"name": "Ukendt", "birth_date": "2020-01-01"}, "forms": ["consent"],
         "case_id": 2**40},
        {"child": {"name": "Alma Nørgaard Sørensen", "birth_date": "2020-01-01"},
         "forms": ["consent"], "case_id": world.cases["A"]}]}).encode()
    token = csrf_token(staff_a, "/bestillinger")
    response = staff_a.post("/bestillinger/kontrol", content_type="multipart/form-data", data={
        "csrf_token": token, "kilde": "fil", "plan": (io.BytesIO(plan), "plan.json")})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f"Sag: sag {world.cases['B']} findes ikke, eller du har ikke adgang til den." in body
    assert f"Sag: sag {2**40} findes ikke" in body
    kept = re.search(r'name="plan" value="([^"]+)"', body).group(1)
    response = staff_a.post("/bestillinger/start", data={"csrf_token": token, "plan": kept})
    assert response.status_code == 302
    with app.test_request_context():
        from formservice.storage.models import BatchItem
        items = formtools.session().scalars(select(BatchItem)).all()
    assert [item.case_id for item in items] == [world.cases["A"]]
