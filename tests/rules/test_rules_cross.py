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


# --- meeting_against_consents ------------------------------------------------------------

from formservice.rules.cross import meeting_against_consents  # noqa: E402


def revoked(on="2026-03-01"):
    data = sample("consent")
    data["revocation"].update(revoked=True, revoked_date=on, revoked_by="Mette Nørgaard Sørensen")
    return data


def expired(until="2026-03-09"):
    data = sample("consent")
    data["validity"]["valid_until"] = until
    return data


@pytest.mark.parametrize("form_id", ["first_meeting", "follow_up_meeting"])
def test_sample_meetings_agree_with_the_sample_consent(form_id):
    assert meeting_against_consents(sample(form_id), [sample("consent")]) == []


@pytest.mark.parametrize("revoked_on, error", [("2026-03-09", True), ("2026-03-10", True),
                                               ("2026-03-11", False)])
def test_meeting_after_the_consent_was_revoked(revoked_on, error):
    found = meeting_against_consents(sample("first_meeting"), [revoked(revoked_on)])
    errors = [f for f in found if f.severity == "error"]
    assert codes(errors) == ([("meeting.consent_revoked", "error", "meeting.date")]
                             if error else [])
    if error:
        assert "trukket tilbage" in errors[0].message
        assert {f.code for f in found} == {"meeting.consent_revoked",
                                          "meeting.participant_not_covered",
                                          "meeting.consent_on_file_mismatch"}


@pytest.mark.parametrize("until, error", [("2026-03-09", True), ("2026-03-10", False)])
def test_meeting_after_the_consent_expired(until, error):
    found = meeting_against_consents(sample("first_meeting"), [expired(until)])
    assert [c for c in codes(found) if c[1] == "error"] == (
        [("meeting.consent_expired", "error", "meeting.date")] if error else [])


def test_health_only_consent_expires_a_year_after_signing():
    data = sample("consent")
    data["validity"]["valid_until"] = None
    data["parties"] = [{"party": "Sundhedsplejen", "profession": "health_visitor",
                        "direction": "both"}]
    meeting = sample("first_meeting")
    meeting["meeting"]["date"] = "2027-02-21"
    assert "meeting.consent_expired" in {f.code for f in meeting_against_consents(meeting, [data])}


def test_another_consent_covering_the_meeting_is_enough():
    assert meeting_against_consents(sample("first_meeting"), [revoked(), sample("consent")]) == []


def test_revoked_and_expired_both_named():
    found = meeting_against_consents(sample("first_meeting"), [revoked(), expired()])
    assert [f.code for f in found if f.severity == "error"] == [
        "meeting.consent_revoked", "meeting.consent_expired"]


def test_a_meeting_needing_no_consent_gets_no_error():
    meeting = sample("first_meeting")
    meeting["participants"] = [p for p in meeting["participants"]
                               if p["role"] in ("parent_custody", "leader", "pedagogue")]
    meeting["meeting"].update(consent_on_file=False, consent_date=None)
    assert meeting_against_consents(meeting, [revoked()]) == []


def test_anonymised_discussion_needs_none_of_it():
    meeting = sample("first_meeting")
    meeting["child"].update(name="Alma", birth_date=None, anonymised=True)
    assert meeting_against_consents(meeting, [revoked()]) == []
    assert meeting_against_consents(meeting, []) == []


def test_participants_not_covered_are_warned():
    data = sample("consent")
    data["parties"] = [p for p in data["parties"]
                       if p["profession"] not in ("speech_consultant", "psychologist")]
    found = meeting_against_consents(sample("first_meeting"), [data])
    assert codes(found) == [("meeting.participant_not_covered", "warning", "participants.4")]


def test_consent_on_file_without_any_stored_consent():
    meeting = sample("first_meeting")
    meeting["participants"] = [p for p in meeting["participants"]
                               if p["role"] in ("parent_custody", "leader", "pedagogue")]
    found = meeting_against_consents(meeting, [])
    assert codes(found) == [("meeting.consent_on_file_mismatch", "warning",
                             "meeting.consent_on_file")]
    assert "Der foreligger samtykke" in found[0].message
    meeting["meeting"]["consent_on_file"] = False
    assert meeting_against_consents(meeting, []) == []


def test_consent_on_file_with_a_consent_not_covering_the_meeting():
    meeting = sample("first_meeting")
    meeting["meeting"]["date"] = "2026-02-19"  # before the consent was given
    meeting["closing"].update(minutes_due=None, minutes_sent=None)
    found = meeting_against_consents(meeting, [sample("consent")])
    assert ("meeting.consent_on_file_mismatch", "warning", "meeting.consent_on_file") in \
        codes(found)
    assert not [f for f in found if f.severity == "error"]  # not given yet: not revoked


@pytest.mark.parametrize("stated, ok", [("2026-02-20", True), ("2026-02-21", False),
                                        (None, True)])
def test_consent_date_on_the_meeting_agrees_with_the_stored_consent(stated, ok):
    meeting = sample("first_meeting")
    meeting["meeting"]["consent_date"] = stated
    found = meeting_against_consents(meeting, [sample("consent")])
    assert codes(found) == ([] if ok else [
        ("meeting.consent_on_file_mismatch", "warning", "meeting.consent_date")])


def test_severity_profile_applies_to_cross_findings():
    found = meeting_against_consents(sample("first_meeting"), [revoked()],
                                     severity={"meeting.participant_not_covered": "off",
                                               "meeting.consent_on_file_mismatch": "error"})
    assert codes(found) == [("meeting.consent_revoked", "error", "meeting.date"),
                            ("meeting.consent_on_file_mismatch", "error",
                             "meeting.consent_on_file")]
    assert codes(consent_covers(revoked(), "2026-03-10",
                                severity={"consent.revoked": "warning"})) == [
        ("consent.revoked", "warning", "revocation.revoked")]
