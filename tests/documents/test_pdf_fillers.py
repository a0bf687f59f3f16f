"""Blank templates filled by other tools (pdftk with XFDF, with and without
need_appearances; pypdf; PyMuPDF) read back exactly, and what they wrote is drawn: the
values are in the text poppler draws (pdftocairo → pdftotext) and in what tesseract reads
off poppler's and MuPDF's page images."""
import io
import json
import logging
import os
import re
import subprocess
from functools import lru_cache
from html import escape
from pathlib import Path

import pytest
from documents.external_tools import required_tool
from PIL import Image
from pypdf import PdfReader, PdfWriter

from formservice.documents.pdf_fill import PdfTemplate, _display, _field_name, _values
from formservice.documents.pdf_parse import parse_pdf
from formservice.documents.pdf_template import build_pdf_template
from formservice.forms import FORMS, fields as kinds
from formservice.forms.layout import sections
from formservice.forms.record import load_data

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FILLERS = ["pdftk", "pdftk need_appearances", "pypdf", "pymupdf"]
DPI = 150


_tool = required_tool


@lru_cache(maxsize=None)
def _case(form_id):
    """The form's blank template (as built now), its sample, and the values to fill in."""
    data, findings = load_data(form_id, json.loads((SAMPLES / f"{form_id}.json").read_text()))
    assert findings == []
    extra = {section.name: len(data[section.name]) - section.blank_rows
             for section in sections(form_id)
             if section.is_group and len(data[section.name]) > section.blank_rows}
    blank = build_pdf_template(form_id, extra)  # with continuation pages where it needs them
    template = PdfTemplate(form_id, blank)
    values = {path: ("Yes" if value is True else _display(template.slots[path], value)[1])
              for path, value, _ in _values(form_id, data)}
    kinds_by_path = {path: kind for path, _, kind in _values(form_id, data)}
    return blank, data, values, kinds_by_path


def _xfdf(values: dict) -> bytes:
    tree: dict = {}
    for path, value in values.items():
        node = tree
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value

    def fields(node):
        return "".join(
            f'<field name="{escape(name)}">' + (
                fields(value) if isinstance(value, dict)
                else f"<value>{escape(value)}</value>") + "</field>"
            for name, value in node.items())

    return ('<?xml version="1.0" encoding="UTF-8"?>\n<xfdf xmlns="http://ns.adobe.com/xfdf/" '
            'xml:space="preserve"><fields>' + fields(tree) + "</fields></xfdf>").encode()


def _fill(filler, blank: bytes, values: dict, tmp_path: Path) -> bytes:
    if filler.startswith("pdftk"):
        (tmp_path / "blank.pdf").write_bytes(blank)
        (tmp_path / "data.xfdf").write_bytes(_xfdf(values))
        extra = ["need_appearances"] if "need_appearances" in filler else []
        subprocess.run([_tool("pdftk"), str(tmp_path / "blank.pdf"), "fill_form",
                        str(tmp_path / "data.xfdf"), "output", str(tmp_path / "filled.pdf"),
                        *extra], check=True, capture_output=True, timeout=120)
        return (tmp_path / "filled.pdf").read_bytes()
    if filler == "pypdf":
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank)))
        for page in writer.pages:
            writer.update_page_form_field_values(  # NeedAppearances on, as by default
                page, {k: ("/Yes" if v == "Yes" else v) for k, v in values.items()})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    pymupdf = pytest.importorskip("pymupdf")
    document = pymupdf.open(stream=blank, filetype="pdf")
    for page in document:
        for widget in page.widgets():
            if widget.field_name in values:
                widget.field_value = (True if widget.field_type == pymupdf.PDF_WIDGET_TYPE_CHECKBOX
                                      else values[widget.field_name])
                widget.update()
    return document.tobytes()


def _drawn(text: str, drawn: str) -> bool:
    """The value's first word is in the drawn text (pdftotext may set a kerned first
    letter apart from the rest of the word, so the rest counts too)."""
    words = re.findall(r"\w{3,}", text.casefold())
    if not words:
        return _compact(text) in drawn
    return words[0][:6] in drawn or words[0][1:7] in drawn


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def _poppler_text(pdf: bytes, tmp_path: Path) -> str:
    """The text poppler draws, fields included: pdftocairo prints the annotations' appearances
    into a new PDF, pdftotext reads it."""
    (tmp_path / "in.pdf").write_bytes(pdf)
    subprocess.run([_tool("pdftocairo"), "-pdf", str(tmp_path / "in.pdf"),
                    str(tmp_path / "drawn.pdf")], check=True, timeout=120)
    return subprocess.run([_tool("pdftotext"), str(tmp_path / "drawn.pdf"), "-"], check=True,
                          capture_output=True, timeout=120).stdout.decode()


