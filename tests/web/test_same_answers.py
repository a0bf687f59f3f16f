"""The API and the pages call the same use cases, so the same input gets the same answer:
the same status and the same Danish messages, whichever door it came through."""
from __future__ import annotations

import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict

from .conftest import csrf_token
from .pagetools import form_fields, page, sample, texts, upload_file, with_values

TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


def api(app, world, method, path, **kwargs):
    return app.test_client().open(f"/api/v1{path}", method=method,
                                  headers=world.auth("staff_a"), **kwargs)


def messages(body: dict) -> list[str]:
    return [body["message"]] if not body["errors"] else [e["message"] for e in body["errors"]]


CASES = {
    "no name": {"child_name": "   "},
    "a birth date in the future": {"child_name": "Ny Nielsen", "birth_date": TOMORROW},
    "another institution": {"child_name": "Ny Nielsen", "institution": "B"},
}


@pytest.mark.parametrize("bad", CASES)
def test_opening_a_case(app, staff_a, world, bad):
    given = CASES[bad]
    institution = world.institutions[given.get("institution", "A")]
    through_api = api(app, world, "POST", "/cases", json={
        "institution_id": institution, "child_name": given["child_name"],
        "child_birth_date": given.get("birth_date")})
    through_page = staff_a.post("/sager", data={
        "csrf_token": csrf_token(staff_a, "/"), "institution_id": str(institution),
        "child_name": given["child_name"], "birth_date": given.get("birth_date") or ""})
    assert through_page.status_code == through_api.status_code, through_api.json
    shown = texts(through_page)
    for message in messages(through_api.json):
        assert message in shown, (message, shown[-600:])


def test_a_value_that_does_not_fit_its_field(app, staff_a, world):
    case = world.cases["A"]
    data = sample("first_meeting")
    data["meeting"]["date"] = "30-02-2026"
    through_api = api(app, world, "POST", f"/cases/{case}/meetings",
                      json={"form": "first_meeting", "data": data})
    url = f"/sager/{case}/udfyld/first_meeting"
    fields = with_values(form_fields(staff_a.get(url), "formular"),
                         {"meeting.date": "30-02-2026", "handling": "gem"})
    through_page = staff_a.post(url, data=MultiDict(fields))
    assert through_api.status_code == through_page.status_code == 422
    api_date = [e["message"] for e in through_api.json["errors"] if e["path"] == "meeting.date"]
    assert api_date and api_date[0] in texts(through_page)


def test_a_file_that_is_not_a_form(app, staff_a, world):
    case = world.cases["A"]
    content = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    through_api = api(app, world, "POST", f"/cases/{case}/documents",
                      data={"file": upload_file(content, "foto.png")},
                      content_type="multipart/form-data")
    through_page = staff_a.post(f"/sager/{case}/upload", data={
        "csrf_token": csrf_token(staff_a, f"/sager/{case}/upload"),
        "fil": upload_file(content, "foto.png")}, content_type="multipart/form-data")
    assert through_api.status_code == through_page.status_code == 422
    assert through_api.json["message"] in texts(through_page)


def test_another_institutions_case(app, staff_a, world):
    through_api = api(app, world, "GET", f"/cases/{world.cases['B']}")
    through_page = staff_a.get(f"/sager/{world.cases['B']}")
    assert through_api.status_code == through_page.status_code == 404
    assert through_api.json["message"] in texts(through_page)


def _revoked_consent_first(app, world, case):
    consent = sample("consent")
    consent["child"]["name"] = "Alma Nørgaard Sørensen"
    given = api(app, world, "POST", f"/cases/{case}/consents",
                json={"form": "consent", "data": consent})
    assert given.json["record"]["status"] == "final", given.json
    consent["revocation"] = {"revoked": True, "revoked_date": "2026-03-01",
                             "revoked_by": "Mette Nørgaard Sørensen", "scope": "Det hele"}
    revoked = api(app, world, "PUT", f"/consents/{given.json['record']['subject_id']}",
                  json={"form": "consent", "data": consent})
    assert revoked.json["record"]["status"] == "final", revoked.json


def test_a_meeting_after_the_consent_was_revoked_is_a_draft_either_way(app, staff_a, world):
    case = world.cases["A"]
    _revoked_consent_first(app, world, case)
    data = sample("first_meeting")
    data["child"]["name"] = "Alma Nørgaard Sørensen"
    through_api = api(app, world, "POST", f"/cases/{case}/meetings",
                      json={"form": "first_meeting", "data": data})
    record = through_api.json["record"]
    assert record["status"] == "draft"
    api_codes = {f["code"]: f["severity"] for f in record["findings"]}
    assert api_codes["meeting.consent_revoked"] == "error"
    # the same minutes stored from the fill page, on a new meeting of the same case
    url = f"/sager/{case}/udfyld/first_meeting"
    values = {"meeting.date": data["meeting"]["date"], "handling": "gem"}
    fields = form_fields(staff_a.post(url, data=MultiDict(with_values(
        _filled_fields(staff_a, url, data), {"handling": "kontroller"}))), "formular")
    stored = staff_a.post(url, data=MultiDict(with_values(fields, values)))
    assert stored.status_code == 302
    shown = staff_a.get(stored.headers["Location"])
    assert "Kladde" in texts(shown)
    revoked_message = [f["message"] for f in record["findings"] if f["code"] == "meeting.consent_revoked"][0]
    assert revoked_message in texts(shown)
    assert page(shown).get_element_by_id("felt-meeting-date") is not None


def _filled_fields(client, url, data) -> list[tuple[str, str]]:
    """The fill page's fields with the sample's header, child and participants typed in."""
    fields = form_fields(client.get(url), "formular")
    values = {f"meeting.{k}": ("on" if v is True else str(v)) for k, v in data["meeting"].items()
              if v not in (None, False)}
    values.update({f"child.{k}": str(v) for k, v in data["child"].items() if v not in (None, False)})
    for index, person in enumerate(data["participants"][:4]):
        values.update({f"participants.{index}.{k}": str(v) for k, v in person.items() if v})
    return with_values(fields, values)


def test_without_a_stored_consent_the_warnings_show_through_the_api_and_on_the_page(
        app, staff_a, world):
    case = world.cases["A"]
    data = sample("first_meeting")  # PPR and the health visitor take part; "consent on file"
    data["child"]["name"] = "Alma Nørgaard Sørensen"
    stored = api(app, world, "POST", f"/cases/{case}/meetings",
                 json={"form": "first_meeting", "data": data}).json["record"]
    found = {f["code"]: f for f in stored["findings"]}
    assert found["meeting.participant_not_covered"]["severity"] == "warning"
    assert found["meeting.consent_on_file_mismatch"]["severity"] == "warning"
    shown = texts(staff_a.get(f"/sager/{case}/poster/{stored['id']}"))
    for code in ("meeting.participant_not_covered", "meeting.consent_on_file_mismatch"):
        assert found[code]["message"] in shown
