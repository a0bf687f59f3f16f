"""parse(render_pdf(record)) == record, however hostile the text, however many rows."""
import pytest
from hypothesis import HealthCheck, given, settings

from formservice.documents.pdf_fill import flatten_pdf, render_pdf
from formservice.documents.pdf_parse import parse_pdf
from formservice.forms import FORMS
from formservice.forms.record import load_data
from strategies import form_data


def roundtrip(form_id, data):
    canonical, findings = load_data(form_id, data)
    assert findings == []
    document, drawing = render_pdf(form_id, canonical, "Holbæk Kommune")
    record, reading = parse_pdf(document)
    assert reading == []
    parsed, shape = load_data(form_id, record["data"])
    assert shape == []
    return canonical, parsed, drawing


@pytest.mark.parametrize("form_id", list(FORMS))
def test_hostile_records_come_back_exactly(form_id):
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(form_data(form_id))
    def check(data):
        canonical, parsed, _ = roundtrip(form_id, data)
        assert parsed == canonical

    check()


def test_more_rows_than_the_template_go_on_continuation_pages():
    people = [{"name": f"Person {i} Ærø", "sector": "family", "closeness": 1 + i % 3}
              for i in range(23)]
    canonical, parsed, _ = roundtrip("network_map", {"people": people})
    assert parsed == canonical and len(parsed["people"]) == 23


def test_letters_of_the_families_we_serve_are_drawn_and_emoji_reported():
    name = "Şeyma Yılmaz Łukasz Wiśniewski Nguyễn Thị Ơn Hạnh Cabdullaahi – 250 €"
    canonical, parsed, drawing = roundtrip("consent", {"child": {"name": name}})
    assert parsed["child"]["name"] == name and drawing == []
    canonical, parsed, drawing = roundtrip("consent", {"child": {"name": "Ida 😀"}})
    assert parsed["child"]["name"] == "Ida 😀"
    assert [(f.code, f.path) for f in drawing] == [("pdf.glyph_missing", "child.name")]
    assert "U+1F600" in drawing[0].message


def test_text_too_long_for_its_box_is_kept_whole_and_reported():
    long_text = "Meget lang tekst. " * 400
    canonical, parsed, drawing = roundtrip("first_meeting", {"welcome": {"notes": long_text}})
    assert parsed["welcome"]["notes"] == long_text
    assert [f.code for f in drawing] == ["pdf.text_overflow"]


def test_flattened_pdf_has_no_fields():
    data, _ = load_data("consent", {"child": {"name": "Åse"}})
    document, _ = render_pdf("consent", data, "Kommunen")
    from pypdf import PdfReader
    import io
    flat = PdfReader(io.BytesIO(flatten_pdf(document)))
    assert flat.get_fields() is None
    assert all("/Annots" not in page for page in flat.pages)


def test_a_word_longer_than_its_box_is_broken_in_one_pass():
    from formservice.documents.pdf_fill import _break_long
    from formservice.documents.pdf_font import field_font
    font = field_font()
    text = "Æ" * 5000
    pieces = _break_long(font, text, limit=font.units_of("Æ" * 40))
    assert "".join(pieces) == text
    assert {len(piece) for piece in pieces[:-1]} == {40}


def test_very_long_text_is_refused_before_it_reaches_a_document():
    canonical, findings = load_data("first_meeting", {"welcome": {"notes": "x" * 20_001}})
    assert canonical is None and findings[0].path == "welcome.notes"
