"""The CPR row appears, and round-trips, only where the municipality turns CPR on."""
from formservice.documents import word_render
from formservice.documents.word_parse import parse_docx
from formservice.forms.record import load_data


def test_cpr_round_trips_when_enabled(monkeypatch):
    monkeypatch.setenv("FORMSERVICE_CPR_ENABLED", "1")
    data, findings = load_data("consent", {"child": {"name": "Ida", "cpr": "140522-1234"}})
    assert findings == []
    record, reading = parse_docx(word_render.render_docx("consent", data))
    assert record["data"]["child"]["cpr"] == "140522-1234" and reading == []


def test_no_cpr_row_when_disabled(monkeypatch):
    monkeypatch.delenv("FORMSERVICE_CPR_ENABLED", raising=False)
    data, _ = load_data("consent", {"child": {"name": "Ida"}})
    document = word_render.render_docx("consent", data)
    import io
    import zipfile
    xml = zipfile.ZipFile(io.BytesIO(document)).read("word/document.xml").decode()
    assert "CPR-nummer" not in xml and "child.cpr" not in xml
