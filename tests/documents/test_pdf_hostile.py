"""PDFs that are not our forms, are damaged, locked or scripted: a clear reason or findings."""

import hostile_files
import pytest
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from formservice.documents.errors import DocumentError
from formservice.documents.pdf_fill import render_pdf
from formservice.documents.pdf_parse import parse_pdf
from formservice.forms.record import load_data


def _ours() -> bytes:
    data, _ = load_data("consent", {"child": {"name": "Noah"}})
    return render_pdf("consent", data, "Kommunen")[0]


def _rewritten(change) -> bytes:
    return hostile_files.rewritten_pdf(_ours(), change)


def _encrypted():
    return hostile_files.encrypted_pdf(_ours())


_plain_pdf = hostile_files.foreign_pdf


def _no_form():
    def strip(writer):
        del writer._root_object["/AcroForm"]
    return _rewritten(strip)


def _javascript():
    return hostile_files.javascript_pdf(_ours())


def _field_javascript():
    def add(writer):
        page = next(page for page in writer.pages if page.get("/Annots"))
        widget = page["/Annots"][0].get_object()
        widget[NameObject("/AA")] = DictionaryObject({NameObject("/K"): DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")})})
    return _rewritten(add)


CASES = {
    "not a pdf": (b"hello", "ikke en PDF"),
    "encrypted": (_encrypted(), "krypteret"),
    "truncated": (_ours()[:5000], "beskadiget"),
    "garbage after header": (b"%PDF-1.7\n" + bytes(range(256)) * 40, "beskadiget"),
    "foreign pdf": (_plain_pdf(), "ikke en formular fra formservice"),
    "ours without its form": (_no_form(), "fladgjort"),
    "javascript on open": (_javascript(), "JavaScript"),
    "javascript on a field": (_field_javascript(), "JavaScript"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_refused_with_a_reason(name):
    content, reason = CASES[name]
    with pytest.raises(DocumentError) as caught:
        parse_pdf(content)
    assert reason in str(caught.value)


def _renamed(old: str, new: str | None) -> bytes:
    def change(writer):
        for page in writer.pages:
            for reference in page.get("/Annots", []):
                widget = reference.get_object()
                parent = widget["/Parent"].get_object()
                if parent.get("/T") == old.split(".")[0] and widget.get("/T") == old.split(".")[1]:
                    if new is None:
                        kids = parent["/Kids"]
                        kids.remove(reference)
                    else:
                        widget[NameObject("/T")] = TextStringObject(new)
    return _rewritten(change)


def test_field_removed_is_a_warning_and_read_as_empty():
    record, findings = parse_pdf(_renamed("child.name", None))
    assert record["data"]["child"]["name"] is None
    assert [(f.code, f.path) for f in findings] == [("pdf.field_missing", "child.name")]


def test_field_renamed_is_reported_both_ways():
    record, findings = parse_pdf(_renamed("child.name", "navn"))
    assert {(f.code, f.path) for f in findings} == {
        ("pdf.field_missing", "child.name"), ("pdf.field_unknown", "child.navn")}
    assert all(f.severity == "warning" for f in findings)
