"""Every printed page knows what it is: corner marks and a QR code (page_marks.py) on every
page of every PDF the service makes, read back from a raster as a scan would be."""
from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import segno
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader

from formservice.documents import page_marks
from formservice.documents.page_layout import page_layouts
from formservice.documents.page_marks import (CORNER_MARKS, MARK_SIZE, QR_RECT, PageMark, decode,
                                              encode, pdf_marks, qr_matrix, qr_png)
from formservice.documents.pdf_fill import TEMPLATE_DIR, flatten_pdf, render_pdf
from formservice.documents.pdf_template import BOTTOM, MARGIN, PAGE_H, PAGE_W, build_pdf_template
from formservice.documents.word_render import TEMPLATE_DIR as WORD_TEMPLATE_DIR
from formservice.documents.word_render import render_docx
from formservice.documents.word_template import QR_MM, QR_NAME, QR_TOP_MM, build_template
from formservice.forms import FORMS, get_form
from formservice.forms.record import load_data

from external_tools import required_tool

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MM = 72 / 25.4
DPI = 150
MUNICIPALITY = "Holbæk Kommune"


def sample(form_id: str) -> dict:
    data, findings = load_data(form_id, json.loads((SAMPLES / f"{form_id}.json").read_text()))
    assert findings == []
    return data


def blank(form_id: str) -> dict:
    data, _ = load_data(form_id, {})
    return data


# ------------------------------------------------------------------ the payload

MARKS = [
    PageMark("first_meeting", 3, 2, 5, "K7Q2M9X4TB"),
    PageMark("follow_up_meeting", 1, 1, 1),
    PageMark("follow_up_meeting", 1, 12, 12, "K7Q2M9X4TB"),
    PageMark("consent", 1, 0, 0, "abc_-DEF09", "docx"),
    PageMark("network_map", 7, 99, 100, None, "pdf"),
]


@pytest.mark.parametrize("mark", MARKS)
def test_a_mark_comes_back_from_its_text(mark):
    text = encode(mark)
    assert decode(text) == mark
    assert text.startswith("FS1|") and mark.form_id in text


def test_the_text_has_the_agreed_shape():
    assert encode(PageMark("first_meeting", 3, 2, 5, "K7Q2M9X4TB")) == (
        "FS1|first_meeting|3|2|5|K7Q2M9X4TB|p")
    assert encode(PageMark("consent", 1, 0, 0, None, "docx")) == "FS1|consent|1|0|0||d"


@pytest.mark.parametrize("text", [
    "", "FS1", "FS1|", "https://example.org/FS1|first_meeting|1|1|1||p",
    "FS2|first_meeting|1|1|1||p",            # another format
    "fs1|first_meeting|1|1|1||p",
    "FS1|unknown_form|1|1|1||p",             # a form the service does not know
    "FS1|First_meeting|1|1|1||p",
    "FS1|first_meeting|1|1|1||p|",           # a field too many
    "FS1|first_meeting|1|1|1|p",             # a field too few
    "FS1|first_meeting|0|1|1||p",            # no version 0
    "FS1|first_meeting|01|1|1||p",           # no leading zero
    "FS1|first_meeting|-1|1|1||p",
    "FS1|first_meeting|1|0|1||p",            # a PDF page is 1-based
    "FS1|first_meeting|1|3|2||p",            # page 3 of 2
    "FS1|first_meeting|1|1|1||d",            # a Word page has no number
    "FS1|first_meeting|1|0|0||p",
    "FS1|first_meeting|1|1|1||x",            # neither PDF nor Word
    "FS1|first_meeting|1|1|1|a b|p",         # a document id is one token
    "FS1|first_meeting|1|1|1|" + "A" * 33 + "|p",
    "FS1|first_meeting|١|1|1||p",            # digits are ASCII digits
    "FS1|first_meeting|1|1|1||p\n",
    " FS1|first_meeting|1|1|1||p",
    "FS1|first_meeting|1|1|1|Åse|p",
    "FS1|first_meeting|1.0|1|1||p",
    "FS1|first_meeting|1|1|1||p" * 10,
])
def test_anything_but_our_format_is_no_mark(text):
    assert decode(text) is None


