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
