"""Every check box draws the state the record holds: in the fillable PDF and flattened
(the PDF as printed), measured on the page image as poppler and MuPDF draw it."""
import io
import json
import subprocess
from pathlib import Path

import pytest
from documents.external_tools import required_tool
from PIL import Image
from pypdf import PdfReader

from formservice.documents.pdf_fill import _field_name, flatten_pdf, render_pdf
from formservice.forms import FORMS, fields as kinds
from formservice.forms.layout import sections
from formservice.forms.record import load_data

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
DPI = 100


_tool = required_tool


def render_page(renderer, pdf_path: Path, page: int, out: Path) -> Image.Image:
    """Page `page` (1-based) at DPI as poppler (pdftoppm) or MuPDF (mutool draw) draws it."""
    if renderer == "poppler":
        subprocess.run([_tool("pdftoppm"), "-r", str(DPI), "-f", str(page), "-l", str(page),
                        "-png", "-singlefile", str(pdf_path), str(out)], check=True, timeout=120)
        path = out.with_suffix(".png")
    else:
        path = out.with_suffix(".png")
        subprocess.run([_tool("mutool"), "draw", "-q", "-r", str(DPI), "-o", str(path),
                        str(pdf_path), str(page)], check=True, timeout=120, capture_output=True)
    return Image.open(path).convert("L")


def _boxes(pdf: bytes, form_id: str, data: dict):
    """(page number, rect, expected state, name) of every check box of the filled PDF."""
    expected = {}
    for section in sections(form_id):
        rows = enumerate(data[section.name]) if section.is_group else [(None, data[section.name])]
        for index, row in rows:
            for spec in section.fields:
                if spec.kind == kinds.BOOL:
                    path = (f"{section.name}.{spec.name}" if index is None
                            else f"{section.name}.{index}.{spec.name}")
                    expected[path] = bool(row.get(spec.name))
    found = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        for reference in page.get("/Annots", []):
            widget = reference.get_object()
            if widget.get("/FT") == "/Btn":
                name = _field_name(widget)
                found.append((number, [float(v) for v in widget["/Rect"]],
                              expected.get(name, False), name))
    return found


def _ticked(image: Image.Image, rect, page_height) -> bool:
    x1, y1, x2, y2 = rect
    scale = DPI / 72
    inset = 3.0  # inside the box's border
    box = (round((x1 + inset) * scale), round((page_height - y2 + inset) * scale),
           round((x2 - inset) * scale), round((page_height - y1 - inset) * scale))
    dark = sum(image.crop(box).histogram()[:128])
    return dark >= 4


@pytest.mark.parametrize("form_id", list(FORMS))
@pytest.mark.parametrize("renderer", ["poppler", "mupdf"])
def test_every_check_box_draws_the_record(tmp_path, form_id, renderer):
    data, findings = load_data(form_id, json.loads((SAMPLES / f"{form_id}.json").read_text()))
    assert findings == []
    fillable, _ = render_pdf(form_id, data, "Holbæk Kommune")
    boxes = _boxes(fillable, form_id, data)
    assert boxes and any(state for _, _, state, _ in boxes), "the sample ticks no box"
    height = float(PdfReader(io.BytesIO(fillable)).pages[0].mediabox.height)
    for kind, pdf in (("fillable", fillable), ("flattened", flatten_pdf(fillable))):
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(pdf)
        images = {}
        for page, rect, state, name in boxes:
            if page not in images:
                images[page] = render_page(renderer, path, page, tmp_path / f"{kind}-{page}")
            assert _ticked(images[page], rect, height) == state, (kind, name, state)
