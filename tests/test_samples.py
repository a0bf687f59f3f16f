"""samples/<form>.json: realistic, complete records that the rules find nothing wrong with."""
import datetime as dt
import json
import pathlib

import pytest

from formservice.forms import FORMS
from formservice.forms.record import load_data
from formservice.rules import check
from formservice.rules.cross import consent_covers, participants_covered

SAMPLES = pathlib.Path(__file__).resolve().parents[1] / "samples"
# The day each record is checked as of: the day it was made.
AS_OF = {"first_meeting": ("meeting", "date"), "follow_up_meeting": ("meeting", "date"),
         "consent": ("validity", "valid_from"), "network_map": ("map", "date")}


def load(form_id):
    raw = json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))
    data, findings = load_data(form_id, raw)
    assert findings == [], findings
    return raw, data


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_sample_loads_in_canonical_shape(form_id):
    raw, data = load(form_id)
    assert data == raw  # the sample is stored in the canonical shape already


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_sample_has_no_findings(form_id):
    _, data = load(form_id)
    section, field = AS_OF[form_id]
    today = dt.date.fromisoformat(data[section][field])
    assert [f.as_dict() for f in check(form_id, data, today=today)] == []


@pytest.mark.parametrize("form_id", ["first_meeting", "follow_up_meeting"])
def test_sample_consent_covers_the_sample_meetings(form_id):
    _, meeting = load(form_id)
    _, consent = load("consent")
    assert consent_covers(consent, meeting["meeting"]["date"]) == []
    assert participants_covered(meeting, [consent]) == []


def test_network_map_sample_spans_every_sector_and_ring():
    _, data = load("network_map")
    assert {p["sector"] for p in data["people"]} == {"family", "friends", "school",
                                                     "professional"}
    assert {p["closeness"] for p in data["people"]} == {1, 2, 3}
    assert len(data["people"]) >= 10
