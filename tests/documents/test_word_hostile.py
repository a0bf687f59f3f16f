"""Files that are not our forms, or are built to hurt, are refused with a Danish reason."""
import io
import os
import zipfile

import pytest
from docx import Document

from formservice.documents.errors import DocumentError
from formservice.documents.word_parse import parse_docx
from formservice.documents.word_render import render_docx
from formservice.forms.record import load_data


def _ours() -> bytes:
    data, _ = load_data("consent", {"child": {"name": "Noah"}})
    return render_docx("consent", data)


def _replace(docx: bytes, replacements: dict[str, bytes | None], extra=()) -> bytes:
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


def _foreign_docx() -> bytes:
    document = Document()
    document.add_paragraph("Referat fra forældremøde")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"""


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        with target.open("word/document.xml", "w") as part:
            block = b"\0" * (1024 * 1024)
            for _ in range(40):
                part.write(block)
    return out.getvalue()


CASES = {
    "random bytes": (os.urandom(4096), "ikke et Word-dokument"),
    "empty file": (b"", "ikke et Word-dokument"),
    "zip without document.xml": (_replace(_ours(), {"word/document.xml": None}), "word/document.xml"),
    "foreign docx": (_foreign_docx(), "ikke en formular fra formservice"),
    "macro-enabled docm": (_replace(_ours(), {}, [("word/vbaProject.bin", b"\0" * 64)]), "makroer"),
    "entity bomb": (_replace(_ours(), {"word/document.xml": BILLION_LAUGHS}), "DOCTYPE"),
    "zip bomb": (_zip_bomb(), "mistænkeligt stor"),
    "encrypted or .doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "adgangskode"),
    "truncated": (_ours()[:3000], "beskadiget"),
    "broken xml": (_replace(_ours(), {"word/document.xml": b"<w:document><w:body>"}), "beskadiget"),
    "unknown form id": (_replace(_ours(), {"docProps/custom.xml": zipfile.ZipFile(
        io.BytesIO(_ours())).read("docProps/custom.xml").replace(b">consent<", b">tax_return<")}),
        "tax_return"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file_is_refused_with_reason(name):
    content, reason = CASES[name]
    with pytest.raises(DocumentError) as caught:
        parse_docx(content)
    assert reason in str(caught.value)


def test_macro_content_type_alone_is_refused():
    docx = _ours()
    types = zipfile.ZipFile(io.BytesIO(docx)).read("[Content_Types].xml").replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")
    with pytest.raises(DocumentError, match="makroer"):
        parse_docx(_replace(docx, {"[Content_Types].xml": types}))
