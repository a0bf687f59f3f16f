"""Filling in a form in the browser: the page is generated from the form's layout, every
record comes back exactly as it went in, the same rules are checked and shown next to
their fields, and the result is downloaded or stored on the case."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

import formtools as records
from formservice.forms import FORMS
from formservice.forms.layout import sections
from formservice.forms.record import load_data
from formservice.storage.models import Record

from .conftest import csrf_token
from .pagetools import form_fields, page, sample, texts, with_values

FORM_IDS = list(FORMS)


def post(client, url, fields):
    """Submit fields as a browser does: a name may come more than once, in page order."""
    return client.post(url, data=MultiDict(fields))


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_the_page_follows_the_layout(staff_a, form_id):
    response = staff_a.get(f"/formularer/{form_id}/udfyld")
    assert response.status_code == 200
    root = page(response)
    legends = [" ".join(legend.text_content().split()) for legend in root.xpath("//fieldset/legend")]
    for section in sections(form_id):
        assert section.label in legends
        fieldset = root.get_element_by_id(f"felt-{section.name}")
        for spec in section.fields:
            path = f"{section.name}.0.{spec.name}" if section.is_group else f"{section.name}.{spec.name}"
            control = root.get_element_by_id("felt-" + path.replace(".", "-"))
            assert control.get("name") == path
            expected = {"choice": "select", "bool": "input", "date": "input", "time": "input",
                        "integer": "input"}.get(spec.kind, "textarea" if spec.multiline else "input")
            assert control.tag == expected, path
            if spec.kind in ("date", "time"):
                # a text field with a Danish hint (the browser's own date field shows
                # mm/dd/yyyy in a browser set to English); Danish dates are read
                assert control.get("type") == "text" and spec.kind in control.get("class")
                hints = [root.get_element_by_id(ref).text_content()
                         for ref in control.get("aria-describedby").split()]
                assert any("dd-mm-åååå" in hint or "tt:mm" in hint for hint in hints), path
            if spec.kind == "bool":
                assert control.get("type") == "checkbox"
            if spec.kind == "choice":
                values = [o.get("value") for o in control.iter("option")]
                assert values == [""] + [str(v) for v, _ in spec.options]
            label = root.xpath(f'//label[@for="{control.get("id")}"]')
            assert label and spec.label in label[0].text_content()
        if section.is_group:
            assert fieldset.xpath(".//table") and fieldset.xpath(".//button[@data-add-row]")
            assert root.get_element_by_id(f"row-template-{section.name}") is not None


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_a_record_comes_back_exactly_through_the_page(staff_a, world, form_id):
    """Every sample record shown on the edit page and submitted unchanged is the same data."""
    data, _ = load_data(form_id, sample(form_id))
    with staff_a.application.test_request_context():
        import formtools
        from formservice.storage.models import Case
        session = formtools.session()
        case = session.get(Case, world.cases["A"])
        stored = formtools.store_record(world.users["staff_a"], case.id, form_id, data)
        session.commit()
        record_id = stored.record.id
    url = f"/sager/{world.cases['A']}/poster/{record_id}/ret"
    response = staff_a.get(url)
    assert response.status_code == 200
    fields = form_fields(response, "formular")
    submitted = post(staff_a, url, fields + [("handling", "gem")])
    assert submitted.status_code == 302, texts(submitted)[:1000]
    with staff_a.application.app_context():
        session = formtools.session()
        newest = session.scalars(select(Record).order_by(Record.id.desc())).first()
        assert newest.version == 2 and newest.subject_id == stored.record.subject_id
        assert newest.data == data
        assert newest.status == stored.record.status


def test_checking_shows_the_findings_next_to_their_fields(staff_a, world):
    url = f"/sager/{world.cases['A']}/udfyld/first_meeting"
    fields = form_fields(staff_a.get(url), "formular")
    fields = with_values(fields, {"meeting.leader": "Birgitte", "meeting.note_taker": "",
                                  "meeting.date": "2026-12-01", "handling": "kontroller"})
    response = post(staff_a, url, fields)
    assert response.status_code == 200
    root = page(response)
    summary = root.get_element_by_id("fund")
    assert "Kontrol af formularen" in summary.text_content()
    hrefs = [a.get("href") for a in summary.iter("a")]
    assert "#felt-meeting-note_taker" in hrefs
    note_taker = root.get_element_by_id("felt-meeting-note_taker")
    assert note_taker.get("aria-invalid") == "true"
    described = root.get_element_by_id(note_taker.get("aria-describedby").split()[-1])
    assert "Fejl:" in described.text_content()
    # what was typed is kept
    assert root.get_element_by_id("felt-meeting-leader").get("value") == "Birgitte"
    assert root.get_element_by_id("felt-meeting-date").get("value") == "01-12-2026"


def test_a_value_the_form_cannot_take_is_named(staff_a):
    url = "/formularer/first_meeting/udfyld"
    fields = form_fields(staff_a.get(url), "formular")
    fields = with_values(fields, {"actions.0.description": "Sprogstøtte",
                                  "actions.0.priority": "høj", "handling": "docx"})
    response = post(staff_a, url, fields)
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    root = page(response)
    priority = root.get_element_by_id("felt-actions-0-priority")
    assert priority.get("aria-invalid") == "true"
    assert "#felt-actions-0-priority" in [a.get("href") for a in root.get_element_by_id("fund").iter("a")]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_download_what_was_filled_in(staff_a, fmt):
    url = "/formularer/network_map/udfyld"
    fields = form_fields(staff_a.get(url), "formular")
    fields = with_values(fields, {"child.name": "Åse Ærø", "people.0.name": "Mormor Inger",
                                  "people.0.relation": "Mormor", "people.0.sector": "family",
                                  "people.0.closeness": "1", "people.0.invite": "1", "handling": fmt})
    response = post(staff_a, url, fields)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    record, _ = records.parse(response.data)
    assert record["form"] == "network_map"
    assert record["data"]["child"]["name"] == "Åse Ærø"
    person = record["data"]["people"][0]
    assert (person["name"], person["closeness"], person["invite"], person["sector"]) == (
        "Mormor Inger", 1, True, "family")
    assert len(record["data"]["people"]) == 1  # the empty rows are left out


def test_store_on_the_case(app, staff_a, world):
    case = world.cases["A"]
    url = f"/sager/{case}/udfyld/network_map"
    response = staff_a.get(url)
    root = page(response)
    assert root.get_element_by_id("felt-child-name").get("value") == "Alma Nørgaard Sørensen"
    fields = form_fields(response, "formular")
    fields = with_values(fields, {"map.date": "2026-11-20", "people.0.name": "Farmor",
                                  "people.0.relation": "Farmor", "people.0.sector": "family",
                                  "people.0.closeness": "2", "handling": "gem"})
    stored = post(staff_a, url, fields)
    assert stored.status_code == 302
    record_page = staff_a.get(stored.headers["Location"])
    assert "gemt på sagen" in texts(record_page)
    case_page = staff_a.get(f"/sager/{case}")
    assert page(case_page).xpath('//img[contains(@src, "netvaerkskort.png")]')
    picture = staff_a.get(f"/sager/{case}/netvaerkskort.png")
    assert picture.status_code == 200 and picture.data.startswith(b"\x89PNG")


def test_add_row_without_javascript(staff_a):
    url = "/formularer/first_meeting/udfyld"
    response = staff_a.get(url)
    before = len(page(response).get_element_by_id("rows-actions").findall("tr"))
    fields = form_fields(response, "formular")
    fields = with_values(fields, {"actions.0.description": "Sprogstøtte", "handling": "tilfoej:actions"})
    again = post(staff_a, url, fields)
    root = page(again)
    rows = root.get_element_by_id("rows-actions").findall("tr")
    assert len(rows) >= before
    assert root.get_element_by_id("felt-actions-0-description").text == "Sprogstøtte"
    focused = root.xpath("//*[@autofocus]")
    assert len(focused) == 1 and focused[0].get("name") == "actions.1.description"


def test_next_follow_up_is_prefilled_with_the_open_actions(app, staff_a, world):
    case = world.cases["A"]
    data, _ = load_data("first_meeting", sample("first_meeting"))
    with app.test_request_context():
        import formtools
        session = formtools.session()
        formtools.store_record(world.users["staff_a"], case, "first_meeting", data)
        session.commit()
    response = staff_a.get(f"/sager/{case}/udfyld/follow_up_meeting?kilde=naeste")
    root = page(response)
    for index, action in enumerate(data["actions"]):
        assert root.get_element_by_id(f"felt-reviewed_actions-{index}-description").text == action["description"]


def test_the_consent_page_shows_its_guidance(staff_a):
    response = staff_a.get("/formularer/consent/udfyld")
    assert "Vejledning" in texts(response) and "frivilligt" in texts(response)


def test_enter_in_a_field_checks_instead_of_adding_a_row(staff_a):
    root = page(staff_a.get("/formularer/first_meeting/udfyld"))
    first_submit = root.get_element_by_id("formular").xpath(".//button[@type='submit']")[0]
    assert first_submit.get("value") == "kontroller"


def test_the_csrf_token_is_needed(staff_a):
    url = "/formularer/consent/udfyld"
    fields = [(k, v) for k, v in form_fields(staff_a.get(url), "formular") if k != "csrf_token"]
    assert post(staff_a, url, fields + [("handling", "docx")]).status_code == 400
    fields.append(("csrf_token", csrf_token(staff_a, url)))
    assert post(staff_a, url, fields + [("handling", "docx")]).status_code == 200
