"""check(): which rules run for which form, their order, and the network map's rules."""
import datetime as dt

import pytest

from formservice.forms import UnknownForm
from formservice.rules import RULES, check, network_map

from . import canonical, codes, sample


def test_every_form_has_rules_and_each_rule_is_a_pure_function_with_a_doc():
    assert set(RULES) == {"first_meeting", "follow_up_meeting", "consent", "network_map"}
    for rules in RULES.values():
        for rule in rules:
            assert rule.__doc__, rule


def test_unknown_form():
    with pytest.raises(UnknownForm):
        check("no_such_form", {})


def test_today_defaults_to_the_clock():
    data = sample("first_meeting")
    data["closing"]["minutes_sent"] = None
    # Minutes for a meeting in 2026 are overdue by any clock after March 2026.
    found = check("first_meeting", data)
    if dt.date.today() > dt.date(2026, 3, 17):
        assert ("meeting.minutes_overdue", "warning", "closing.minutes_sent") in codes(found)
    assert codes(check("first_meeting", data, today=dt.date(2026, 3, 10))) == []


def test_required_field_reported_once_when_a_rule_covers_it():
    data = canonical("consent", {"child": {"name": "Alma"}})
    paths = [f.path for f in check("consent", data, today=dt.date(2026, 3, 1))]
    assert paths.count("purpose.purpose") == 1


def test_findings_are_plain_and_serialisable():
    data = canonical("first_meeting", {})
    for finding in check("first_meeting", data, today=dt.date(2026, 3, 1)):
        assert finding.severity in ("error", "warning")
        assert set(finding.as_dict()) == {"code", "severity", "path", "message"}
        assert finding.message.endswith((".", ")"))


# --- network map -------------------------------------------------------------------------

def test_network_map_person_without_sector_or_closeness():
    data = sample("network_map")
    data["people"][3].update(sector=None, closeness=None)
    found = network_map.people_placed(data, dt.date(2026, 3, 3))
    assert codes(found) == [
        ("network_map.person_not_placed", "warning", "people.3.sector"),
        ("network_map.person_not_placed", "warning", "people.3.closeness"),
    ]
    assert "Inger Nørgaard" in found[0].message


def test_network_map_link_to_someone_not_on_the_map():
    data = sample("network_map")
    data["links"][0]["person_b"] = "Lis  damgaard"  # same person, other spelling: fine
    data["links"][1]["person_b"] = "Ole Damgaard"
    assert codes(network_map.links_known(data, dt.date(2026, 3, 3))) == [
        ("network_map.link_unknown_person", "warning", "links.1.person_b")]


@pytest.mark.parametrize("name, relation", [(None, "Mormor"), ("   ", None)])
def test_network_map_person_without_a_name(name, relation):
    raw = sample("network_map")
    raw["people"][2].update(name=name, relation=relation)
    data = canonical("network_map", raw)
    found = network_map.people_named(data, dt.date(2026, 3, 3))
    assert codes(found) == [("network_map.person_unnamed", "error", "people.2.name")]
    assert (relation or "Person nr. 3") in found[0].message
    assert ("network_map.person_unnamed", "error", "people.2.name") in codes(
        check("network_map", data, today=dt.date(2026, 3, 3)))


# --- rule codes and severity profiles ----------------------------------------------------

from formservice.rules import (RULE_CODES, apply_severity, default_severity,  # noqa: E402
                               severity_problems)
from formservice.forms.record import Finding  # noqa: E402


def test_rule_codes_have_a_default_severity_and_a_danish_description():
    assert len(RULE_CODES) >= 60
    for code, info in RULE_CODES.items():
        assert info["severity"] in ("error", "warning"), code
        assert info["description"].endswith(".") and "_" not in info["description"], code
    assert default_severity("meeting.leader_is_note_taker") == "warning"
    assert default_severity("consent.custody_exception") == "warning"
    assert default_severity("meeting.consent_revoked") == "error"
    assert default_severity("no.such") is None