@pytest.mark.parametrize("value", [None, 7, b"FS1|first_meeting|1|1|1||p", ["FS1"], object()])
def test_decode_takes_any_value_without_raising(value):
    assert decode(value) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_garbage_never_raises(text):
    mark = decode(text)
    assert mark is None or encode(mark) == text


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 36), st.characters())
def test_a_garbled_payload_is_no_mark_or_exactly_what_it_says(at, letter):
    text = encode(PageMark("first_meeting", 1, 2, 5, "K7Q2M9X4TB"))
    garbled = text[:at] + letter + text[at + 1:]
    mark = decode(garbled)
    assert mark is None or encode(mark) == garbled


@pytest.mark.parametrize("mark", [
    PageMark("nope", 1, 1, 1), PageMark("consent", 0, 1, 1), PageMark("consent", 1, 2, 1),
    PageMark("consent", 1, 1, 1, "a|b"), PageMark("consent", 1, 1, 1, ""),
    PageMark("consent", 1, 1, 1, source="odt"), PageMark("consent", 1, 1, 1, source="docx"),
])
def test_a_mark_that_would_not_read_back_is_refused(mark):
    with pytest.raises(ValueError):
        encode(mark)


def test_the_qr_is_small_version_3_at_level_m():
    for form_id in FORMS:
        for pages in (1, 9, 12, 99):
            for document_id in (None, "K7Q2M9X4TB"):
                text = encode(PageMark(form_id, get_form(form_id).version, pages, pages,
                                       document_id))
                code = segno.make_qr(text, error="m", version=3, boost_error=False)
                assert code.version == 3 and code.error == "M"
                assert len(qr_matrix(decode(text))) == 29


# ------------------------------------------------------------------ geometry

def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _mark_box(centre, grow=0.0):
    half = MARK_SIZE / 2 + grow
    return (centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half)


def test_marks_sit_in_the_margins_where_printers_print():
    assert 4.5 * MM <= MARK_SIZE <= 5.5 * MM
    for x1, y1, x2, y2 in map(_mark_box, CORNER_MARKS.values()):
        assert min(x1, y1, PAGE_W - x2, PAGE_H - y2) >= 7 * MM - 0.01
        assert x2 < MARGIN or x1 > PAGE_W - MARGIN  # outside the text's width
    x1, y1, x2, y2 = QR_RECT
    assert 16 * MM <= x2 - x1 <= 18 * MM + 0.01 and abs((x2 - x1) - (y2 - y1)) < 0.01
    assert min(x1, y1, PAGE_W - x2, PAGE_H - y2) >= 7 * MM - 0.01
    assert y2 < BOTTOM  # below the page's content
    assert page_marks.CONTENT_MARGIN == MARGIN
    for corner in CORNER_MARKS.values():
        assert not _overlap(_mark_box(corner, 2), QR_RECT)


def test_the_marks_are_one_artifact_of_black_rectangles():
    ops = pdf_marks(PageMark("consent", 1, 1, 3))
    assert ops.startswith(b"/Artifact BMC q") and ops.endswith(b"Q EMC")
    assert b"Tf" not in ops and b"Do" not in ops  # no resources
    assert ops.count(b"q") == ops.count(b"Q")


def _pages(pdf: bytes):
    document = pdfium.PdfDocument(pdf)
    for index in range(len(document)):
        page = document[index]
        image = page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
        chars = []
        text = page.get_textpage()
        for at in range(text.count_chars()):
            box = text.get_charbox(at)
            if box[2] > box[0]:
                chars.append(box)
        yield image, chars


def _pixel(image: Image.Image, x: float, y: float) -> int:
    return image.getpixel((round(x * DPI / 72), round((PAGE_H - y) * DPI / 72)))


