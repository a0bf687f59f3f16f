"""Files that are not our forms, or are built to hurt, are refused with a Danish reason."""
import io
import os
import zipfile

import hostile_files
import pytest

from formservice.documents.errors import DocumentError
from formservice.documents.word_parse import parse_docx
from formservice.documents.word_render import render_docx
from formservice.forms.record import load_data


def _ours() -> bytes:
    data, _ = load_data("consent", {"child": {"name": "Noah"}})
    return render_docx("consent", data)


_replace = hostile_files.zip_replace
_foreign_docx = hostile_files.foreign_docx
BILLION_LAUGHS = hostile_files.BILLION_LAUGHS


CASES = {
    "random bytes": (os.urandom(4096), "ikke et Word-dokument"),
    "empty file": (b"", "ikke et Word-dokument"),
    "zip without document.xml": (_replace(_ours(), {"word/document.xml": None}), "word/document.xml"),
    "foreign docx": (_foreign_docx(), "ikke en formular fra formservice"),
    "macro-enabled docm": (_replace(_ours(), {}, [("word/vbaProject.bin", b"\0" * 64)]), "makroer"),
    "entity bomb": (_replace(_ours(), {"word/document.xml": BILLION_LAUGHS}), "DOCTYPE"),
    "zip bomb": (hostile_files.zip_bomb(), "mistænkeligt stor"),
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
