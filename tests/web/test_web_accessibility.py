"""Accessibility and self-containment of every page: Danish language, a label for every
input, unique ids, descriptions that exist, alt texts, nothing loaded from another host,
and colours with readable contrast (WCAG AA)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import formtools as records

from .conftest import csrf_token
from .pagetools import page, sample
from .test_web_pages import TODAY, consent, meeting_on, store
from .test_web_upload import post_file

CSS = Path(__file__).resolve().parents[2] / "formservice" / "web" / "static" / "css" / "site.css"


def every_page(app, client, world) -> dict:
    """name -> response, for one of each page (with data on it)."""
    case = world.cases["A"]
    record_id, _ = store(app, world, "first_meeting", meeting_on(TODAY - dt.timedelta(days=3)))
    store(app, world, "consent", consent(TODAY + dt.timedelta(days=60)))
    store(app, world, "network_map", sample("network_map"))
    pages = {"login": client.get("/login")}
    from .conftest import log_in
    log_in(client, "staff_a")
    pages.update({
        "start": client.get("/"),
        "case": client.get(f"/sager/{case}"),
        "record": client.get(f"/sager/{case}/poster/{record_id}"),
        "downloads": client.get(f"/sager/{case}/formularer"),
        "upload": client.get(f"/sager/{case}/upload"),
        "forms": client.get("/formularer"),
        "batch": client.get("/bestillinger"),
        "error": client.get(f"/sager/{world.cases['B']}"),
    })
    for form_id in ("first_meeting", "follow_up_meeting", "consent", "network_map"):
        pages[f"fill {form_id}"] = client.get(f"/sager/{case}/udfyld/{form_id}")
    data = sample("first_meeting")
    data["meeting"]["note_taker"] = data["meeting"]["leader"]
    uploaded = post_file(client, case, records.render("first_meeting", data, "docx")[0], "referat.docx")
    pages["upload preview"] = client.get(uploaded.headers["Location"])
    pages["upload refused"] = post_file(client, case, b"not a form", "noter.txt")
    checked = client.post("/bestillinger/kontrol", data={
        "csrf_token": csrf_token(client, "/bestillinger"), "kilde": "institution",
        "institution_id": str(world.institutions["A"]), "forms": ["follow_up_meeting", "consent"],
        "meeting_date": (TODAY + dt.timedelta(days=9)).isoformat()})
    pages["batch check"] = checked
    plan = page(checked).xpath('//input[@name="plan"]')[0].get("value")
    started = client.post("/bestillinger/start", data={"plan": plan, "csrf_token": csrf_token(client, "/")})
    pages["batch progress"] = client.get(started.headers["Location"])
    return pages


@pytest.fixture
def pages(app, client, world):
    return every_page(app, client, world)


CONTROLS = "//input[not(@type='hidden') and not(@type='submit') and not(@type='button')] | //select | //textarea"


def test_every_page_is_accessible_and_self_contained(pages):
    for name, response in pages.items():
        assert response.mimetype == "text/html", name
        root = page(response)
        assert root.get("lang") == "da", name
        assert root.findtext(".//title").strip(), name
        assert len(root.xpath("//h1")) == 1, name
        ids = [e.get("id") for e in root.iter() if e.get("id")]
        duplicates = {i for i in ids if ids.count(i) > 1}
        assert not duplicates, (name, duplicates)
        for control in root.xpath(CONTROLS):
            control_id = control.get("id")
            labelled = (control_id and root.xpath(f'//label[@for="{control_id}"]')) or \
                control.xpath("ancestor::label") or control.get("aria-label")
            assert labelled, (name, control.get("name"))
            label_text = " ".join(root.xpath(f'//label[@for="{control_id}"]')[0].text_content().split()) \
                if control_id and root.xpath(f'//label[@for="{control_id}"]') else "x"
            assert label_text, (name, control.get("name"))
        for element in root.xpath("//*[@aria-describedby]"):
            for ref in element.get("aria-describedby").split():
                assert ref in ids, (name, ref)
        for button in root.xpath("//button"):
            assert " ".join(button.text_content().split()), name
        for image in root.xpath("//img"):
            assert image.get("alt"), name
        for element in root.xpath("//*[@src] | //link[@href]"):
            target = element.get("src") or element.get("href")
            assert not re.match(r"^(https?:)?//", target), (name, target)
        for link in root.xpath("//a[@href]"):
            assert not link.get("href").startswith("javascript:"), name
        # nothing inline, so the policy can forbid it
        assert "default-src 'self'" in response.headers["Content-Security-Policy"], name
        assert not root.xpath("//*[@style]"), name
        assert all(script.get("src") and not (script.text or "").strip()
                   for script in root.xpath("//script")), name


def test_the_findings_and_errors_are_announced(pages):
    for name in ("upload refused", "error"):
        assert page(pages[name]).xpath("//*[@role='alert']"), name


def test_no_external_fonts_or_scripts_in_the_static_files():
    static = CSS.parents[1]
    for path in list(static.glob("css/*.css")) + list(static.glob("js/*.js")):
        text = path.read_text()
        assert "http://" not in text and "https://" not in text, path
        assert "@import" not in text and "@font-face" not in text, path


def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_colours_have_readable_contrast():
    css = CSS.read_text()
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})", css))
    colours["white"] = "#ffffff"
    text_pairs = [("ink", "white"), ("ink", "page"), ("muted", "white"), ("muted", "page"),
                  ("link", "white"), ("link", "page"), ("error", "white"), ("error", "error-bg"),
                  ("warn", "warn-bg"), ("ok", "ok-bg"), ("white", "brand"), ("brand", "white"),
                  ("muted", "warn-bg"), ("link", "ok-bg")]
    for fg, bg in text_pairs:
        assert contrast(colours[fg], colours[bg]) >= 4.5, (fg, bg, contrast(colours[fg], colours[bg]))
    # the focus ring and form borders against the page (non-text: 3:1)
    for fg, bg in [("focus", "white"), ("focus", "page")]:
        assert contrast(colours[fg], colours[bg]) >= 3, (fg, bg)
    assert contrast("#57606a", "#ffffff") >= 3  # input borders
    assert ":focus-visible" in css and "outline: 3px" in css


# --- in a real browser: every staff page on a phone and on a laptop ----------------------

@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A real `formservice serve` with a staff user's realistic cases, and Chromium."""
    from .browser import INSTITUTION, chromium, create_user, require_chromium, seed, serve
    require_chromium()
    folder = tmp_path_factory.mktemp("a11y")
    with serve(folder) as server:
        create_user(server, "anna", INSTITUTION, "Anna Holm")
        ids = seed(server, dt.date.today())
        with chromium() as browser:
            yield server, browser, ids, folder


