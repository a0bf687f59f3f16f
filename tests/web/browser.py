"""A real `formservice serve` and Debian's Chromium driven by Playwright, for the
end-to-end tests and scripts/screenshots.py. No browser is ever downloaded: without
/usr/bin/chromium (or the playwright package) the tests skip, unless CI is set."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("FORMSERVICE_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1366, "height": 768}
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "en-lang-adgangskode-til-browseren"


def require_chromium() -> None:
    """Skip (or, on CI, fail) when the browser or Playwright is missing."""
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the Python package playwright is missing (pip install playwright)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def serve(folder: Path, extra_env: dict | None = None):
    """`formservice serve` in development mode (session cookies over plain http) on its
    embedded defaults, in `folder`."""
    from service.running_server import running_server
    # the code of this checkout, whichever copy `pip install -e` last pointed at
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {"FORMSERVICE_ENV": "development", "FORMSERVICE_MUNICIPALITY": "Testkommune",
           "PYTHONPATH": path, **(extra_env or {})}
    with running_server(folder, env=env, threads=4) as server:
        yield server


def create_user(server, username: str, institution: str, full_name: str) -> None:
    server.cli("users", "create", username, "--name", full_name, "--role", "staff",
               "--institution", institution, "--password-stdin", input=PASSWORD + "\n")


def new_page(browser, server):
    context = browser.new_context(viewport=VIEWPORT, locale="da-DK", accept_downloads=True,
                                  base_url=server.base_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def log_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/")


def create_case(page, child: str, birth_date: str = "", group: str = "") -> int:
    """Through the start page's form; returns the case id."""
    page.goto("/")
    page.get_by_label("Barnets navn").fill(child)
    if birth_date:
        page.get_by_label("Fødselsdato").fill(birth_date)
    if group:
        page.get_by_label("Stue/klasse").fill(group)
    page.get_by_role("button", name="Opret sag").click()
    page.wait_for_url("**/sager/*")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def download(page, click) -> bytes:
    with page.expect_download() as info:
        click()
    return Path(info.value.path()).read_bytes()


# --- a realistic world, every staff page, and what a page must hold at any size ------------

PHONE = {"width": 390, "height": 844}
LAPTOP = VIEWPORT
SIZES = {"telefon": PHONE, "bærbar": LAPTOP}
INSTITUTION = "Børnehuset Kløverengen"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def _sample(form_id: str) -> dict:
    import json
    return json.loads((ROOT / "samples" / f"{form_id}.json").read_text(encoding="utf-8"))