def _every_finding():
    """Findings from every form's sample broken in many ways."""
    today = dt.date(2026, 3, 10)
    for form_id in RULES:
        yield from check(form_id, canonical(form_id, {}), today=today)
        broken = sample(form_id)
        for value in broken.values():
            if isinstance(value, dict):
                for key in value:
                    value[key] = {bool: True, str: " ", int: 1}.get(type(value[key]), None)
            elif isinstance(value, list):
                for row in value:
                    for key in row:
                        row[key] = None
        yield from check(form_id, broken, today=today)


def test_every_finding_code_is_listed_with_its_default_severity():
    seen = set()
    for finding in _every_finding():
        assert finding.code in RULE_CODES, finding.code
        assert finding.severity == RULE_CODES[finding.code]["severity"], finding.code
        seen.add(finding.code)
    assert len(seen) >= 15


def test_messages_name_fields_by_label_never_by_path_or_option_code():
    import re
    from formservice.forms.blocks import ROLES
    internal = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z_]+\.[a-z_]+(\.\d+)?\b")
    codes_ = {value for value, _ in ROLES if "_" in value}
    for finding in _every_finding():
        assert not internal.search(finding.message), finding
        assert not any(code in finding.message for code in codes_), finding


def test_apply_severity_changes_or_drops_findings():
    found = [Finding("meeting.leader_is_note_taker", "warning", "meeting.note_taker", "x."),
             Finding("meeting.agenda_late", "warning", "meeting.agenda_sent", "y."),
             Finding("required", "error", "child.name", "z.")]
    out = apply_severity(found, {"meeting.leader_is_note_taker": "error",
                                 "meeting.agenda_late": "off", "consent.prefilled": "off"})
    assert codes(out) == [("meeting.leader_is_note_taker", "error", "meeting.note_taker"),
                          ("required", "error", "child.name")]
    assert apply_severity(found, None) == found and apply_severity(found, {}) == found
    with pytest.raises(ValueError):
        apply_severity(found, {"required": "fatal"})


def test_check_applies_a_municipality_profile():
    data = sample("first_meeting")
    data["meeting"]["note_taker"] = data["meeting"]["leader"]
    today = dt.date(2026, 3, 10)
    assert codes(check("first_meeting", data, today=today)) == [
        ("meeting.leader_is_note_taker", "warning", "meeting.note_taker")]
    # Ballerup: "bør ikke" made strict; Vordingborg: the leader may take the minutes
    assert codes(check("first_meeting", data, today=today,
                       severity={"meeting.leader_is_note_taker": "error"})) == [
        ("meeting.leader_is_note_taker", "error", "meeting.note_taker")]
    assert check("first_meeting", data, today=today,
                 severity={"meeting.leader_is_note_taker": "off"}) == []


def test_a_rule_turned_off_leaves_the_plain_required_finding():
    data = sample("consent")
    data["purpose"]["purpose"] = None
    today = dt.date(2026, 2, 20)
    assert codes(check("consent", data, today=today,
                       severity={"consent.purpose_missing": "off"})) == [
        ("required", "error", "purpose.purpose")]
    assert check("consent", data, today=today,
                 severity={"consent.purpose_missing": "off", "required": "off"}) == []


def test_severity_problems_name_unknown_codes_and_values():
    assert severity_problems({"meeting.leader_is_note_taker": "off"}) == []
    assert severity_problems(None) == []
    problems = severity_problems({"meeting.no_such": "error",
                                  "meeting.agenda_late": "info"})
    assert len(problems) == 2 and "meeting.no_such" in problems[0]


def test_every_code_in_the_rules_source_is_listed_and_every_listed_code_is_given():
    import pathlib
    import re
    source = pathlib.Path(network_map.__file__).parent
    given = set()
    for path in source.glob("*.py"):
        if path.name != "codes.py":
            given |= set(re.findall(r'(?:error|warning)\(\s*"([a-z_]+\.[a-z_]+)"',
                                    path.read_text(encoding="utf-8")))
    assert given - set(RULE_CODES) == set()
    assert set(RULE_CODES) - given == {"required"}  # given by forms.record.required_findings
