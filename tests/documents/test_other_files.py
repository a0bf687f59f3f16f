"""Files that are not a filled form get their own Danish answer saying what to do."""
import io
import zipfile

import pytest
from PIL import Image, ImageDraw

from formservice.documents.errors import DocumentError
from formservice.documents.pdf_fill import flatten_pdf, render_pdf
from formservice.documents.pdf_parse import parse_pdf
from formservice.documents.word_parse import parse_docx
from formservice.forms.record import load_data


def _photo(fmt: str) -> bytes:
    image = Image.new("RGB", (400, 560), "white")
    ImageDraw.Draw(image).text((20, 20), "Barnets navn: Ida", fill="black")
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def _scan_pdf() -> bytes:
    """What a scanner or a phone app makes: each page one picture."""
    out = io.BytesIO()
    pages = [Image.new("RGB", (595, 842), "white") for _ in range(2)]
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=72)
    return out.getvalue()


def _ocr_scan_pdf() -> bytes:
    """A scan with an invisible OCR text layer (text render mode 3) over the picture."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    picture = io.BytesIO()
    Image.new("RGB", (595, 842), "white").save(picture, "PNG")
    pdf.drawImage(ImageReader(io.BytesIO(picture.getvalue())), 0, 0, 595, 842)
    text = pdf.beginText(40, 800)
    text.setTextRenderMode(3)
    text.textLine("Barnets navn Ida")
    pdf.drawText(text)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
    return out.getvalue()


def _ole(stream_name: str) -> bytes:
    """An OLE compound file whose directory names `stream_name` (UTF-16, as on disk)."""
    return (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
            + stream_name.encode("utf-16-le") + b"\0" * 2000)


def _flattened() -> bytes:
    data, _ = load_data("consent", {"child": {"name": "Noah"}})
    return flatten_pdf(render_pdf("consent", data, "Kommunen")[0])


CASES = {
    "png photo": (_photo("PNG"), "billede (PNG)", "udfyld formularen direkte i browseren"),
    "jpeg photo": (_photo("JPEG"), "billede (JPEG)", "Hent formularen fra tjenesten"),
    "odt": (_odt(), ".odt", "gem det som Word-dokument (.docx)"),
    "legacy doc": (_ole("WordDocument"), "gamle Word-format (.doc)", "Gem som"),
    "encrypted docx": (_ole("EncryptedPackage"), "adgangskode", "Fjern adgangskoden"),
    "rtf": (b"{\\rtf1\\ansi Hej}", "RTF", ".docx"),
    "scanned pdf": (_scan_pdf(), "Det ser ud til at være en scannet formular", "i browseren"),
    "scanned pdf with OCR text": (_ocr_scan_pdf(), "scannet formular", "Hent formularen"),
    "flattened pdf": (_flattened(), "fladgjort", "Udskriv til PDF"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_other_file_gets_its_own_answer(name):
    content, what, what_to_do = CASES[name]
    parse = parse_pdf if content.startswith(b"%PDF-") else parse_docx
    with pytest.raises(DocumentError) as caught:
        parse(content)
    assert what in str(caught.value)
    assert what_to_do in str(caught.value)


@pytest.mark.parametrize("name", ["png photo", "odt", "legacy doc"])
def test_the_pdf_entry_point_answers_the_same(name):
    content, what, _ = CASES[name]
    with pytest.raises(DocumentError, match=what.replace("(", r"\(").replace(")", r"\)")
                       .replace(".", r"\.")):
        parse_pdf(content)


def test_messages_differ():
    messages = set()
    for content, _, _ in CASES.values():
        parse = parse_pdf if content.startswith(b"%PDF-") else parse_docx
        with pytest.raises(DocumentError) as caught:
            parse(content)
        messages.add(str(caught.value).split(".")[0])
    assert len(messages) >= 7


def test_a_plain_pdf_with_text_is_not_called_a_scan():
    import hostile_files
    with pytest.raises(DocumentError) as caught:
        parse_pdf(hostile_files.foreign_pdf())
    assert "ikke en formular fra formservice" in str(caught.value)
