"""The PDF forms are tagged PDFs, checked requirement by requirement the way veraPDF's
PDF/UA-1 checks look at them (those that apply to a fillable form), with pikepdf:
the document is marked, all content is tagged or an artifact, the language is da-DK, the
title is shown, headings do not skip levels, tables are rows of header and data cells
with a scope, the network map is a Figure with alternative text listing the people by
sector and closeness, every field has a tooltip and sits in a Form element, tab order
follows the structure, and the fonts drawn with are embedded."""
from __future__ import annotations

import io
import json
import re
from functools import lru_cache
from pathlib import Path

import pikepdf
import pytest

from formservice.documents.pdf_fill import render_pdf
from formservice.forms import FORMS, get_form
from formservice.forms.record import load_data

ROOT = Path(__file__).resolve().parents[2]
CONTACT = "Spørgsmål om samtykket: kontakt lederen af dagtilbuddet eller skolen."
CASES = [(form_id, kind) for form_id in FORMS for kind in ("filled", "blank")] + [
    ("first_meeting", "continued")]


@lru_cache(maxsize=None)
def _data(form_id, kind):
    if kind == "blank":
        return load_data(form_id, {})[0]
    if kind == "continued":  # a text too long for its box: a continuation page is added
        return load_data(form_id, {"welcome": {"notes": "Lang tekst om mødet. " * 300}})[0]
    return load_data(form_id, json.loads((ROOT / "samples" / f"{form_id}.json").read_text()))[0]


@lru_cache(maxsize=None)
def _pdf(form_id, kind) -> bytes:
    pdf, _ = render_pdf(form_id, _data(form_id, kind), "Holbæk Kommune", CONTACT)
    return pdf


@pytest.fixture(params=CASES, ids=[f"{f}-{k}" for f, k in CASES])
def case(request):
    form_id, kind = request.param
    with pikepdf.open(io.BytesIO(_pdf(form_id, kind))) as pdf:
        yield form_id, kind, pdf


def _elements(pdf):
    """Every structure element, depth first, in reading order."""
    root = pdf.Root.StructTreeRoot
    out = []

    def walk(node):
        kids = node.get("/K")
        if kids is None:
            return
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem" or (
                    isinstance(kid, pikepdf.Dictionary) and "/S" in kid):
                out.append(kid)
                walk(kid)

    walk(root)
    return out


def _widgets(pdf):
    for number, page in enumerate(pdf.pages):
        for annotation in page.obj.get("/Annots", []):
            if annotation.get("/Subtype") == "/Widget":
                yield number, annotation


def _hidden(widget) -> bool:
    return bool(int(widget.get("/F", 0)) & 2)


def test_marked_with_a_structure_tree_language_and_title_shown(case):
    form_id, _, pdf = case
    root = pdf.Root
    assert root.MarkInfo.Marked is True
    assert "/StructTreeRoot" in root
    assert str(root.Lang) == "da-DK"
    assert root.ViewerPreferences.DisplayDocTitle is True
    title = get_form(form_id).title
    assert str(pdf.docinfo.Title) == title
    with pdf.open_metadata() as meta:
        assert meta.get("dc:title") == title
    assert "formservice" not in str(pdf.docinfo.get("/Author", "")).casefold()


_TEXT_OPS = {"Tj", "TJ", "'", '"'}
_PAINT_OPS = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "Do", "sh"}


def _marked_content(page):
    """(tagged MCIDs, number of drawing operators outside any marked content)."""
    depth, mcids, loose = [], [], 0
    for operands, operator in pikepdf.parse_content_stream(page):
        name = str(operator)
        if name in ("BDC", "BMC"):
            tag = str(operands[0])
            properties = operands[1] if name == "BDC" else None
            depth.append(tag)
            if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                mcids.append(int(properties.MCID))
        elif name == "EMC":
            depth.pop()
        elif (name in _TEXT_OPS or name in _PAINT_OPS) and not depth:
            loose += 1
    return mcids, loose


def test_all_content_is_tagged_or_an_artifact_and_in_the_parent_tree(case):
    _, _, pdf = case
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    for page in pdf.pages:
        mcids, loose = _marked_content(page)
        assert loose == 0
        assert page.obj.Tabs == "/S"
        elements = tree[int(page.obj.StructParents)]
        assert len(elements) == len(mcids) and sorted(mcids) == list(range(len(mcids)))
        for element in elements:
            assert element.get("/S") in ("/H1", "/H2", "/H3", "/P", "/TH", "/TD", "/Figure"), \
                element.get("/S")


def test_headings_start_at_h1_and_never_skip_a_level(case):
    _, _, pdf = case
    levels = [int(str(e.S)[2]) for e in _elements(pdf) if re.fullmatch(r"/H\d", str(e.S))]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, levels


def test_tables_are_rows_of_header_and_data_cells_with_a_scope(case):
    _, _, pdf = case
    tables = [e for e in _elements(pdf) if e.S == "/Table"]
    assert tables
    for table in tables:
        rows = list(table.K)
        assert rows and all(row.S == "/TR" for row in rows)
        header_cells = 0
        for row in rows:
            cells = list(row.K)
            assert cells and all(cell.S in ("/TH", "/TD") for cell in cells)
            for cell in cells:
                if cell.S == "/TH":
                    header_cells += 1
                    assert str(cell.A.Scope) in ("/Column", "/Row")
        assert header_cells


def test_every_field_has_a_tooltip_and_a_form_element_in_tab_order(case):
    _, _, pdf = case
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    order = []
    for _, widget in _widgets(pdf):
        tooltip = widget.get("/TU") or widget.get("/Parent", {}).get("/TU")
        assert tooltip and str(tooltip).strip()
        if _hidden(widget):
            continue
        form = tree[int(widget.StructParent)]
        assert form.S == "/Form"
        assert any(kid.get("/Obj") is not None and kid.Obj.objgen == widget.objgen
                   for kid in form.K)
        order.append(widget.objgen)
    forms = [e for e in _elements(pdf) if e.S == "/Form"]
    assert [kid.Obj.objgen for form in forms for kid in form.K] == order  # reading = tab order


def test_fonts_drawn_with_are_embedded(case):
    _, _, pdf = case
    for page in pdf.pages:
        for name, font in page.Resources.get("/Font", {}).items():
            fonts = [font] + list(font.get("/DescendantFonts", []))
            descriptor = next((f.FontDescriptor for f in fonts if "/FontDescriptor" in f), None)
            assert descriptor is not None, name
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name
            assert "/ToUnicode" in font, name


def test_the_network_map_is_a_figure_whose_alt_text_lists_people_by_sector_and_closeness():
    data = _data("network_map", "filled")
    with pikepdf.open(io.BytesIO(_pdf("network_map", "filled"))) as pdf:
        figures = [e for e in _elements(pdf) if e.S == "/Figure"]
        assert len(figures) == 1
        alt = str(figures[0].Alt)
        page = next(p for p in pdf.pages if "/XObject" in p.Resources)
        mcids, _ = _marked_content(page)
        assert mcids  # the picture itself is marked content of the Figure
    assert alt.startswith("Netværkskort for Alma Nørgaard Sørensen.")
    family = alt[alt.index("Familie – "):alt.index("Venner og naboer – ")]
    assert family.index("tæt:") < family.index("mellem:") < family.index("løs:")
    for person in data["people"]:
        assert person["name"] in alt
    assert "Kender hinanden: " in alt
    with pikepdf.open(io.BytesIO(_pdf("network_map", "blank"))) as pdf:
        blank_alt = str(next(e for e in _elements(pdf) if e.S == "/Figure").Alt)
    assert "Ingen personer" in blank_alt
