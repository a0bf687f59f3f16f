"""Refresh docs/screenshots/*.png: every staff page on a laptop (1366x768, `<name>.png`) and
on a phone (390x844, `<name>-telefon.png`).

    python3 scripts/screenshots.py [--out docs/screenshots]

Starts a real `formservice serve` (development mode, SQLite in a temporary folder), makes a
staff user and a few cases with realistic data (dates relative to today, so the start page
has something due), and photographs every page with Debian's Chromium (/usr/bin/chromium,
driven by Playwright; no browser is downloaded). The cases and the tour of the pages are
the browser tests' own (tests/web/browser.py).
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from web.browser import (  # noqa: E402
    INSTITUTION,
    SIZES,
    chromium,
    create_user,
    every_page,
    log_in,
    seed,
    serve,
)

PAGES = {  # the tour's page -> (file name, what it shows, for the README)
    "login": ("login", "Log ind"),
    "start": ("start", "Det skal jeg nu: mine frister, med »Markér som sendt«"),
    "start-institution": ("start-institution", "Det skal jeg nu: hele institutionen"),
    "calendar": ("calendar", "Min kalender: den private adresse og »Forny«"),
    "case": ("case", "En sag, med næste skridt øverst"),
    "record": ("record", "En gemt formular, felt for felt"),
    "downloads-new": ("downloads", "Hent formularer: dagsorden til første møde først"),
    "upload": ("upload", "Upload"),
    "upload-preview": ("upload-preview", "Det står der i filen (før den gemmes)"),
    "upload-scan": ("upload-scan", "Et foto af et underskrevet samtykke: skriv det håndskrevne"),
    "fill-checked": ("fill", "Udfyld i browseren, kontrolleret"),
    "forms": ("forms", "Formularer"),
    "batch": ("batch", "Bestillinger"),
    "batch-check": ("batch-check", "Kontrol af en bestilling"),
    "batch-progress": ("batch-progress", "En bestilling, færdig"),
    "error": ("error", "Fejlside"),
}
SUFFIX = {"bærbar": "", "telefon": "-telefon"}


def shoot(page, out: Path, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(out / f"{name}.png"))
    print(f"  {name}.png", file=sys.stderr)


def run(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    today = dt.date.today()
    shot = 0
    with tempfile.TemporaryDirectory() as folder, serve(
            Path(folder), {"FORMSERVICE_MUNICIPALITY": "Eksempel Kommune"}) as server:
        create_user(server, "anna", INSTITUTION, "Anna Holm")
        ids = seed(server, today)
        with chromium() as browser:
            for size, viewport in SIZES.items():
                context = browser.new_context(viewport=viewport, locale="da-DK",
                                              accept_downloads=True, base_url=server.base_url)
                page = context.new_page()
                page.set_default_timeout(30_000)
                page.goto("/login")
                shoot(page, out, "login" + SUFFIX[size])
                shot += 1
                log_in(page, "anna")
                for name in every_page(page, ids, Path(folder), today):
                    if name in PAGES:
                        shoot(page, out, PAGES[name][0] + SUFFIX[size])
                        shot += 1
                context.close()
    return shot


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    started = time.monotonic()
    count = run(Path(args.out))
    print(f"{count} skærmbilleder i {args.out} ({time.monotonic() - started:.0f} s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