def check_pages(pdf: bytes, form_id: str, document_id: str | None = None,
                layouts=None) -> int:
    """Every page's QR reads back with its number, the corner marks are where they should
    be, and nothing else is drawn where the marks are; returns the page count."""
    version = get_form(form_id).version
    pages = list(_pages(pdf))
    for number, (image, chars) in enumerate(pages, start=1):
        found = [decode(code.text) for code in zxingcpp.read_barcodes(image)]
        assert found == [PageMark(form_id, version, number, len(pages), document_id)], number
        for corner in CORNER_MARKS.values():
            assert _pixel(image, *corner) < 60
            outside = MARK_SIZE / 2 + 2.5
            for dx, dy in ((outside, 0), (-outside, 0), (0, outside), (0, -outside)):
                assert _pixel(image, corner[0] + dx, corner[1] + dy) > 200
        # the quiet zone and a ring around the QR are white: nothing drawn into it
        x1, y1, x2, y2 = QR_RECT
        quiet = (x2 - x1) / (len(qr_matrix(found[0])) + 4)
        for t in (0.1, 0.3, 0.5, 0.7, 0.9):
            for inset in (-2.0, quiet * 0.5, quiet * 1.5):
                for x, y in ((x1 + inset, y1 + t * (y2 - y1)), (x2 - inset, y1 + t * (y2 - y1)),
                             (x1 + t * (x2 - x1), y1 + inset), (x1 + t * (x2 - x1), y2 - inset)):
                    assert _pixel(image, x, y) > 200, (number, x, y)
        for box in chars:  # no header, footer or content text where the marks are
            assert not _overlap(box, QR_RECT), box
            for corner in CORNER_MARKS.values():
                assert not _overlap(box, _mark_box(corner, 1)), box
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        for annotation in page.get("/Annots", []):
            rect = [float(v) for v in annotation.get_object()["/Rect"]]
            assert not _overlap(rect, QR_RECT)
            for corner in CORNER_MARKS.values():
                assert not _overlap(rect, _mark_box(corner, 1))
    return len(pages)


@pytest.mark.parametrize("form_id", list(FORMS))
def test_the_blank_template_file_carries_the_marks(form_id):
    template = (TEMPLATE_DIR / f"{form_id}.pdf").read_bytes()
    assert template == build_pdf_template(form_id)  # rebuilt, reproducibly
    check_pages(template, form_id)


@pytest.mark.parametrize("form_id", list(FORMS))
def test_a_blank_form_as_the_service_prints_it(form_id):
    pdf, _ = render_pdf(form_id, blank(form_id), MUNICIPALITY)
    assert check_pages(pdf, form_id) == len(page_layouts(form_id))


@pytest.mark.parametrize("form_id", list(FORMS))
def test_a_filled_form_filled_and_flattened(form_id):
    data = sample(form_id)
    pdf, _ = render_pdf(form_id, data, MUNICIPALITY, contact="Ring 72 36 36 36",
                        document_id="K7Q2M9X4TB")
    count = check_pages(pdf, form_id, "K7Q2M9X4TB")
    assert count == len(page_layouts(form_id, data, contact="Ring 72 36 36 36"))
    assert check_pages(flatten_pdf(pdf), form_id, "K7Q2M9X4TB") == count


def test_continuation_pages_and_extra_rows_are_numbered_on():
    data = sample("first_meeting")
    data["welcome"]["notes"] = "Meget lang tekst om barnets dag. " * 300
    data["participants"] = [dict(data["participants"][0], name=f"Deltager {i}")
                            for i in range(15)]
    pdf, drawing = render_pdf("first_meeting", data, MUNICIPALITY, document_id="A1")
    assert "pdf.text_overflow" in {finding.code for finding in drawing}
    count = check_pages(pdf, "first_meeting", "A1")
    layouts = page_layouts("first_meeting", data)
    assert count == len(layouts) and layouts[-1].continuation
    assert count > len(page_layouts("first_meeting"))


def test_the_document_id_is_optional_and_existing_callers_unchanged():
    data = sample("consent")
    first, _ = render_pdf("consent", data, MUNICIPALITY)
    again, _ = render_pdf("consent", data, MUNICIPALITY, document_id=None)
    assert first == again
    marked, _ = render_pdf("consent", data, MUNICIPALITY, document_id="Z9")
    assert marked != first


def test_the_marks_keep_the_pdf_tagged():
    pdf, _ = render_pdf("consent", sample("consent"), MUNICIPALITY, document_id="Z9")
    reader = PdfReader(io.BytesIO(pdf))
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    for page in reader.pages:
        content = page.get_contents().get_data()
        at = content.index(b"/Artifact BMC q 0 g")
        assert content.index(b"EMC", at) > content.index(b" f Q", at)


# ------------------------------------------------------------------ the PNG

def test_the_png_reads_back():
    mark = PageMark("network_map", 1, 0, 0, "K7Q2M9X4TB", "docx")
    png = qr_png(mark, 200)
    image = Image.open(io.BytesIO(png))
    assert image.size == (200, 200)
    assert [decode(code.text) for code in zxingcpp.read_barcodes(image)] == [mark]




