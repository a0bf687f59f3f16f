"""End to end in a real browser (Debian's Chromium, headless, driven by Playwright)
against a real `formservice serve`: log in, download a pre-filled Word form, fill it,
upload it, see the findings, store it; the same with a PDF; fill a form in the browser;
run a small batch to 100 %; bad uploads; another institution's case."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest

import formtools as records

from .browser import (
    chromium,
    create_case,
    create_user,
    download,
    log_in,
    new_page,
    require_chromium,
    serve,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_chromium()
    with serve(tmp_path_factory.mktemp("browser"), {"FORMSERVICE_MAX_UPLOAD_MB": "1"}) as running:
        create_user(running, "anna", "Børnehuset Solsikken", "Anna Holm")
        create_user(running, "bent", "Skolen ved Søen", "Bent Lund")
        yield running


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, server):
    page = new_page(browser, server)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def case_id(browser, server):
    """A case made through the start page, shared by the tests of this module."""
    page = new_page(browser, server)
    log_in(page, "anna")
    made = create_case(page, "Ida Ørum", "2021-05-04", "Bien")
    page.context.close()
    return made


def test_word_form_round_trip(page, case_id, tmp_path):
    from documents.word_editing import WordDocument
    log_in(page, "anna")
    # keyboard: the first Tab reaches the skip link, and focus is clearly visible
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.textContent, getComputedStyle(document.activeElement).outlineWidth]")
    assert focused == ["Spring til indholdet", "3px"]
    page.get_by_role("link", name="Ida Ørum").first.click()
    page.get_by_role("link", name="Hent formularer").click()
    content = download(page, lambda: page.get_by_role(
        "link", name="Word (Første udviklings- eller netværksmøde, udfyldt)").click())
    assert records.parse(content)[0]["data"]["child"]["name"] == "Ida Ørum"
    document = WordDocument(content)
    meeting_day = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    document.pick_date("meeting.date", meeting_day)
    document.type_text("meeting.leader", "Anna Holm")
    # no note-taker: an error
    document.type_text("purpose.purpose", "At Ida trives bedre i børnehaven")
    filled = tmp_path / "referat.docx"
    filled.write_bytes(document.save())
    page.goto(f"/sager/{case_id}/upload")
    page.get_by_label("Den udfyldte formular").set_input_files(str(filled))
    page.get_by_role("button", name="Læs filen").click()
    page.wait_for_url(re.compile(r".*/upload/[A-Za-z0-9_-]+$"))
    assert page.get_by_role("heading", name="Det står der i filen").is_visible()
    row = page.locator("#felt-purpose-purpose")
    assert "Formålet med mødet" in row.inner_text() and "At Ida trives bedre" in row.inner_text()
    finding = page.locator('#fund a[href="#felt-meeting-note_taker"]')
    assert finding.is_visible()
    finding.click()
    assert page.url.endswith("#felt-meeting-note_taker")
    assert "Fejl:" in page.locator("#felt-meeting-note_taker").inner_text()
    # nothing stored yet
    page.goto(f"/sager/{case_id}")
    assert "Der er ingen møder endnu" in page.inner_text("main")
    page.go_back()
    page.get_by_role("button", name="Gem på sagen som kladde").click()
    page.wait_for_url(re.compile(r".*/poster/\d+$"))
    assert "gemt på sagen som kladde" in page.inner_text("main")
    page.get_by_role("link", name="Ida Ørum").click()
    main = page.inner_text("main")
    assert "Første møde" in main and "Kladde" in main


def test_pdf_form_round_trip(page, case_id, tmp_path):
    from pypdf import PdfReader, PdfWriter
    log_in(page, "anna")
    page.goto(f"/sager/{case_id}/formularer")
    content = download(page, lambda: page.get_by_role(
        "link", name="PDF (Samtykke til indhentning og udveksling af oplysninger, udfyldt)").click())
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    for sheet in writer.pages:
        writer.update_page_form_field_values(sheet, {
            "purpose.purpose": "Samarbejde om Idas sprog og trivsel",
            "custody_holders.0.name": "Mette Ørum"}, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    filled = tmp_path / "samtykke.pdf"
    filled.write_bytes(out.getvalue())
    page.goto(f"/sager/{case_id}/upload")
    page.get_by_label("Den udfyldte formular").set_input_files(str(filled))
    page.get_by_role("button", name="Læs filen").click()
    page.wait_for_url(re.compile(r".*/upload/[A-Za-z0-9_-]+$"))
    assert "Samarbejde om Idas sprog" in page.locator("#felt-purpose-purpose").inner_text()
    assert "Mette Ørum" in page.locator("#felt-custody_holders-0-name").inner_text()
    summary = page.locator("#fund").inner_text()
    assert "Fejl:" in summary
    link = page.locator('#fund a[href="#felt-parties"]')
    assert link.count() == 1
    page.get_by_role("button", name=re.compile("Gem på sagen")).click()
    page.wait_for_url(re.compile(r".*/poster/\d+$"))
    assert "Samtykke til indhentning" in page.inner_text("h1")


def test_fill_a_form_in_the_browser(page, case_id):
    log_in(page, "anna")
    page.goto(f"/sager/{case_id}/udfyld/network_map")
    assert page.get_by_label("Barnets navn").input_value() == "Ida Ørum"
    page.get_by_label("Dato", exact=True).fill("2026-11-20")
    page.get_by_label("Navn, række 1", exact=True).fill("Mormor Inger")
    page.get_by_label("Relation til barnet, række 1").fill("Mormor")
    page.get_by_label("Område, række 1").select_option("family")
    page.get_by_label("Nærhed, række 1").select_option("1")
    page.get_by_label("Inviteres til møder, række 1").check()
    rows = page.locator("#rows-people tr")
    before = rows.count()
    page.get_by_role("button", name="Tilføj række i Personer i netværket").click()
    assert rows.count() == before + 1  # added in place, without a reload
    new_name = page.get_by_label(f"Navn, række {before + 1}", exact=True)
    assert page.evaluate("() => document.activeElement.name") == f"people.{before}.name"
    new_name.fill("Pædagog Søren")
    page.get_by_label(f"Område, række {before + 1}").select_option("school")
    page.get_by_label(f"Nærhed, række {before + 1}").select_option("2")
    page.get_by_role("button", name="Kontrollér").click()
    page.wait_for_load_state()
    assert "Kontrol af formularen" in page.locator("#fund").inner_text()
    assert page.get_by_label("Navn, række 2", exact=True).input_value() == "Pædagog Søren"
    content = download(page, lambda: page.get_by_role("button", name="Hent som Word").click())
    record, _ = records.parse(content)
    assert [p["name"] for p in record["data"]["people"]] == ["Mormor Inger", "Pædagog Søren"]
    page.get_by_role("button", name="Gem på sagen").click()
    page.wait_for_url(re.compile(r".*/poster/\d+$"))
    page.get_by_role("link", name="Ida Ørum").click()
    picture = page.locator("img.map-picture")
    picture.wait_for()
    page.wait_for_function("() => document.querySelector('img.map-picture').complete")
    assert page.evaluate("() => document.querySelector('img.map-picture').naturalWidth") == 900


def test_a_small_batch_to_100_percent(page, case_id, tmp_path):
    log_in(page, "anna")
    page.get_by_role("link", name="Bestillinger").click()
    page.get_by_label("Samtykke til indhentning og udveksling af oplysninger").check()
    page.get_by_label("Netværkskort").check()
    page.get_by_label("Opfølgende udviklings- eller netværksmøde").uncheck()
    page.get_by_label("PDF").check()
    page.get_by_role("button", name="Kontrollér", exact=True).click()
    main = page.inner_text("main")
    assert "1 række i orden" in main and "Ida Ørum" in main
    page.get_by_role("button", name=re.compile("Start: lav 2 dokumenter")).click()
    page.wait_for_url(re.compile(r".*/bestillinger/\d+$"))
    page.wait_for_function("() => document.getElementById('fremdrift').value === 100", timeout=30_000)
    assert "2 af 2 dokumenter (100 %)" in page.inner_text("#fremdrift-tekst")
    link = page.get_by_role("link", name="Hent ZIP-filen")
    link.wait_for(state="visible")
    content = download(page, link.click)
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "manifest.json" in names and sum(n.endswith(".pdf") for n in names) == 2


def test_bad_uploads_get_a_danish_message(page, case_id, tmp_path):
    log_in(page, "anna")
    page.goto(f"/sager/{case_id}/upload")
    large = tmp_path / "stor.docx"
    large.write_bytes(b"PK" + b"\0" * (1536 * 1024))
    page.get_by_label("Den udfyldte formular").set_input_files(str(large))
    page.get_by_role("button", name="Læs filen").click()
    message = page.locator("#fil-fejl")
    message.wait_for(state="visible")
    assert "Filen er for stor (1,5 MB). Den må højst fylde 1 MB." in message.inner_text()
    assert page.url.endswith("/upload")
    foreign = tmp_path / "noter.docx"
    foreign.write_text("Referat skrevet i Notesblok")
    page.get_by_label("Den udfyldte formular").set_input_files(str(foreign))
    page.get_by_role("button", name="Læs filen").click()
    page.wait_for_load_state()
    alert = page.locator("#upload-error")
    assert "Filen kunne ikke bruges" in alert.inner_text()
    assert "ikke et Word-dokument" in alert.inner_text()


def test_another_institutions_case_by_editing_the_url(page, case_id):
    log_in(page, "bent")
    response = page.goto(f"/sager/{case_id}")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Siden findes ikke"
    assert "Ida" not in page.content()


def test_mark_an_agenda_as_sent_on_a_phone_and_it_leaves_the_list(browser, server):
    """A meeting in 5 days led by Anna: its agenda is overdue on her start page ("Mine");
    "Markér som sendt" (today, the Danish date already in its field) takes it off the list."""
    from .browser import PHONE
    context = browser.new_context(viewport=PHONE, locale="da-DK", base_url=server.base_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, "anna")
        case = create_case(page, "Bo Bæk Nielsen", "02-04-2021", "Mariehønen")
        day = dt.date.today() + dt.timedelta(days=5)
        page.goto(f"/sager/{case}/udfyld/first_meeting")
        page.locator("#felt-meeting-date").fill(day.strftime("%d-%m-%Y"))  # Danish, typed
        page.locator("#felt-meeting-leader").fill("Anna Holm")
        page.get_by_role("button", name="Gem på sagen").click()
        page.wait_for_url(re.compile(r".*/poster/\d+$"))
        page.goto("/")
        wanted = f"Dagsorden til mødet {day:%d-%m-%Y} er ikke sendt"
        row = page.locator("tr", has_text=wanted)
        assert row.count() == 1 and "Overskredet" in row.inner_text()
        field = row.get_by_label("Sendt den")
        assert field.input_value() == dt.date.today().strftime("%d-%m-%Y")
        row.get_by_role("button", name=re.compile("Markér som sendt")).click()
        page.wait_for_load_state()
        assert f"Dagsorden til mødet {day:%d-%m-%Y} er markeret som sendt" in page.inner_text("main")
        assert page.locator("tr", has_text=wanted).count() == 0
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_a_photographed_consent_is_typed_from_its_pictures_and_stored_signed(page, server,
                                                                            case_id, tmp_path):
    """The consent printed from the record page, dated and signed by both parents by hand,
    photographed; the two dates typed beside their pictures; stored final, with the scan."""
    import json

    import requests
    from scan_photos import page_of, photographed, written_page

    from formservice.documents.page_layout import page_layouts
    consent = json.loads((Path(__file__).resolve().parents[2] / "samples" / "consent.json")
                         .read_text(encoding="utf-8"))
    consent["child"].update(name="Ida Ørum", birth_date="2021-05-04", group="Bien")
    for holder in consent["custody_holders"]:
        holder["signed_date"] = None
    token = server.cli("users", "token", "anna").stdout.strip()
    made = requests.post(server.url(f"/api/v1/cases/{case_id}/consents"),
                         json={"form": "consent", "data": consent}, timeout=30,
                         headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 201, made.text
    record_id = made.json()["record"]["id"]
    log_in(page, "anna")
    page.goto(f"/sager/{case_id}/poster/{record_id}")
    printed = download(page, lambda: page.get_by_role("link", name="Hent som PDF").click())
    data = records.parse(printed)[0]["data"]
    dates = ("custody_holders.0.signed_date", "custody_holders.1.signed_date")
    sheet = written_page(printed, "consent", data, page_of(page_layouts("consent", data), dates[0]),
                         writing=dict(zip(dates, ("20-2-2026", "21.2.2026"))),
                         signatures=("custody_holders.0", "custody_holders.1"))
    photo = tmp_path / "samtykke-foto.jpg"
    photo.write_bytes(photographed(sheet))

    page.goto(f"/sager/{case_id}/upload")
    page.get_by_label("Den udfyldte formular").set_input_files(str(photo))
    page.get_by_role("button", name="Læs filen").click()
    page.wait_for_url(re.compile(r".*/upload/[A-Za-z0-9_-]+$"))
    assert "Skrevet i hånden" in page.inner_text("main")
    for number, typed in ((1, "20-02-2026"), (2, "21.2.2026")):
        field = page.get_by_label(re.compile(f"række {number}: Underskrevet den"))
        picture = page.get_by_role("img", name=re.compile(f"række {number}: Underskrevet den"))
        picture.wait_for()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                               arg=picture.element_handle())
        field.fill(typed)
    page.get_by_role("button", name=re.compile("Gem på sagen")).click()
    page.wait_for_url(re.compile(r".*/poster/\d+$"))
    page.get_by_role("link", name="Ida Ørum").first.click()
    consents = page.locator("#consent-h").locator("xpath=..")
    assert "Underskrevet på papir" in consents.inner_text()
    assert "2 underskrifter" in consents.inner_text()
    scan = download(page, lambda: consents.get_by_role("link", name=re.compile("Scanningen")).click())
    assert scan == photo.read_bytes()
