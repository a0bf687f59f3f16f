"""A typed 0 is a value: a row whose only value is 0 is kept (and 0 is then a finding where
the field starts at 1), never dropped as empty because 0 == False in Python."""
from __future__ import annotations

import io
import json
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from documents.word_editing import WordDocument
from formservice.config import Profile
from formservice.documents.pdf_fill import render_pdf
from formservice.documents.pdf_parse import parse_pdf
from formservice.documents.word_parse import parse_docx
from formservice.documents.word_render import render_docx
from formservice.forms.record import load_data
from formservice.services import forms

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "first_meeting.json"


def _two_actions() -> dict:
    raw = json.loads(SAMPLE.read_text(encoding="utf-8"))
    raw["actions"] = raw["actions"][:2]
    return load_data("first_meeting", raw)[0]


def _kept_and_reported(record, reading):
    assert len(record["data"]["actions"]) == 3
    assert record["data"]["actions"][2]["priority"] in (0, "0")
    checked = forms.read_back(Profile(name="K"), "first_meeting", record["data"], reading)
    assert [f.path for f in checked.findings if f.path.startswith("actions.2")] == \
        ["actions.2.priority"]


def test_a_zero_typed_alone_in_a_pdf_row_is_kept():
    pdf, _ = render_pdf("first_meeting", _two_actions(), "Kommunen")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        writer.update_page_form_field_values(page, {"actions.2.priority": "0"},
                                             auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    _kept_and_reported(*parse_pdf(out.getvalue()))


def test_a_zero_typed_alone_in_a_word_row_is_kept():
    document = WordDocument(render_docx("first_meeting", _two_actions(), "Kommunen"))
    document.type_text("actions.2.priority", "0")
    _kept_and_reported(*parse_docx(document.save()))