# ------------------------------------------------------------------ Word

def _header_qr(docx: bytes) -> Image.Image:
    """The picture of the QR code in the header, found as Word finds it: the header's
    drawing named QR-kode, its relationship, the part."""
    package = zipfile.ZipFile(io.BytesIO(docx))
    header = package.read("word/header1.xml").decode()
    drawing = header[header.index(f'name="{QR_NAME}"'):]
    r_id = re.search(r'r:embed="([^"]+)"', drawing).group(1)
    rels = package.read("word/_rels/header1.xml.rels").decode()
    target = re.search(rf'Id="{r_id}"[^>]*Target="([^"]+)"', rels).group(1)
    return Image.open(io.BytesIO(package.read(f"word/{target}")))


@pytest.mark.parametrize("form_id", list(FORMS))
def test_the_word_header_qr_reads_back(form_id):
    version = get_form(form_id).version
    template = (WORD_TEMPLATE_DIR / f"{form_id}.docx").read_bytes()
    assert template == build_template(form_id)  # rebuilt, reproducibly
    expected = PageMark(form_id, version, 0, 0, None, "docx")
    for docx, document_id in ((template, None),
                              (render_docx(form_id, blank(form_id), MUNICIPALITY), None),
                              (render_docx(form_id, sample(form_id), MUNICIPALITY,
                                           document_id="K7Q2M9X4TB"), "K7Q2M9X4TB")):
        names = zipfile.ZipFile(io.BytesIO(docx)).namelist()
        assert len(names) == len(set(names))
        found = [decode(code.text) for code in zxingcpp.read_barcodes(_header_qr(docx))]
        assert found == [PageMark(form_id, version, 0, 0, document_id, "docx")]
        assert encode(expected)  # the blank's mark is a valid one


def test_word_pages_show_the_qr_and_the_corner_marks(tmp_path):
    """LibreOffice prints every page with the QR and the four corner marks where a PDF
    page has them, a landscape page (the follow-up's review of actions) included."""
    soffice = required_tool("soffice")
    (tmp_path / "follow_up.docx").write_bytes(render_docx(
        "follow_up_meeting", sample("follow_up_meeting"), MUNICIPALITY, document_id="W1"))
    (tmp_path / "network_map.docx").write_bytes(render_docx(
        "network_map", blank("network_map"), MUNICIPALITY))
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "lo"),
                    str(tmp_path / "follow_up.docx"), str(tmp_path / "network_map.docx")],
                   check=True, capture_output=True, timeout=300)
    landscape = 0
    for name, form_id, document_id in (("follow_up", "follow_up_meeting", "W1"),
                                       ("network_map", "network_map", None)):
        document = pdfium.PdfDocument(str(tmp_path / "lo" / f"{name}.pdf"))
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            landscape += width > height
            image = page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
            found = [decode(code.text) for code in zxingcpp.read_barcodes(image)]
            assert found == [PageMark(form_id, 1, 0, 0, document_id, "docx")], (name, index)
            def pixel(px, py, image=image, height=height):
                return image.getpixel((round(px * DPI / 72), round((height - py) * DPI / 72)))

            centre = 9.5 * MM
            for x, y in ((centre, centre), (width - centre, centre), (centre, height - centre),
                         (width - centre, height - centre)):
                assert pixel(x, y) < 60, (name, index, x, y)
                outside = MARK_SIZE / 2 + 2.5
                for dx, dy in ((outside, 0), (-outside, 0), (0, outside), (0, -outside)):
                    assert pixel(x + dx, y + dy) > 200
            right = width - 20 * MM  # the QR: right-aligned with the text, 6 mm from the top
            qr = (right - QR_MM * MM, height - (QR_TOP_MM + QR_MM) * MM, right,
                  height - QR_TOP_MM * MM)
            assert pixel(qr[0] + 1, qr[1] + 1) > 200 and pixel(qr[2] + 3, qr[3] - 5) > 200
            chars = page.get_textpage()
            for at in range(chars.count_chars()):
                box = chars.get_charbox(at)
                assert not _overlap(box, qr), (name, index, box)
                for x, y in ((centre, centre), (width - centre, centre),
                             (centre, height - centre), (width - centre, height - centre)):
                    assert not _overlap(box, (x - 9, y - 9, x + 9, y + 9))
    assert landscape >= 1
