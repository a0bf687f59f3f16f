"""Refresh docs/screenshots/*.png: one picture of each staff page at 1366x768.

    python3 scripts/screenshots.py [--out docs/screenshots]

Starts a real `formservice serve` (development mode, SQLite in a temporary folder), makes a
staff user and a few cases with realistic data (dates relative to today, so the start page
has something due), and photographs every page with Debian's Chromium (/usr/bin/chromium,
driven by Playwright; no browser is downloaded).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from web.browser import chromium, create_user, download, log_in, new_page, serve

INSTITUTION = "Børnehuset Kløverengen"
SAMPLES = ROOT / "samples"
PAGES = [  # file name, what it shows (README)
    ("login", "Log ind"),
    ("start", "Mine sager og frister"),
    ("case", "En sag"),
    ("record", "En gemt formular, felt for felt"),
    ("downloads", "Hent formularer"),
    ("upload", "Upload"),
    ("upload-preview", "Det står der i filen (før den gemmes)"),
    ("fill", "Udfyld i browseren"),
    ("forms", "Formularer"),
    ("batch", "Bestillinger"),
    ("batch-check", "Kontrol af en bestilling"),
    ("batch-progress", "En bestilling, færdig"),
    ("error", "Fejlside (en anden institutions sag)"),
]


def sample(form_id: str) -> dict:
    return json.loads((SAMPLES / f"{form_id}.json").read_text())


def seed(server, today: dt.date) -> dict:
    """Cases and records through the API, with a token made by the CLI."""
    token = server.cli("users", "token", "anna").stdout.strip()
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
    meeting = sample("first_meeting")
    meeting["meeting"].update(date=days(-10), agenda_sent=days(-18), consent_date=days(-40))
    meeting["closing"].update(minutes_sent=None, minutes_due=days(-3), next_meeting_date=days(40))
    for offset, action in zip((30, 45, 60, 75), meeting["actions"]):
        action["deadline"] = days(offset)
    call("POST", f"/cases/{alma}/meetings", json={"form": "first_meeting", "data": meeting})
    consent = sample("consent")
    for holder in consent["custody_holders"]:
        holder["signed_date"] = days(-340)
    consent["validity"] = {"valid_from": days(-340), "valid_until": days(20)}
    call("POST", f"/cases/{alma}/consents", json={"form": "consent", "data": consent})
    network_map = sample("network_map")
    network_map["map"]["date"] = days(-40)
    call("POST", f"/cases/{alma}/network-maps", json={"form": "network_map", "data": network_map})

    noah = case("Noah Bæk Jensen", "2020-06-02", "Mariehønen")
    second = sample("first_meeting")
    second["child"].update(name="Noah Bæk Jensen", birth_date="2020-06-02", group="Mariehønen")
    second["meeting"].update(date=days(5), agenda_sent=None)
    second["closing"].update(minutes_sent=None, next_meeting_date=None)
    second["actions"] = []
    call("POST", f"/cases/{noah}/meetings", json={"form": "first_meeting", "data": second})
    case("Sofie Ærø Hansen", "2022-01-17", "Sommerfuglestuen")
    return {"alma": alma, "noah": noah, "meeting_date": days(5)}


def shoot(page, out: Path, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(out / f"{name}.png"))
    print(f"  {name}.png", file=sys.stderr)


def run(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    today = dt.date.today()
    with tempfile.TemporaryDirectory() as folder, serve(
            Path(folder), {"FORMSERVICE_MUNICIPALITY": "Eksempel Kommune"}) as server:
        create_user(server, "anna", INSTITUTION, "Anna Holm")
        create_user(server, "bent", "Skolen ved Søen", "Bent Lund")
        ids = seed(server, today)
        with chromium() as browser:
            page = new_page(browser, server)
            page.goto("/login")
            shoot(page, out, "login")
            log_in(page, "anna")
            shoot(page, out, "start")
            page.goto(f"/sager/{ids['alma']}")
            page.wait_for_function("() => [...document.images].every(i => i.complete)")
            shoot(page, out, "case")
            page.locator("a", has_text="Se felterne").first.click()
            shoot(page, out, "record")
            page.goto(f"/sager/{ids['alma']}/formularer")
            shoot(page, out, "downloads")

            # a filled minutes with a mistake, uploaded: what the reading shows
            content = download(page, lambda: page.get_by_role(
                "link", name="Hent som Word (næste opfølgende møde)").click())
            from documents.word_editing import WordDocument
            document = WordDocument(content)
            document.pick_date("meeting.date", (today + dt.timedelta(days=30)).isoformat())
            document.type_text("meeting.leader", "Birgitte Møller Kjær")
            document.type_text("meeting.note_taker", "Birgitte Møller Kjær")
            document.type_text("since_last.notes", "Alma er glad for sproggruppen og bruger flere ord.")
            filled = Path(folder) / "opfoelgning.docx"
            filled.write_bytes(document.save())
            page.goto(f"/sager/{ids['alma']}/upload")
            shoot(page, out, "upload")
            page.get_by_label("Den udfyldte formular").set_input_files(str(filled))
            page.get_by_role("button", name="Læs filen").click()
            page.wait_for_url("**/upload/*")
            page.locator("#fund").scroll_into_view_if_needed()
            page.evaluate("() => window.scrollTo(0, document.getElementById('fund').offsetTop - 220)")
            shoot(page, out, "upload-preview")

            page.goto(f"/sager/{ids['alma']}/udfyld/network_map")
            page.get_by_label("Dato", exact=True).fill(today.isoformat())
            page.get_by_label("Navn, række 1", exact=True).fill("Mormor Inger")
            page.get_by_label("Relation til barnet, række 1").fill("Mormor")
            page.get_by_label("Område, række 1").select_option("family")
            page.get_by_role("button", name="Kontrollér").click()
            page.wait_for_load_state()
            shoot(page, out, "fill")
            page.goto("/formularer")
            shoot(page, out, "forms")
            page.goto("/bestillinger")
            page.get_by_label("Mødedato").fill((today + dt.timedelta(days=40)).isoformat())
            shoot(page, out, "batch")
            page.get_by_label("Samtykke til indhentning og udveksling af oplysninger").check()
            page.get_by_role("button", name="Kontrollér", exact=True).click()
            page.wait_for_load_state()
            shoot(page, out, "batch-check")
            page.get_by_role("button", name="Start").click()
            page.wait_for_function("() => document.getElementById('fremdrift').value === 100",
                                   timeout=60_000)
            page.get_by_role("link", name="Hent ZIP-filen").wait_for(state="visible")
            shoot(page, out, "batch-progress")
            page.context.close()

            other = new_page(browser, server)
            log_in(other, "bent")
            other.goto(f"/sager/{ids['alma']}")
            shoot(other, out, "error")
            other.context.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    started = time.monotonic()
    run(Path(args.out))
    print(f"{len(PAGES)} skærmbilleder i {args.out} ({time.monotonic() - started:.0f} s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
