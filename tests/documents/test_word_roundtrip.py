"""parse(render(record)) == record for Word, for every form and hostile text."""
import pytest
from hypothesis import HealthCheck, given, settings

from formservice.documents.word_parse import parse_docx
from formservice.documents.word_render import render_docx
from formservice.forms import FORMS
from formservice.forms.record import load_data, make_record
from strategies import form_data


def roundtrip(form_id, data):
    canonical, findings = load_data(form_id, data)
    assert findings == [], findings
    record, reading = parse_docx(render_docx(form_id, canonical))
    parsed, shape = load_data(form_id, record["data"])
    assert shape == []
    assert reading == []
    return canonical, make_record(form_id, parsed)


@pytest.mark.parametrize("form_id", list(FORMS))
def test_hostile_records_come_back_exactly(form_id):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(form_data(form_id))
    def check(data):
        canonical, record = roundtrip(form_id, data)
        assert record == make_record(form_id, canonical)

    check()


@pytest.mark.parametrize("form_id", list(FORMS))
def test_blank_form_reads_as_empty_record(form_id):
    canonical, record = roundtrip(form_id, {})
    assert record["data"] == canonical
    assert record["form"] == form_id and record["version"] == FORMS[form_id].version


def test_text_keeps_template_syntax_newlines_and_tabs():
    text = "{{ barn }} {% if %} <w:t> & \"citat\" 'x'\n\tÆblegrød 😀\n\n  to mellemrum  "
    canonical, record = roundtrip("first_meeting", {"welcome": {"notes": text}})
    assert record["data"]["welcome"]["notes"] == text


def test_multiline_text_is_written_as_paragraphs_not_line_breaks():
    import io
    import zipfile
    canonical, _ = load_data("first_meeting", {"welcome": {"notes": "én\nto\ntre"}})
    document = zipfile.ZipFile(io.BytesIO(render_docx("first_meeting", canonical)))
    xml = document.read("word/document.xml").decode()
    assert "<w:br" not in xml.split("1. Velkomst")[1].split("2. Præsentationsrunde")[0]
    assert xml.count('w:val="welcome.notes"') == 3
