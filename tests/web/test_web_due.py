""""Det skal jeg nu" and "Min kalender" on the pages and in the API: Mine / Hele
institutionen, "Markér som sendt" (POST with CSRF, a Danish date, audited, the item leaves
the list), the private calendar address and its renewal, the feed without a login; the
downloads lead with the next step; Danish file names with an ASCII fallback."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

from .conftest import csrf_token
from .pagetools import page, texts
from .test_web_pages import TODAY, audit_events, meeting_on, store

API = "/api/v1"


def due_rows(response) -> list[str]:
    rows = page(response).get_element_by_id("due-heading").getparent().xpath(".//tbody/tr")
    return [" ".join(" ".join(td.text_content() for td in row.xpath("td")[:4]).split())
            for row in rows]


def test_mine_by_default_and_the_whole_institution_one_click_away(app, staff_a, world):
    data = meeting_on(TODAY + dt.timedelta(days=5))
    data["meeting"]["leader"] = "Birgitte Møller Kjær"  # someone else leads the meeting
    store(app, world, "first_meeting", data)
    mine = staff_a.get("/")
    root = page(mine)
    switch = root.xpath("//nav[@aria-label='Vis opgaver for']//a")
    assert [(a.text_content(), a.get("aria-current")) for a in switch] == [
        ("Mine", "page"), ("Hele institutionen", None)]
    assert switch[1].get("href") == "/?vis=institution"
    assert not [row for row in due_rows(mine) if "Dagsorden" in row]
    everything = staff_a.get(switch[1].get("href"))
    assert [row for row in due_rows(everything) if "Dagsorden til mødet" in row]
    assert page(everything).xpath("//nav[@aria-label='Vis opgaver for']//a")[1].get(
        "aria-current") == "page"


def _mark(client, case_id, fields, back="/?vis=institution"):
    return client.post(f"/sager/{case_id}/sendt", data={
        "csrf_token": csrf_token(client, back), **fields})


def test_mark_the_agenda_as_sent_and_it_leaves_the_list(app, staff_a, world):
    day = TODAY + dt.timedelta(days=5)
    record_id, _ = store(app, world, "first_meeting", meeting_on(day))
    listed = staff_a.get("/?vis=institution")
    wanted = f"Dagsorden til mødet {day:%d-%m-%Y} er ikke sendt"
    assert [row for row in due_rows(listed) if wanted in row]
    form = page(listed).xpath("//form[contains(@class, 'mark-sent')]")[-1]
    values = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    assert values["what"] == "agenda" and values["on"] == f"{TODAY:%d-%m-%Y}"
    assert values["vis"] == "institution" and values["meeting_id"]
    label = form.xpath(".//label")[0].text_content()
    assert "Sendt den" in label and "dd-mm-åååå" in label
    sent_on = TODAY - dt.timedelta(days=1)
    values["on"] = f"{sent_on.day}. {['januar', 'februar', 'marts', 'april', 'maj', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'december'][sent_on.month - 1]} {sent_on.year}"
    values.pop("csrf_token")
    response = _mark(staff_a, world.cases["A"], values)
    assert response.status_code == 302 and response.headers["Location"] == "/?vis=institution"
    after = staff_a.get("/?vis=institution")
    assert f"Dagsorden til mødet {day:%d-%m-%Y} er markeret som sendt {sent_on:%d-%m-%Y}." \
        in texts(after)
    assert not [row for row in due_rows(after) if wanted in row]
    # the case page says so, and the form was not changed (no new version)
    case_page = texts(staff_a.get(f"/sager/{world.cases['A']}"))
    assert f"Sendt {sent_on:%d-%m-%Y}" in case_page and "version 1" in case_page
    changes = [e for e in audit_events(app, "change") if e["resource"] == "meeting"]
    assert changes[-1]["detail"] == {"sent": "agenda", "on": sent_on.isoformat()}


def test_marking_refuses_a_date_that_is_not_one_or_in_the_future(app, staff_a, world):
    day = TODAY + dt.timedelta(days=5)
    store(app, world, "first_meeting", meeting_on(day))
    form = page(staff_a.get("/?vis=institution")).xpath("//form[contains(@class, 'mark-sent')]")[-1]
    values = {i.get("name"): i.get("value") for i in form.xpath(".//input") if i.get("name") != "csrf_token"}
    for typed, message in (("31-02-2026", "Sendt den: Datoen 31-02-2026 findes ikke."),
                           (f"{TODAY + dt.timedelta(days=3):%d-%m-%Y}", "kan ikke ligge i fremtiden")):
        response = _mark(staff_a, world.cases["A"], {**values, "on": typed})
        assert response.status_code == 302
        after = staff_a.get("/?vis=institution")
        assert message in texts(after)
        assert [row for row in due_rows(after) if "Dagsorden til mødet" in row]
    # without the page's CSRF field: refused
    refused = staff_a.post(f"/sager/{world.cases['A']}/sendt", data=values)
    assert refused.status_code == 400


def test_another_institutions_meeting_cannot_be_marked(app, client, world):
    from .conftest import log_in
    store(app, world, "first_meeting", meeting_on(TODAY + dt.timedelta(days=5)), key="B")
    log_in(client, "staff_a")
    response = _mark(client, world.cases["B"], {"what": "agenda", "meeting_id": "1"}, back="/")
    assert response.status_code == 404


def test_the_calendar_page_shows_a_new_address_once_and_the_feed_needs_no_login(app, client, world):
    from .conftest import log_in
    log_in(client, "staff_a")
    store(app, world, "first_meeting", meeting_on(TODAY + dt.timedelta(days=5)))
    first = client.get("/kalender")
    assert first.status_code == 200 and "Du har ikke en kalender-adresse endnu" in texts(first)
    renewed = client.post("/kalender/forny", data={"csrf_token": csrf_token(client, "/kalender")})
    assert renewed.status_code == 302
    shown = page(client.get(renewed.headers["Location"]))
    url = shown.get_element_by_id("feed-url").get("value")
    assert re.match(r"^http://localhost/kalender/[A-Za-z0-9_-]{20,}\.ics$", url)
    assert url not in client.get("/kalender").get_data(as_text=True)  # shown once only
    again = page(client.get("/kalender")).xpath("//form[@action='/kalender/forny']//button")[0]
    assert "Forny" in again.text_content()
    path = url.replace("http://localhost", "")
    anonymous = app.test_client()
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    body = feed.get_data(as_text=True)
    assert "BEGIN:VCALENDAR" in body and "Alma (sag" in body and "Sørensen" not in body
    # the meeting, and the next one agreed in its minutes, each with its deadlines
    assert body.count("BEGIN:VEVENT") == 6 and "Opfølgende møde – Alma" in body
    assert anonymous.get("/kalender/forkert-noegle.ics").status_code == 404
    client.post("/kalender/forny", data={"csrf_token": csrf_token(client, "/kalender")})
    assert anonymous.get(path).status_code == 404  # the old address stops working
    assert anonymous.get("/kalender").status_code == 302  # the page needs a login


def test_the_downloads_lead_with_the_next_step(app, staff_a, world):
    case = world.cases["A"]
    before = page(staff_a.get(f"/sager/{case}/formularer"))
    first_heading = before.xpath("//main//h2")[0].text_content()
    assert first_heading == "Dagsorden til første møde"
    links = before.get_element_by_id("naeste").xpath(".//a/@href")
    assert f"/sager/{case}/formularer/first_meeting/hent?format=docx" in links
    case_page = page(staff_a.get(f"/sager/{case}"))
    assert case_page.xpath("//main//h2")[0].text_content() == "Næste skridt: dagsorden til første møde"
    store(app, world, "first_meeting", meeting_on(TODAY - dt.timedelta(days=3)))
    after = page(staff_a.get(f"/sager/{case}/formularer"))
    assert after.xpath("//main//h2")[0].text_content() == "Dagsorden til næste opfølgende møde"
    assert f"/sager/{case}/naeste-opfoelgning/hent?format=docx" in \
        after.get_element_by_id("naeste").xpath(".//a/@href")


def _filename(response) -> tuple[str, str]:
    header = response.headers["Content-Disposition"]
    ascii_name = re.search(r'filename="([^"]*)"', header).group(1)
    utf8 = unquote(re.search(r"filename\*=UTF-8''(\S+)", header).group(1))
    header.encode("latin-1")  # a header a server can send
    return utf8, ascii_name


def test_downloads_have_danish_names_that_say_what_and_who(app, staff_a, world):
    case = world.cases["A"]
    made = staff_a.get(f"/sager/{case}/formularer/first_meeting/hent?format=docx")
    assert _filename(made) == (f"Dagsorden første møde – Alma Nørgaard Sørensen – {TODAY:%d-%m-%Y}.docx",
                               f"Dagsorden foerste moede - Alma Noergaard Soerensen - {TODAY:%d-%m-%Y}.docx")
    blank = staff_a.get(f"/sager/{case}/formularer/consent/hent?format=pdf&tom=1")
    assert _filename(blank)[0] == "Samtykke – tom formular.pdf"
    held = TODAY - dt.timedelta(days=3)
    record_id, _ = store(app, world, "first_meeting", meeting_on(held))
    stored = staff_a.get(f"/sager/{case}/poster/{record_id}/hent?format=pdf")
    assert _filename(stored)[0] == f"Referat første møde – Alma Nørgaard Sørensen – {held:%d-%m-%Y}.pdf"
    following = staff_a.get(f"/sager/{case}/naeste-opfoelgning/hent?format=docx")
    assert _filename(following)[0].startswith("Dagsorden opfølgende møde – Alma Nørgaard Sørensen – ")
    api = app.test_client()
    headers = world.auth("staff_a")
    for path, expected in ((f"{API}/cases/{case}/forms/consent?format=docx",
                            f"Samtykke – Alma Nørgaard Sørensen – {TODAY:%d-%m-%Y}.docx"),
                           (f"{API}/cases/{case}/next-follow-up?format=pdf", "Dagsorden opfølgende møde – "),
                           (f"{API}/forms/network_map/template?format=docx",
                            "Netværkskort – tom formular.docx"),
                           (f"{API}/cases/{case}/calendar.ics", "Møder – Alma Nørgaard Sørensen.ics")):
        response = api.get(path, headers=headers)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        assert _filename(response)[0].startswith(expected), path


def test_the_api_marks_as_sent_and_lists_by_scope(app, world):
    api = app.test_client()
    headers = world.auth("staff_a")
    day = TODAY + dt.timedelta(days=5)
    data = meeting_on(day)
    data["meeting"]["leader"] = "Staff A"
    store(app, world, "first_meeting", data)
    everything = api.get(f"{API}/due", headers=headers).json  # institution by default
    agenda = next(item for item in everything if item["kind"] == "agenda")
    assert agenda["markable"] and agenda["meeting_date"] == day.isoformat()
    assert agenda["who"] == "Staff A"
    mine = api.get(f"{API}/due?scope=mine", headers=headers).json
    assert any(item["kind"] == "agenda" for item in mine)
    wrong = api.get(f"{API}/due?scope=alle", headers=headers)
    assert wrong.status_code == 422 and "Visning" in wrong.json["message"]
    marked = api.post(f"{API}/cases/{world.cases['A']}/sent", headers=headers,
                      json={"what": "agenda", "meeting_id": agenda["meeting_id"]})
    assert marked.status_code == 200, marked.json
    assert marked.json["agenda_sent_on"] == TODAY.isoformat()
    assert not [item for item in api.get(f"{API}/due", headers=headers).json
                if item["kind"] == "agenda"]
    refused = api.post(f"{API}/cases/{world.cases['A']}/sent", headers=headers,
                       json={"what": "dagsorden", "meeting_id": agenda["meeting_id"]})
    assert refused.status_code == 422 and "what" not in refused.json["message"]
    future = api.post(f"{API}/cases/{world.cases['A']}/sent", headers=headers, json={
        "what": "minutes", "meeting_id": agenda["meeting_id"],
        "on": (TODAY + dt.timedelta(days=2)).isoformat()})
    assert future.status_code == 422 and "fremtiden" in future.json["message"]
    other = api.post(f"{API}/cases/{world.cases['B']}/sent", headers=headers,
                     json={"what": "agenda", "meeting_id": agenda["meeting_id"]})
    assert other.status_code == 404


def test_api_errors_name_fields_by_label(app, world):
    api = app.test_client()
    headers = world.auth("staff_a")
    response = api.post(f"{API}/cases", headers=headers, json={
        "institution_id": world.institutions["A"], "child_name": "Ida",
        "child_birth_date": "31-02-2021"})
    assert response.status_code == 422
    assert response.json["message"].startswith("Data er ikke gyldige: Fødselsdato: ")
    assert "child_birth_date" not in response.json["message"]
    assert response.json["errors"][0]["path"] == "child_birth_date"
    data = meeting_on(TODAY)
    data["meeting"]["end_time"] = "kvart over"
    data["participants"][0]["role"] = "grandparent"
    stored = api.post(f"{API}/cases/{world.cases['A']}/meetings", headers=headers,
                      json={"form": "first_meeting", "data": data})
    assert stored.status_code == 422
    message = stored.json["message"]
    assert "Sluttidspunkt: Skriv tidspunktet som 14:30." in message
    assert "Rolle (række 1): Vælg en af: Forælder med forældremyndighed" in message
    assert "meeting.end_time" not in message and "parent_custody" not in message
    broken = api.post(f"{API}/forms/consent/validate", headers={
        **headers, "Content-Type": "application/json"}, data=b"{'child': 1}")
    assert broken.status_code == 400
    assert broken.json["message"] == ("Ugyldig JSON i linje 1, kolonne 2: et feltnavn skal stå i "
                                      "dobbelte anførselstegn (\"navn\").")
