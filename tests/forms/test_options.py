"""forms.options: settings passed in by configure(), never read from the environment."""
import pytest

from formservice.forms import blocks, layout
from formservice.forms.jsonschema import form_json_schema
from formservice.forms.record import load_data

THREE = (("UM", "Udviklingsmøde"), ("NM", "Netværksmøde"), ("SM", "Samarbejdsmøde"))


def _meeting(meeting_type):
    return {"meeting": {"meeting_type": meeting_type}}


def test_defaults(form_options):
    assert form_options.meeting_types() == (("UM", "Udviklingsmøde"), ("NM", "Netværksmøde"))
    assert form_options.cpr_enabled() is False
    assert layout.cpr_enabled() is False


def test_the_environment_is_not_read(form_options, monkeypatch):
    monkeypatch.setenv("FORMSERVICE_MEETING_TYPES", "SM=Samarbejdsmøde")
    monkeypatch.setenv("FORMSERVICE_CPR_ENABLED", "1")
    assert blocks.meeting_types() == form_options.DEFAULT_MEETING_TYPES
    assert layout.cpr_enabled() is False


def test_the_schema_follows_configure_at_run_time(form_options):
    _, findings = load_data("first_meeting", _meeting("SM"))
    assert [f.path for f in findings] == ["meeting.meeting_type"]
    assert "Samarbejdsmøde" not in findings[0].message
    form_options.configure(meeting_types=THREE)
    data, findings = load_data("first_meeting", _meeting("SM"))
    assert findings == [] and data["meeting"]["meeting_type"] == "SM"
    form_options.configure(meeting_types={"UM": "Udviklingsmøde"})
    _, findings = load_data("follow_up_meeting", _meeting("NM"))
    assert findings[0].message == "Mødetype: Vælg en af: Udviklingsmøde."


def test_the_layout_and_json_schema_follow_configure(form_options):
    spec = layout.sections("first_meeting")[0].field("meeting_type")
    assert spec.options == form_options.DEFAULT_MEETING_TYPES
    form_options.configure(meeting_types=THREE)
    for sections in (layout.sections("first_meeting"), layout.all_sections("first_meeting")):
        assert sections[0].field("meeting_type").options == THREE
    schema = form_json_schema("follow_up_meeting")
    assert schema["properties"]["meeting"]["properties"]["meeting_type"]["enum"] == [
        "UM", "NM", "SM", None]
    form_options.reset()
    assert layout.sections("first_meeting")[0].field("meeting_type").options == \
        form_options.DEFAULT_MEETING_TYPES


def test_cpr_setting_changes_the_layout(form_options):
    names = {s.name for s in layout.sections("consent")[0].fields}
    assert "cpr" not in names
    form_options.configure(cpr_enabled=True)
    assert "cpr" in {s.name for s in layout.sections("consent")[0].fields}
    form_options.configure(meeting_types=THREE)  # None keeps the other setting
    assert form_options.cpr_enabled() is True


@pytest.mark.parametrize("bad", [(), "UM", [("UM",)], [("UM", "")], [("UM", "a"), ("UM", "b")],
                                 [(1, "Et")]])
def test_unusable_meeting_types_are_refused_and_change_nothing(form_options, bad):
    with pytest.raises(ValueError):
        form_options.configure(meeting_types=bad, cpr_enabled=True)
    assert form_options.meeting_types() == form_options.DEFAULT_MEETING_TYPES
    assert form_options.cpr_enabled() is False


def test_cpr_enabled_must_be_a_bool(form_options):
    with pytest.raises(ValueError):
        form_options.configure(cpr_enabled="ja")
