"""The canonical shape of form data and the Danish messages for wrong shapes."""
from formservice.forms.record import load_data, required_findings


def test_missing_fields_are_filled_and_empty_rows_dropped():
    data, findings = load_data("first_meeting", {
        "child": {"name": ""}, "participants": [{}, {"name": "Åse"}, {"role": None}]})
    assert findings == []
    assert data["child"]["name"] is None
    assert data["meeting"]["consent_on_file"] is False
    assert [p["name"] for p in data["participants"]] == ["Åse"]
    assert data["actions"] == []


def test_line_ends_are_normalised():
    data, _ = load_data("first_meeting", {"welcome": {"notes": "a\r\nb\rc"}})
    assert data["welcome"]["notes"] == "a\nb\nc"


def test_unstorable_characters_are_refused_with_the_code_point():
    _, findings = load_data("first_meeting", {"welcome": {"notes": "a\x07b"}})
    assert findings[0].path == "welcome.notes" and "U+0007" in findings[0].message


def test_wrong_shapes_are_named_by_path():
    _, findings = load_data("network_map", {
        "people": [{"closeness": 4, "invite": "ja", "sector": "family"}],
        "map": {"date": "2026-02-30"}, "extra": 1})
    assert {f.path for f in findings} == {
        "people.0.closeness", "people.0.invite", "map.date", "extra"}
    assert all(f.severity == "error" and f.message for f in findings)


def test_not_an_object():
    data, findings = load_data("consent", ["x"])
    assert data is None and findings[0].code == "shape.type"


def test_required_fields_are_reported_with_their_label():
    data, _ = load_data("consent", {})
    messages = {f.path: f.message for f in required_findings("consent", data)}
    assert messages["child.name"] == "Barnets navn skal udfyldes."


def test_meeting_types_are_configurable(form_options):
    from formservice.forms import blocks
    form_options.configure(meeting_types=(("UM", "Udviklingsmøde"), ("NM", "Netværksmøde"),
                                          ("SM", "Samarbejdsmøde")))
    assert ("SM", "Samarbejdsmøde") in blocks.meeting_types()
    form_options.reset()
    assert blocks.meeting_types() == (("UM", "Udviklingsmøde"), ("NM", "Netværksmøde"))


def test_cpr_is_refused_unless_the_municipality_turns_it_on(form_options):
    data, findings = load_data("consent", {"child": {"cpr": "140522-1234"}})
    assert data is None and findings[0].path == "child.cpr"
    form_options.configure(cpr_enabled=True)
    data, findings = load_data("consent", {"child": {"cpr": "140522-1234"}})
    assert findings == [] and data["child"]["cpr"] == "140522-1234"
