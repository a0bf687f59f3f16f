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