@pytest.mark.parametrize("size", ["telefon", "bærbar"])
def test_every_page_fits_the_window_and_axe_finds_nothing(live, size):
    """390x844 and 1366x768: no page is wider than the window (nothing scrolls sideways),
    and axe-core (from the npm registry, vendored in tests/web/vendor) reports no
    violation — login, the start page both ways, the calendar, the case pages, a stored
    form, downloads, upload and its preview and refusal, every fill page, batches, errors."""
    from .browser import SIZES, axe_violations, every_page, log_in, page_width
    server, browser, ids, folder = live
    viewport = SIZES[size]
    context = browser.new_context(viewport=viewport, locale="da-DK", accept_downloads=True,
                                  base_url=server.base_url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems, seen = [], []
    try:
        page.goto("/login")
        names = ["login"]
        checked = [("login", page_width(page), axe_violations(page))]
        log_in(page, "anna")
        for name in every_page(page, ids, folder, dt.date.today()):
            names.append(name)
            checked.append((name, page_width(page), axe_violations(page)))
        for name, width, violations in checked:
            seen.append(name)
            if width > viewport["width"]:
                problems.append(f"{name}: {width} px wide in a {viewport['width']} px window")
            for violation in violations:
                problems.append(f"{name}: axe {violation['id']} ({violation['help']}) "
                                f"at {violation['nodes']}")
    finally:
        context.close()
    assert len(seen) == 24, seen
    assert not problems, "\n".join(problems)