def seed(server, today, username: str = "anna") -> dict:
    """Cases and records through the API (a token made by the CLI), with dates relative to
    `today`, so the start page has something due: Alma (a held first meeting whose minutes
    are late, a consent that expires soon, a network map), Noah (a meeting in 5 days whose
    agenda is not sent) and Sofie (a new case, no meeting yet)."""
    import datetime as dt

    import requests
    token = server.cli("users", "token", username).stdout.strip()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"

    def call(method, path, **kwargs):
        response = api.request(method, server.url("/api/v1" + path), timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    institution = call("GET", "/me")["institutions"][0]["id"]

    def case(name, birth, group):
        return call("POST", "/cases", json={"institution_id": institution, "child_name": name,
                                            "child_birth_date": birth, "group_name": group})["id"]

    def days(n):
        return (today + dt.timedelta(days=n)).isoformat()

    alma = case("Alma Nørgaard Sørensen", "2021-11-23", "Sommerfuglestuen")
    meeting = _sample("first_meeting")
    meeting["meeting"].update(date=days(-10), agenda_sent=days(-18), consent_date=days(-40))
    meeting["closing"].update(minutes_sent=None, minutes_due=days(-3), next_meeting_date=days(40))
    for offset, action in zip((30, 45, 60, 75), meeting["actions"]):
        action["deadline"] = days(offset)
    call("POST", f"/cases/{alma}/meetings", json={"form": "first_meeting", "data": meeting})
    consent = _sample("consent")
    for holder in consent["custody_holders"]:
        holder["signed_date"] = days(-340)
    consent["validity"] = {"valid_from": days(-340), "valid_until": days(20)}
    call("POST", f"/cases/{alma}/consents", json={"form": "consent", "data": consent})
    network_map = _sample("network_map")
    network_map["map"]["date"] = days(-40)
    call("POST", f"/cases/{alma}/network-maps", json={"form": "network_map", "data": network_map})

    noah = case("Noah Bæk Jensen", "2020-06-02", "Mariehønen")
    second = _sample("first_meeting")
    second["child"].update(name="Noah Bæk Jensen", birth_date="2020-06-02", group="Mariehønen")
    second["meeting"].update(date=days(5), agenda_sent=None, leader="Anna Holm")
    second["closing"].update(minutes_sent=None, next_meeting_date=None)
    second["actions"] = []
    stored = call("POST", f"/cases/{noah}/meetings", json={"form": "first_meeting", "data": second})
    sofie = case("Sofie Ærø Hansen", "2022-01-17", "Sommerfuglestuen")
    return {"alma": alma, "noah": noah, "sofie": sofie, "meeting_date": days(5),
            "noah_meeting": stored["record"]["subject_id"]}


def filled_word(page, case_id: int, folder: Path, today) -> Path:
    """The next follow-up downloaded from the case's page, filled in Word (a note-taker
    who is also the leader: a warning to show)."""
    import datetime as dt

    from documents.word_editing import WordDocument
    page.goto(f"/sager/{case_id}/formularer")
    content = download(page, lambda: page.locator(
        f'a[href="/sager/{case_id}/naeste-opfoelgning/hent?format=docx"]').first.click())
    document = WordDocument(content)
    document.pick_date("meeting.date", (today + dt.timedelta(days=30)).isoformat())
    document.type_text("meeting.leader", "Birgitte Møller Kjær")
    document.type_text("meeting.note_taker", "Birgitte Møller Kjær")
    document.type_text("since_last.notes", "Alma er glad for sproggruppen og bruger flere ord.")
    filled = folder / "opfoelgning.docx"
    filled.write_bytes(document.save())
    return filled


def photographed_consent(page, case_id: int, folder: Path) -> Path:
    """The consent downloaded pre-filled from the case's page, printed, the first parent's
    name written by hand and signed, photographed."""
    import formtools
    from scan_photos import page_of, photographed, written_page

    from formservice.documents.page_layout import page_layouts
    page.goto(f"/sager/{case_id}/formularer")
    printed = download(page, lambda: page.locator(
        f'a[href="/sager/{case_id}/formularer/consent/hent?format=pdf"]').first.click())
    data = formtools.parse(printed)[0]["data"]
    name = "custody_holders.0.name"
    sheet = written_page(printed, "consent", data,
                         page_of(page_layouts("consent", data), name),
                         writing={name: "Mette Sørensen"}, signatures=("custody_holders.0",))
    photo = folder / "samtykke-foto.jpg"
    photo.write_bytes(photographed(sheet))
    return photo


def every_page(page, ids: dict, folder: Path, today):
    """Visit every staff page with data on it; yields each page's name once it is shown
    (the browser is logged in as the staff user who owns `ids`' cases)."""
    import datetime as dt
    import re
    alma, sofie = ids["alma"], ids["sofie"]
    page.goto("/")
    yield "start"
    page.goto("/?vis=institution")
    yield "start-institution"
    page.goto("/kalender")
    page.get_by_role("button", name=re.compile("Forny|Lav min kalender")).click()
    page.wait_for_url("**/kalender")
    yield "calendar"
    page.goto(f"/sager/{alma}")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    yield "case"
    page.goto(f"/sager/{sofie}")
    yield "case-new"
    page.goto(f"/sager/{alma}")
    page.locator("a", has_text="Se felterne").first.click()
    page.wait_for_url(re.compile(r".*/poster/\d+$"))
    yield "record"
    page.goto(f"/sager/{alma}/formularer")
    yield "downloads"
    page.goto(f"/sager/{sofie}/formularer")
    yield "downloads-new"
    filled = filled_word(page, alma, folder, today)
    page.goto(f"/sager/{alma}/upload")
    yield "upload"
    page.locator('input[type="file"]').set_input_files(str(filled))
    page.get_by_role("button", name="Læs filen").click()
    page.wait_for_url("**/upload/*")
    yield "upload-preview"
    refused = folder / "noter.txt"
    refused.write_text("Referat skrevet i Notesblok")
    page.goto(f"/sager/{alma}/upload")
    page.locator('input[type="file"]').set_input_files(str(refused))
    page.get_by_role("button", name="Læs filen").click()
    page.wait_for_load_state()
    yield "upload-refused"
    photo = photographed_consent(page, alma, folder)
    page.goto(f"/sager/{alma}/upload")
    page.locator('input[type="file"]').set_input_files(str(photo))
    page.get_by_role("button", name="Læs filen").click()
    page.wait_for_url("**/upload/*")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    yield "upload-scan"
    for form_id in ("first_meeting", "consent", "network_map"):
        page.goto(f"/sager/{alma}/udfyld/{form_id}")
        yield f"fill-{form_id}"
    page.goto(f"/sager/{alma}/udfyld/follow_up_meeting?kilde=naeste")
    yield "fill"
    page.get_by_role("button", name="Kontrollér", exact=True).last.click()
    page.wait_for_load_state()
    yield "fill-checked"
    page.goto("/formularer")
    yield "forms"
    page.goto("/formularer/consent/udfyld")
    yield "fill-without-case"
    page.goto("/bestillinger")
    page.get_by_label("Mødedato").fill((today + dt.timedelta(days=40)).strftime("%d-%m-%Y"))
    yield "batch"
    page.get_by_label("Samtykke til indhentning og udveksling af oplysninger").check()
    page.get_by_role("button", name="Kontrollér", exact=True).click()
    page.wait_for_load_state()
    yield "batch-check"
    page.get_by_role("button", name="Start").click()
    page.wait_for_function("() => document.getElementById('fremdrift').value === 100",
                           timeout=60_000)
    page.get_by_role("link", name="Hent ZIP-filen").wait_for(state="visible")
    yield "batch-progress"
    page.goto("/sager/999999")
    yield "error"


def page_width(page) -> int:
    """How wide the page is (CSS px): never more than the window, or it scrolls sideways."""
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, "
                         "document.body.scrollWidth)")


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page (axe.min.js from the npm registry, vendored in
    tests/web/vendor; the context must be made with bypass_csp=True to inject it)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => { const r = await axe.run(document, "
                           "{resultTypes: ['violations']}); return r.violations.map(v => "
                           "({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map("
                           "n => n.target.join(' ')).slice(0, 5)})); }")
    return result
