"""Property: generated valid records get no error; breaking one thing the way a rule
forbids gives exactly that rule's code (and a Danish message without paths or codes)."""
from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formservice.forms.record import load_data
from formservice.rules import RULE_CODES, check

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from strategies import consent_data, meeting_data, network_map_data  # noqa: E402

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
INTERNAL = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z_]+\.[a-z_]+(\.\d+)?\b")


def _today(form_id: str, data: dict) -> dt.date:
    if form_id == "consent":
        return dt.date.fromisoformat(data["validity"]["valid_from"])
    if form_id == "network_map":
        return dt.date.fromisoformat(data["map"]["date"])
    return dt.date.fromisoformat(data["meeting"]["date"])


def _canonical(form_id, data):
    loaded, findings = load_data(form_id, data)
    assert findings == [], findings
    return loaded


def _strategy(form_id, **options):
    if form_id == "consent":
        return consent_data(**options)
    if form_id == "network_map":
        return network_map_data()
    return meeting_data(form_id, **options)


@pytest.mark.parametrize("form_id", ["first_meeting", "follow_up_meeting", "consent",
                                     "network_map"])
@SETTINGS
@given(data=st.data())
def test_valid_records_get_no_error(form_id, data):
    record = _canonical(form_id, data.draw(_strategy(form_id)))
    found = check(form_id, record, today=_today(form_id, record))
    assert [f for f in found if f.severity == "error"] == []


# --- the breaks: (form ids, strategy options, what to change, the code it must give) ----

def _date(data, section, field, days):
    day = dt.date.fromisoformat(data["meeting"]["date"]) + dt.timedelta(days=days)
    data[section][field] = day.isoformat()


def same_leader(data):
    data["meeting"]["note_taker"] = " " + data["meeting"]["leader"].upper() + " "


def end_at_start(data):
    data["meeting"]["end_time"] = data["meeting"]["start_time"]


def next_meeting_same_day(data):
    _date(data, "closing" if "closing" in data else "outcome", "next_meeting_date", 0)


def born_after_meeting(data):
    _date(data, "child", "birth_date", 1)


def participant_twice(data):
    data["participants"].append(dict(data["participants"][0]))


def parents_send_apologies(data):
    for participant in data["participants"]:
        if participant["role"] in ("parent", "parent_custody"):
            participant["attendance"] = "apologies"


def nm_without_case_kind(data):
    data["meeting"]["case_kind"] = None


def nm_without_caseworker(data):
    data["participants"] = [p for p in data["participants"] if p["role"] != "caseworker"]


def leader_of_spaces(data):
    data["meeting"]["leader"] = "  \t "


def deadline_on_meeting_day(data):
    data["actions"].append({"description": "Sprog i samlingen.", "goal": None,
                            "responsible": data["meeting"]["leader"],
                            "deadline": data["meeting"]["date"], "priority": None})


def previous_meeting_same_day(data):
    _date(data, "since_last", "previous_meeting_date", 0)


def follow_up_without_date(data):
    data["outcome"].update(outcome="follow_up", next_meeting_date=None)


def reviewed_without_decision(data):
    data["reviewed_actions"].append({"description": "Sprogtræning.", "goal": None,
                                     "responsible": None, "deadline": None, "works": "yes",
                                     "meaningful": None, "decision": None, "note": None})


def perspective_not_obtained_without_reason(data):
    data["discussion"].update(method="not_obtained", reason_not_obtained="   ",
                              child_perspective=None)


def vague_purpose(data):
    data["purpose"]["purpose"] = "Samarbejde"


def refused_and_signed(data):
    data["refusal"]["refused"] = True


def apart_parent_not_signed(data):
    for holder in data["custody_holders"]:
        if not holder["lives_with_child"]:
            holder.update(signed_date=None, proxy_name=None, proxy_date=None)


def apart_exception_with_reason(data):
    apart_parent_not_signed(data)
    data["who_consents"]["sole_signer_reason"] = "Far er indlagt og kan ikke kontaktes."


def both_parents_influence(data):
    data["who_consents"]["both_parents_influence"] = True


