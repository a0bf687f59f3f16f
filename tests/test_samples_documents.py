"""samples/<form>.docx — the filled forms as staff return them — read back to the JSON."""
import json
from pathlib import Path

import pytest

import formtools as records
from formservice.forms import FORMS
from formservice.forms.record import load_data

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.mark.parametrize("form_id", list(FORMS))
def test_sample_document_reads_back_to_sample_data(form_id):
    expected, _ = load_data(form_id, json.loads((SAMPLES / f"{form_id}.json").read_text("utf-8")))
    record, findings = records.parse((SAMPLES / f"{form_id}.docx").read_bytes(),
                                     today=_meeting_day(expected))
    assert record == {"form": form_id, "version": FORMS[form_id].version, "data": expected}
    assert [f for f in findings if f.severity == "error"] == []


def _meeting_day(data):
    import datetime as dt
    for section, field in (("meeting", "date"), ("map", "date"), ("validity", "valid_from")):
        if data.get(section, {}).get(field):
            return dt.date.fromisoformat(data[section][field])
    return None
