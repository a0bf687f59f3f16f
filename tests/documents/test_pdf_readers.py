"""PDFs filled by other tools read back; what readers show is really drawn."""
import io
import subprocess
from xml.sax.saxutils import escape, quoteattr

import pytest
from documents.external_tools import required_tool
from PIL import Image, ImageChops
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from formservice.documents.pdf_fill import TEMPLATE_DIR, pdf_template, render_pdf
from formservice.documents.pdf_parse import parse_pdf
from formservice.forms.record import load_data

DATA = {
    "meeting": {"meeting_type": "NM", "case_kind": "unknown", "date": "2026-12-03",
                "leader": "Hanne Øster", "note_taker": "Bo Ågård", "consent_on_file": True,
                "initiative_reason": "Bekymring for trivsel.\nForældrene ønsker hjælp & råd."},
    "child": {"name": "Şeyma Łukasz Nguyễn", "institution": "Børnehuset Æblehaven"},
    "participants": [{"name": "Mette Sørensen", "role": "parent_custody", "attendance": "present"},
                     {"name": "Karim Yılmaz", "role": "caseworker", "attendance": "apologies"}],
    "actions": [{"description": "Sprogleg {{ x }} <b>", "responsible": "Bo Ågård",
                 "deadline": "2027-01-31", "priority": 1}],
}


_tool = required_tool


def _expected():
    data, findings = load_data("first_meeting", DATA)
    assert findings == []
    return data


def _xfdf(data) -> bytes:
    """XFDF with hierarchical field names, the way pdftk and Acrobat exchange form data."""
    from formservice.documents.pdf_fill import _display, _values
    template = pdf_template("first_meeting", data)
    tree: dict = {}
    for path, value, kind in _values("first_meeting", data):
        node = tree
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = "Yes" if value is True else _display(template.slots[path], value)[1]

    def fields(node):
        return "".join(
            f"<field name={quoteattr(name)}>" + (fields(value) if isinstance(value, dict)
                                                else f"<value>{escape(value)}</value>") + "</field>"
            for name, value in node.items())

    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<xfdf xmlns="http://ns.adobe.com/xfdf/" xml:space="preserve"><fields>'
            + fields(tree) + "</fields></xfdf>").encode("utf-8")


def test_pdftk_fills_the_blank_template_and_it_reads_back(tmp_path):
    pdftk = _tool("pdftk")
    data = _expected()
    (tmp_path / "data.xfdf").write_bytes(_xfdf(data))
    (tmp_path / "blank.pdf").write_bytes((TEMPLATE_DIR / "first_meeting.pdf").read_bytes())
    subprocess.run([pdftk, str(tmp_path / "blank.pdf"), "fill_form", str(tmp_path / "data.xfdf"),
                    "output", str(tmp_path / "filled.pdf")], check=True, capture_output=True,
                   timeout=120)
    record, reading = parse_pdf((tmp_path / "filled.pdf").read_bytes())
    assert reading == []
    assert load_data("first_meeting", record["data"])[0] == data


def test_a_reader_that_writes_only_values_and_odd_checkbox_states():
    """Like a browser's viewer or Acrobat: /V set, no appearance, check box "on" named /On."""
    data = _expected()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO((TEMPLATE_DIR / "first_meeting.pdf").read_bytes())))
    from formservice.documents.pdf_fill import _display, _values
    template = pdf_template("first_meeting", data)
    for page in writer.pages:
        for reference in page.get("/Annots", []):
            widget = reference.get_object()
            from formservice.documents.pdf_fill import _field_name
            name = _field_name(widget)
            for path, value, kind in _values("first_meeting", data):
                if path != name:
                    continue
                if value is True:
                    widget[NameObject("/V")] = NameObject("/On")
                    widget[NameObject("/AS")] = NameObject("/On")
                else:
                    widget[NameObject("/V")] = TextStringObject(
                        _display(template.slots[path], value)[0 if kind == "choice" else 1]
                        .replace("\n", "\r"))
                widget.pop("/AP", None)
    out = io.BytesIO()
    writer.write(out)
    record, reading = parse_pdf(out.getvalue())
    assert load_data("first_meeting", record["data"])[0] == data


def _page_image(renderer, pdf: bytes, tmp_path, name) -> Image.Image:
    """Page 1 at 72 dpi as poppler (pdftoppm) or MuPDF (mutool) draws it."""
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    if renderer == "poppler":
        subprocess.run([_tool("pdftoppm"), "-r", "72", "-f", "1", "-l", "1", "-png",
                        str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True, timeout=60)
        image = next(tmp_path.glob(f"{name}-*1.png"))
    else:
        image = tmp_path / f"{name}.png"
        subprocess.run([_tool("mutool"), "draw", "-q", "-r", "72", "-o", str(image),
                        str(tmp_path / f"{name}.pdf"), "1"], check=True, timeout=60,
                       capture_output=True)
    return Image.open(image).convert("L")


@pytest.mark.parametrize("renderer", ["poppler", "mupdf"])
def test_values_are_drawn_in_every_filled_field(tmp_path, renderer):
    data = _expected()
    filled, findings = render_pdf("first_meeting", data, "Holbæk Kommune")
    assert findings == []
    blank, _ = render_pdf("first_meeting", load_data("first_meeting", {})[0], "Holbæk Kommune")
    before = _page_image(renderer, blank, tmp_path, "blank")
    after = _page_image(renderer, filled, tmp_path, "filled")
    diff = ImageChops.difference(before, after)
    page_one = PdfReader(io.BytesIO(filled)).pages[0]
    height = float(page_one.mediabox.height)
    from formservice.documents.pdf_fill import _field_name, _values
    filled_paths = {path for path, _, _ in _values("first_meeting", data)}
    checked = 0
    for reference in page_one["/Annots"]:
        widget = reference.get_object()
        if _field_name(widget) not in filled_paths:
            continue
        x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        box = (int(x1) + 1, int(height - y2) + 1, int(x2) - 1, int(height - y1) - 1)
        assert diff.crop(box).getbbox() is not None, _field_name(widget)
        checked += 1
    assert checked >= 10  # the child's name with ş, ł, ễ among them