def _shown(form_id, path, value, kind):
    """What the filler may draw: the value, or for a choice its export value or label."""
    if kind == kinds.CHOICE:
        spec = _spec(form_id, path)
        return [str(value), spec.option_label(value) or str(value)]
    return [str(value)]


def _spec(form_id, path):
    section, *rest = path.split(".")
    return next(s for s in sections(form_id) if s.name == section).field(rest[-1])


@pytest.mark.parametrize("form_id", list(FORMS))
@pytest.mark.parametrize("filler", FILLERS)
def test_other_fillers_read_back_and_are_drawn_by_poppler(tmp_path, form_id, filler):
    blank, data, values, kinds_by_path = _case(form_id)
    filled = _fill(filler, blank, values, tmp_path)
    record, reading = parse_pdf(filled)
    assert reading == []
    assert load_data(form_id, record["data"])[0] == data
    drawn = _compact(_poppler_text(filled, tmp_path))
    missing = []
    for path, value in values.items():
        if kinds_by_path[path] == kinds.BOOL:
            continue
        # a value's first word (other fillers don't wrap or shrink single-line fields, so
        # the rest of a long value may be cut off at the box's edge, as any viewer shows it)
        if kinds_by_path[path] == kinds.CHOICE and filler == "pdftk need_appearances":
            # pdftk writes /V as UTF-16 and poppler, regenerating the drop-down's appearance,
            # compares it byte for byte with the options (PDFDocEncoding): it draws none
            # (MuPDF does; the OCR test below and the value read back cover it)
            continue
        if not any(_drawn(shown, drawn)
                   for shown in _shown(form_id, path, value, kinds_by_path[path])):
            missing.append(path)
    assert missing == [], missing


def _ocr(image: Image.Image, tmp_path: Path) -> str:
    tesseract = _tool("tesseract")
    image.save(tmp_path / "ocr.png")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.run([tesseract, str(tmp_path / "ocr.png"), "-", "-l", "dan", "--psm", "6"],
                          check=True, capture_output=True, timeout=120, env=env).stdout.decode()


def _page_one(renderer, pdf: bytes, tmp_path: Path) -> Image.Image:
    (tmp_path / "r.pdf").write_bytes(pdf)
    if renderer == "poppler":
        subprocess.run([_tool("pdftoppm"), "-r", str(DPI), "-f", "1", "-l", "1", "-png",
                        "-singlefile", str(tmp_path / "r.pdf"), str(tmp_path / "page")],
                       check=True, timeout=120)
    else:
        subprocess.run([_tool("mutool"), "draw", "-q", "-r", str(DPI), "-o",
                        str(tmp_path / "page.png"), str(tmp_path / "r.pdf"), "1"],
                       check=True, timeout=120, capture_output=True)
    return Image.open(tmp_path / "page.png").convert("L")


OCR_FIELDS = ("child.name", "meeting.leader", "meeting.note_taker", "meeting.date",
              "meeting.place")


@pytest.mark.parametrize("renderer", ["poppler", "mupdf"])
@pytest.mark.parametrize("filler", FILLERS)
def test_other_fillers_values_are_seen_on_the_page(tmp_path, filler, renderer):
    """OCR of the filled fields' boxes on page 1, as each renderer draws them."""
    blank, data, values, _ = _case("first_meeting")
    filled = _fill(filler, blank, values, tmp_path)
    page = _page_one(renderer, filled, tmp_path)
    reader = PdfReader(io.BytesIO(filled))
    height = float(reader.pages[0].mediabox.height)
    scale = DPI / 72
    crops = []
    for reference in reader.pages[0]["/Annots"]:
        widget = reference.get_object()
        if _field_name(widget) in OCR_FIELDS:
            x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
            crops.append(page.crop((int(x1 * scale), int((height - y2) * scale),
                                    int(x2 * scale), int((height - y1) * scale))))
    assert len(crops) == len(OCR_FIELDS)
    sheet = Image.new("L", (max(c.width for c in crops) + 40,
                            sum(c.height + 20 for c in crops) + 20), 255)
    y = 20
    for crop in crops:
        sheet.paste(crop, (20, y))
        y += crop.height + 20
    seen = _compact(_ocr(sheet, tmp_path))
    for path in OCR_FIELDS:
        words = [w for w in re.findall(r"[\wæøåÆØÅ-]{4,}", values[path])]
        assert any(_compact(w) in seen for w in words), (path, values[path], seen)
