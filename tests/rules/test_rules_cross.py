"""Rules across two records: does a consent cover a meeting and its participants?"""
import pytest

from formservice.rules.cross import consent_covers, participants_covered

from . import codes, day, sample


def participant(name, role, organisation=None, attendance="present"):
    return {"name": name, "role": role, "organisation": organisation, "contact": None,
            "attendance": attendance}


# --- consent_covers ----------------------------------------------------------------------

@pytest.mark.parametrize("meeting_date", ["2026-03-10", day("2026-06-09"), "2027-02-20"])
def test_sample_consent_covers_the_meetings(meeting_date):
    assert consent_covers(sample("consent"), meeting_date) == []


def test_refused_consent_covers_nothing():
    data = sample("consent")
    data["refusal"].update(refused=True, refused_date="2026-02-20")
    found = consent_covers(data, "2026-03-10")
    assert codes(found) == [("consent.refused", "error", "refusal.refused")]
    assert codes(consent_covers(data, None)) == codes(found)


@pytest.mark.parametrize("revoked_date, covers", [("2026-05-01", True), ("2026-03-10", False),
                                                  ("2026-03-01", False), (None, False)])
def test_revoked_consent_covers_no_later_meeting(revoked_date, covers):
    data = sample("consent")
    data["revocation"].update(revoked=True, revoked_date=revoked_date,
                              revoked_by="Jens Peter Sørensen")
    found = consent_covers(data, "2026-03-10")
    assert codes(found) == ([] if covers else [
        ("consent.revoked", "error", "revocation.revoked")])


def test_expired_consent_covers_no_later_meeting():
    data = sample("consent")
    found = consent_covers(data, "2027-02-21")
    assert codes(found) == [("consent.expired", "error", "validity.valid_until")]
    assert "20. februar 2027" in found[0].message


def test_health_only_consent_without_end_date_expires_after_a_year():
    data = sample("consent")
    data["validity"]["valid_until"] = None
    data["parties"] = [{"party": "Sundhedsplejen", "profession": "health_visitor",
                        "direction": "both"}]
    assert consent_covers(data, "2027-02-20") == []
    assert codes(consent_covers(data, "2027-02-21")) == [
        ("consent.expired", "error", "validity.valid_until")]


def test_consent_not_yet_valid_not_given_or_given_after():
    data = sample("consent")
    assert codes(consent_covers(data, "2026-02-19")) == [
        ("consent.given_after_meeting", "error", "custody_holders"),
        ("consent.not_yet_valid", "error", "validity.valid_from"),
    ]
    for h in data["custody_holders"]:
        h["signed_date"] = None
    assert codes(consent_covers(data, "2026-03-10")) == [
        ("consent.not_given", "error", "custody_holders")]


def test_oral_consent_is_given_on_its_note_date():
    data = sample("consent")
    for h in data["custody_holders"]:
        h["signed_date"] = None
    data["given"].update(given_as="oral", oral_noted_by="Birgitte Møller Kjær",
                         oral_noted_date="2026-02-20")
    assert consent_covers(data, "2026-03-10") == []


# --- participants_covered ----------------------------------------------------------------

@pytest.mark.parametrize("form_id", ["first_meeting", "follow_up_meeting"])
def test_sample_meetings_are_covered_by_the_sample_consent(form_id):
    assert participants_covered(sample(form_id), [sample("consent")]) == []


def test_no_consent_warns_for_everyone_from_outside():
    found = participants_covered(sample("follow_up_meeting"), [])
    assert codes(found) == [
        ("meeting.participant_not_covered", "warning", "participants.4"),
        ("meeting.participant_not_covered", "warning", "participants.5"),
    ]
    assert "Line Østergaard" in found[0].message
    assert "Rasmus Kjærgaard Lind" in found[1].message


def test_invalid_consents_do_not_count():
    revoked = sample("consent")
    revoked["revocation"].update(revoked=True, revoked_date="2026-03-01")
    refused = sample("consent")
    refused["refusal"]["refused"] = True
    found = participants_covered(sample("first_meeting"), [revoked, refused])
    assert [f.path for f in found] == ["participants.4", "participants.5"]


def test_a_consent_not_naming_the_profession():
    data = sample("consent")
    data["parties"] = [p for p in data["parties"] if p["profession"] != "caseworker"]
    found = participants_covered(sample("follow_up_meeting"), [data])
    assert codes(found) == [("meeting.participant_not_covered", "warning", "participants.5")]
    assert "socialrådgiver" in found[0].message


def test_health_staff_are_covered_for_one_year_only():
    meeting = sample("first_meeting")
    meeting["meeting"]["date"] = "2027-02-21"
    data = sample("consent")
    data["validity"]["valid_until"] = None
    found = participants_covered(meeting, [data])
    assert codes(found) == [("meeting.participant_not_covered", "warning", "participants.5")]
    assert "Hanne Bæk Thomsen" in found[0].message


@pytest.mark.parametrize("party", [
    {"party": "PPR Holbæk", "profession": "other", "direction": "both"},
    {"party": "Pædagogisk Psykologisk Rådgivning", "profession": None, "direction": "share"},
    {"party": "Sprogkonsulent", "profession": None, "direction": "obtain"},
    {"party": "Line Østergaard", "profession": None, "direction": "both"},
    {"party": None, "profession": "speech_consultant", "direction": "both"},
])
def test_matching_a_party_to_a_participant(party):
    meeting = sample("first_meeting")
    meeting["participants"] = [p for p in meeting["participants"]
                               if p["role"] != "health_visitor"]
    data = sample("consent")
    data["parties"] = [party]
    assert participants_covered(meeting, [data]) == []


def test_other_roles_match_by_name_or_organisation():
    meeting = sample("first_meeting")
    meeting["participants"] = [
        participant("Mette Nørgaard Sørensen", "parent_custody"),
        participant("Inger Nørgaard", "network_person"),
        participant("Dr. Karen Holst", "other", "Lægehuset Algade"),
        participant("Ali Demir", "youth_guidance", "UU Holbæk"),
    ]
    data = sample("consent")
    data["parties"] = [
        {"party": "Mormor Inger Nørgaard", "profession": "other", "direction": "both"},
        {"party": "Egen læge", "profession": "doctor", "direction": "obtain"},
    ]
    found = participants_covered(meeting, [data])
    assert codes(found) == [("meeting.participant_not_covered", "warning", "participants.3")]
    data["parties"].append({"party": "UU-vejleder", "profession": "other",
                            "direction": "both"})
    assert participants_covered(meeting, [data]) == []


def test_parents_child_and_daycare_staff_need_no_consent_nor_an_anonymised_meeting():
    meeting = sample("first_meeting")
    meeting["participants"] = [participant("Alma", "child"),
                               participant("Mette Nørgaard Sørensen", "parent_custody"),
                               participant("Jens Peter Sørensen", "parent"),
                               participant("Birgitte Møller Kjær", "leader"),
                               participant("Søren Ågaard Holm", "pedagogue"),
                               participant("Ukendt", None)]
    assert participants_covered(meeting, []) == []
    anonymous = sample("first_meeting")
    anonymous["child"].update(name="Alma", birth_date=None, anonymised=True)
    assert participants_covered(anonymous, []) == []


def test_any_of_several_consents_may_cover():
    ppr = sample("consent")
    ppr["parties"] = [p for p in ppr["parties"] if p["profession"] == "speech_consultant"]
    health = sample("consent")
    health["parties"] = [p for p in health["parties"] if p["profession"] == "health_visitor"]
    assert participants_covered(sample("first_meeting"), [ppr, health]) == []