def proxy_without_date(data):
    holder = next(h for h in data["custody_holders"] if h["signed_date"])
    holder.update(proxy_name="Inger Nørgaard", proxy_date=None)


def health_consent_too_long(data):
    data["parties"].append({"party": "Sundhedsplejen", "profession": "health_visitor",
                            "direction": "both"})
    start = dt.date.fromisoformat(data["validity"]["valid_from"])
    data["validity"]["valid_until"] = (start + dt.timedelta(days=367)).isoformat()


def nameless_person(data):
    person = data["people"][-1]
    data["links"] = [link for link in data["links"]
                     if person["name"] not in (link["person_a"], link["person_b"])]
    person.update(name=None, relation="Nabo")


MEETINGS = ("first_meeting", "follow_up_meeting")
BREAKS = [
    (MEETINGS, {}, same_leader, "meeting.leader_is_note_taker"),
    (MEETINGS, {}, end_at_start, "meeting.end_not_after_start"),
    (MEETINGS, {}, next_meeting_same_day, "meeting.next_not_after_meeting"),
    (MEETINGS, {}, born_after_meeting, "child.born_after_meeting"),
    (MEETINGS, {}, participant_twice, "meeting.participant_twice"),
    (MEETINGS, {}, parents_send_apologies, "meeting.parent_missing"),
    (MEETINGS, {"meeting_type": "NM"}, nm_without_case_kind, "meeting.case_kind_missing"),
    (MEETINGS, {"meeting_type": "NM"}, nm_without_caseworker, "meeting.nm_without_caseworker"),
    (MEETINGS, {}, leader_of_spaces, "required"),
    (MEETINGS, {}, deadline_on_meeting_day, "action.deadline_not_after_meeting"),
    (MEETINGS, {}, perspective_not_obtained_without_reason,
     "meeting.child_perspective_reason_missing"),
    (("follow_up_meeting",), {}, previous_meeting_same_day,
     "follow_up.previous_not_before_meeting"),
    (("follow_up_meeting",), {}, follow_up_without_date, "follow_up.next_meeting_date_missing"),
    (("follow_up_meeting",), {}, reviewed_without_decision, "follow_up.decision_missing"),
    (("consent",), {}, vague_purpose, "consent.purpose_vague"),
    (("consent",), {}, refused_and_signed, "consent.refused_but_signed"),
    (("consent",), {"scenario": "joint_apart"}, apart_parent_not_signed,
     "consent.custody_consent_missing"),
    (("consent",), {"scenario": "joint_apart"}, apart_exception_with_reason,
     "consent.custody_exception"),
    (("consent",), {"scenario": "sole_with_other_parent"}, both_parents_influence,
     "consent.both_parents_required"),
    (("consent",), {}, proxy_without_date, "consent.proxy_incomplete"),
    (("consent",), {}, health_consent_too_long, "consent.health_validity"),
    (("network_map",), {}, nameless_person, "network_map.person_unnamed"),
]
CASES = [pytest.param(form_id, options, brk, code, id=f"{form_id}-{brk.__name__}")
         for form_ids, options, brk, code in BREAKS for form_id in form_ids]


@pytest.mark.parametrize("form_id, options, brk, code", CASES)
@SETTINGS
@given(data=st.data())
def test_breaking_one_thing_gives_exactly_that_rules_code(form_id, options, brk, code, data):
    record = _canonical(form_id, data.draw(_strategy(form_id, **options)))
    today = _today(form_id, record)
    before = {f.code for f in check(form_id, record, today=today)}
    assert code not in before
    brk(record)
    broken = _canonical(form_id, record)
    after = check(form_id, broken, today=today)
    assert {f.code for f in after} - before == {code}
    new = [f for f in after if f.code == code]
    assert all(f.severity == RULE_CODES[code]["severity"] for f in new)
    for finding in after:
        assert not INTERNAL.search(finding.message), finding


def test_the_breaks_cover_at_least_six_rules():
    assert len({code for *_, code in BREAKS}) >= 6
