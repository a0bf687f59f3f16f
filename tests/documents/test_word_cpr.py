"""The CPR row appears, and round-trips, only where the municipality turns CPR on."""
import io
import zipfile

import pytest

from formservice.documents import word_render
from formservice.documents.word_parse import parse_docx
from formservice.forms import options
from formservice.forms.record import load_data


@pytest.fixture
def form_options():
    options.reset()
    yield options
    options.reset()


def test_cpr_round_trips_when_enabled(form_options):
    form_options.configure(cpr_enabled=True)
    data, findings = load_data("consent", {"child": {"name": "Ida", "cpr": "140522-1234"}})
    assert findings == []
    record, reading = parse_docx(word_render.render_docx("consent", data))
    assert record["data"]["child"]["cpr"] == "140522-1234" and reading == []


def test_no_cpr_row_when_disabled(form_options):
    data, _ = load_data("consent", {"child": {"name": "Ida"}})
    document = word_render.render_docx("consent", data)
    xml = zipfile.ZipFile(io.BytesIO(document)).read("word/document.xml").decode()
    assert "CPR-nummer" not in xml and "child.cpr" not in xml
