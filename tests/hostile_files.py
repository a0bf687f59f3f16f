"""Files built to hurt a form reader, shared by the document, service and page tests."""
from __future__ import annotations

import io
import zipfile

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"""


def zip_replace(docx: bytes, replacements: dict[str, bytes | None], extra=()) -> bytes:
    """The package with some parts replaced (None: removed) and `extra` parts added."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name in replacements:
                if replacements[name] is not None:
                    target.writestr(name, replacements[name])
            else:
                target.writestr(name, source.read(name))
        for name, content in extra:
            target.writestr(name, content)
    return out.getvalue()


def zip_bomb(megabytes: int = 40) -> bytes:
    """A .docx-looking zip whose document.xml unpacks to `megabytes` of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        with target.open("word/document.xml", "w") as part:
            block = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                part.write(block)
    return out.getvalue()


def entity_bomb(docx: bytes) -> bytes:
    return zip_replace(docx, {"word/document.xml": BILLION_LAUGHS})


def docm(docx: bytes) -> bytes:
    return zip_replace(docx, {}, [("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 60)])


def foreign_docx() -> bytes:
    from docx import Document
    document = Document()
    document.add_paragraph("Referat fra forældremøde")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rewritten_pdf(pdf: bytes, change) -> bytes:
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(pdf: bytes) -> bytes:
    return rewritten_pdf(pdf, lambda writer: writer.encrypt("hemmelig"))


def javascript_pdf(pdf: bytes) -> bytes:
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def add(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hej')")})
    return rewritten_pdf(pdf, add)


def foreign_pdf() -> bytes:
    from reportlab.pdfgen import canvas
    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    sheet.drawString(72, 720, "Referat")
    sheet.save()
    return out.getvalue()
