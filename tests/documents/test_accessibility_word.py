"""The Word forms for a screen reader and a Danish spell checker: real heading styles that
never skip a level, table header rows marked to repeat (and each table captioned), the
network map picture's alternative text listing the people by sector and closeness, the
document's language da-DK, Arial without theme fonts, and the title in the properties."""
from __future__ import annotations

import io
import json
import re
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

from formservice.documents.word_render import render_docx
from formservice.forms import FORMS, get_form
from formservice.forms.layout import sections
from formservice.forms.record import load_data

ROOT = Path(__file__).resolve().parents[2]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
CASES = [(form_id, kind) for form_id in FORMS for kind in ("filled", "blank")]


@lru_cache(maxsize=None)
def _data(form_id, kind):
    if kind == "blank":
        return load_data(form_id, {})[0]
    return load_data(form_id, json.loads((ROOT / "samples" / f"{form_id}.json").read_text()))[0]


@lru_cache(maxsize=None)
def _parts(form_id, kind) -> dict:
    docx = render_docx(form_id, _data(form_id, kind), "Holbæk Kommune", "Ring til os.")
    package = zipfile.ZipFile(io.BytesIO(docx))
    return {name: package.read(name) for name in package.namelist()}


@pytest.fixture(params=CASES, ids=[f"{f}-{k}" for f, k in CASES])
def case(request):
    form_id, kind = request.param
    parts = _parts(form_id, kind)
    return form_id, kind, parts, etree.fromstring(parts["word/document.xml"])


def _style(paragraph) -> str | None:
    style = paragraph.find(f"{W}pPr/{W}pStyle")
    return style.get(f"{W}val") if style is not None else None


def test_headings_are_heading_styles_in_order(case):
    form_id, kind, _, document = case
    body = document.find(f"{W}body")
    headings = [(int(_style(p)[-1]), "".join(p.itertext()))
                for p in body.iter(f"{W}p") if re.fullmatch(r"Heading\d", _style(p) or "")]
    assert headings[0] == (1, get_form(form_id).title)
    assert [level for level, _ in headings].count(1) == 1
    for (before, _), (after, _) in zip(headings, headings[1:]):
        assert after <= before + 1
    shown = {text for level, text in headings if level == 2}
    for section in sections(form_id):
        if section.name != "young_person" or kind == "blank":
            assert section.label in shown, section.label


def test_every_table_is_captioned_and_group_tables_repeat_their_header_row(case):
    form_id, _, _, document = case
    tables = list(document.iter(f"{W}tbl"))
    assert tables
    captions = {}
    for table in tables:
        caption = table.find(f"{W}tblPr/{W}tblCaption")
        assert caption is not None and caption.get(f"{W}val")
        captions[caption.get(f"{W}val")] = table
    for section in sections(form_id):
        if section.is_group:
            first_row = captions[section.label].find(f"{W}tr")
            assert first_row.find(f"{W}trPr/{W}tblHeader") is not None, section.name
            labels = ["".join(cell.itertext()) for cell in first_row.findall(f"{W}tc")]
            assert labels == [spec.label for spec in section.fields]


def test_the_document_language_is_danish_everywhere(case):
    _, _, parts, _ = case
    styles = etree.fromstring(parts["word/styles.xml"])
    languages = {lang.get(f"{W}val") for lang in styles.iter(f"{W}lang")}
    assert languages == {"da-DK"}
    settings = etree.fromstring(parts["word/settings.xml"])
    assert settings.find(f"{W}themeFontLang").get(f"{W}val") == "da-DK"
    assert settings.find(f"{W}autoHyphenation") is not None
    core = parts["docProps/core.xml"].decode()
    assert "<dc:language>da-DK</dc:language>" in core


def test_arial_without_theme_fonts_and_the_title_in_the_properties(case):
    form_id, _, parts, _ = case
    styles = etree.fromstring(parts["word/styles.xml"])
    for fonts in styles.iter(f"{W}rFonts"):
        assert not any(name.endswith("Theme") or name.endswith("theme")
                       for name in (etree.QName(a).localname for a in fonts.attrib))
    core = parts["docProps/core.xml"].decode()
    assert f"<dc:title>{get_form(form_id).title}</dc:title>" in core
    assert "formservice" not in core.casefold()


def test_the_network_map_picture_has_alt_text_listing_people_by_sector_and_closeness():
    data = _data("network_map", "filled")
    document = etree.fromstring(_parts("network_map", "filled")["word/document.xml"])
    pictures = list(document.iter(f"{WP}docPr"))
    assert len(pictures) == 1
    alt = pictures[0].get("descr")
    assert pictures[0].get("title") == "Netværkskort"
    assert alt.startswith("Netværkskort for Alma Nørgaard Sørensen.")
    order = [alt.index(f"{sector} – ") for sector in
             ("Familie", "Venner og naboer", "Skole/dagtilbud/fritid", "Professionelle")]
    assert order == sorted(order)
    family = alt[order[0]:order[1]]
    assert family.index("tæt:") < family.index("mellem:") < family.index("løs:")
    for person in data["people"]:
        assert person["name"] in alt
    blank = etree.fromstring(_parts("network_map", "blank")["word/document.xml"])
    assert "Ingen personer" in next(blank.iter(f"{WP}docPr")).get("descr")


def test_the_footer_says_title_version_and_page_without_product_name(case):
    form_id, _, parts, _ = case
    form = get_form(form_id)
    footer = etree.fromstring(parts["word/footer1.xml"])
    visible = "".join(t.text or "" for r in footer.iter(f"{W}r")
                      if r.find(f"{W}rPr/{W}vanish") is None for t in r.iter(f"{W}t"))
    assert visible.startswith(f"{form.title} · version {form.version} · side ")
    assert "formservice" not in visible and form_id not in visible
    instructions = [f.get(f"{W}instr").strip() for f in footer.iter(f"{W}fldSimple")]
    assert instructions == ["PAGE", "NUMPAGES"]
