"""Rules of the consent form."""
import pytest

from formservice.rules import check, consent

from . import canonical, codes, day, sample

SIGNED = day("2026-02-20")


def holder(name, custody="joint", signed=None, lives_with_child=True):
    return {"name": name, "address": "Æblehaven 14, 4300 Holbæk", "custody": custody,
            "lives_with_child": lives_with_child, "signed_date": signed}


def with_holders(*holders, together=False, given_as="written"):
    data = sample("consent")
    data["custody_holders"] = list(holders)
    data["household"]["parents_live_together"] = together
    data["given"]["given_as"] = given_as
    return data


def test_sample_consent_is_clean():
    assert check("consent", sample("consent"), today=SIGNED) == []


# --- purpose, kinds of information and parties ------------------------------------------

def test_no_purpose_is_one_error_with_advice():
    data = sample("consent")
    data["purpose"]["purpose"] = None
    found = check("consent", data, today=SIGNED)
    assert codes(found) == [("consent.purpose_missing", "error", "purpose.purpose")]
    assert "formålet" in found[0].message


def test_no_kinds_of_information():
    data = sample("consent")
    data["information"] = {key: (None if key == "other" else False)
                           for key in data["information"]}
    assert codes(consent.information_kinds(data, SIGNED)) == [
        ("consent.information_kinds_missing", "error", "information")]


def test_free_text_kind_counts():
    data = sample("consent")
    data["information"] = {key: (None if key == "other" else False)
                           for key in data["information"]}
    data["information"]["other"] = "Oplysninger fra hørescreeningen."
    assert consent.information_kinds(data, SIGNED) == []


def test_no_parties():
    data = sample("consent")
    data["parties"] = []
    assert codes(consent.parties(data, SIGNED)) == [
        ("consent.parties_missing", "error", "parties")]


def test_party_without_name_or_direction():
    data = sample("consent")
    data["parties"][1].update(party=None, profession=None)
    data["parties"][3]["direction"] = None
    assert codes(consent.parties(data, SIGNED)) == [
        ("consent.party_unnamed", "error", "parties.1.party"),
        ("consent.party_direction_missing", "warning", "parties.3.direction"),
    ]


# --- nothing ticked in advance -----------------------------------------------------------

def test_kinds_ticked_before_anyone_signed():
    data = with_holders(holder("Mette Nørgaard Sørensen"), holder("Jens Peter Sørensen"),
                        together=True)
    found = check("consent", data, today=SIGNED)
    assert ("consent.prefilled", "error", "information") in codes(found)
    message = next(f.message for f in found if f.code == "consent.prefilled")
    assert "på forhånd" in message


def test_unsigned_form_with_nothing_ticked_is_not_prefilled():
    data = with_holders(holder("Mette Nørgaard Sørensen"), together=True)
    data["information"] = {key: (None if key == "other" else False)
                           for key in data["information"]}
    assert consent.prefilled(data, SIGNED) == []


def test_oral_consent_is_not_prefilled():
    data = with_holders(holder("Mette Nørgaard Sørensen"), holder("Jens Peter Sørensen"),
                        together=True, given_as="oral")
    assert consent.prefilled(data, SIGNED) == []


# --- who must consent --------------------------------------------------------------------

def test_joint_custody_living_together_one_signature_suffices():
    data = with_holders(holder("Mette Nørgaard Sørensen", signed="2026-02-20"),
                        holder("Jens Peter Sørensen"), together=True)
    assert consent.custody_consent(data, SIGNED) == []


def test_joint_custody_living_together_needs_one_signature():
    data = with_holders(holder("Mette Nørgaard Sørensen"), holder("Jens Peter Sørensen"),
                        together=True)
    assert codes(consent.custody_consent(data, SIGNED)) == [
        ("consent.custody_consent_missing", "error", "custody_holders.0.signed_date")]


def test_joint_custody_living_apart_needs_both():
    data = with_holders(holder("Mette Nørgaard Sørensen", signed="2026-02-20"),
                        holder("Jens Peter Sørensen", lives_with_child=False))
    found = consent.custody_consent(data, SIGNED)
    assert codes(found) == [
        ("consent.custody_consent_missing", "error", "custody_holders.1.signed_date")]
    assert "Jens Peter Sørensen" in found[0].message and "begge" in found[0].message


def test_joint_custody_living_apart_both_signed():
    data = with_holders(holder("Mette Nørgaard Sørensen", signed="2026-02-20"),
                        holder("Jens Peter Sørensen", signed="2026-02-24",
                               lives_with_child=False))
    assert consent.custody_consent(data, SIGNED) == []


def test_joint_custody_living_apart_with_only_one_listed():
    data = with_holders(holder("Mette Nørgaard Sørensen", signed="2026-02-20"))
    assert codes(consent.custody_consent(data, SIGNED)) == [
        ("consent.second_custody_holder_missing", "error", "custody_holders")]


def test_sole_custody_one_signature_suffices():
    data = with_holders(holder("Mette Nørgaard Sørensen", "sole", "2026-02-20"),
                        holder("Jens Peter Sørensen", "none", lives_with_child=False))
    assert consent.custody_consent(data, SIGNED) == []


def test_sole_custody_holder_must_sign():
    data = with_holders(holder("Jens Peter Sørensen", "none", "2026-02-20"),
                        holder("Mette Nørgaard Sørensen", "sole"))
    found = consent.custody_consent(data, SIGNED)
    assert codes(found) == [
        ("consent.custody_consent_missing", "error", "custody_holders.1.signed_date")]
    assert "Mette Nørgaard Sørensen" in found[0].message


def test_no_holders_or_no_one_with_custody():
    assert codes(consent.custody_consent(with_holders(), SIGNED)) == [
        ("consent.custody_holder_missing", "error", "custody_holders")]
    data = with_holders(holder("Jens Peter Sørensen", "none", "2026-02-20"))
    assert codes(consent.custody_consent(data, SIGNED)) == [
        ("consent.custody_holder_missing", "error", "custody_holders")]


def test_custody_kind_not_chosen():
    data = with_holders(holder("Mette Nørgaard Sørensen", None, "2026-02-20"))
    assert codes(consent.custody_consent(data, SIGNED)) == [
        ("consent.custody_kind_missing", "error", "custody_holders.0.custody")]


def test_oral_consent_counts_as_one_holder():
    together = with_holders(holder("Mette Nørgaard Sørensen"), holder("Jens Peter Sørensen"),
                            together=True, given_as="oral")
    assert consent.custody_consent(together, SIGNED) == []
    apart = with_holders(holder("Mette Nørgaard Sørensen"), holder("Jens Peter Sørensen"),
                         given_as="oral")
    assert [f.path for f in consent.custody_consent(apart, SIGNED)] == [
        "custody_holders.0.signed_date", "custody_holders.1.signed_date"]


def test_oral_consent_must_be_noted():
    data = sample("consent")
    data["given"]["given_as"] = "oral"
    assert codes(consent.oral_noted(data, SIGNED)) == [
        ("consent.oral_not_noted", "error", "given.oral_noted_by"),
        ("consent.oral_not_noted", "error", "given.oral_noted_date"),
    ]
    data["given"].update(oral_noted_by="Birgitte Møller Kjær", oral_noted_date="2026-02-20")
    assert consent.oral_noted(data, SIGNED) == []


# --- a parent's own circumstances --------------------------------------------------------

@pytest.mark.parametrize("flag", ["parent_health", "parent_abuse", "parent_crime"])
def test_parent_own_circumstances_remind(flag):
    data = with_holders(holder("Mette Nørgaard Sørensen", "sole", "2026-02-20"))
    data["information"][flag] = True
    found = consent.parent_own_circumstances(data, SIGNED)
    assert codes(found) == [("consent.parent_own_consent", "warning", f"information.{flag}")]
    assert "den forælder" in found[0].message


def test_parent_own_circumstances_with_every_parent_signed():
    data = sample("consent")
    data["information"]["parent_health"] = True
    assert consent.parent_own_circumstances(data, SIGNED) == []


# --- the young person --------------------------------------------------------------------

def young(birth_date, today="2026-03-10", valid_from="2026-02-20", **heard):
    data = sample("consent")
    data["child"]["birth_date"] = birth_date
    data["validity"]["valid_from"] = valid_from
    data["young_person"].update(heard)
    return codes(consent.young_person_heard(data, day(today)))


def test_young_person_of_15_not_heard():
    assert young("2010-05-01") == [
        ("consent.young_person_not_heard", "warning", "young_person.heard")]


def test_young_person_heard_or_co_signed():
    assert young("2010-05-01", heard=True) == []
    assert young("2010-05-01", co_signed=True) == []
    assert young("2010-05-01", view="Jeg vil gerne have, at min lærer ved det.") == []


def test_under_15_needs_no_hearing_but_the_validity_date_counts():
    assert young("2011-04-01") == []  # 14 on 10 March 2026
    assert young("2011-04-01", valid_from="2026-04-01") != []  # 15 when it starts
    assert young("2011-03-10") != []  # 15 today


def test_age_from_cpr_when_no_birth_date():
    data = sample("consent")
    data["child"].update(birth_date=None, cpr="010510-4123")
    assert codes(consent.young_person_heard(data, day("2026-03-10"))) == [
        ("consent.young_person_not_heard", "warning", "young_person.heard")]


# --- health staff: one year at most -----------------------------------------------------

def validity(valid_until, parties=None, signed="2026-02-20"):
    data = sample("consent")
    for h in data["custody_holders"]:
        h["signed_date"] = signed
    data["validity"]["valid_until"] = valid_until
    if parties is not None:
        data["parties"] = parties
    return consent.health_validity(data, SIGNED)


def test_health_consent_exactly_one_year_is_fine():
    assert validity("2027-02-20") == []


def test_health_consent_longer_than_a_year():
    found = validity("2027-02-21")
    assert codes(found) == [("consent.health_validity", "error", "validity.valid_until")]
    assert "Sundhedsplejen" in found[0].message and "20. februar 2027" in found[0].message


def test_health_consent_without_end_date():
    found = validity(None)
    assert codes(found) == [("consent.health_validity", "error", "validity.valid_until")]


def test_the_year_runs_from_the_first_signature():
    data = sample("consent")
    data["custody_holders"][0]["signed_date"] = "2026-01-15"
    data["validity"]["valid_until"] = "2027-02-20"
    assert codes(consent.health_validity(data, SIGNED)) == [
        ("consent.health_validity", "error", "validity.valid_until")]


@pytest.mark.parametrize("party", [
    {"party": "Sundhedsplejerske", "profession": None, "direction": "both"},
    {"party": "Egen læge", "profession": "other", "direction": "obtain"},
    {"party": "Børnelæge på Holbæk Sygehus", "profession": None, "direction": "obtain"},
    {"party": "Ergoterapeut", "profession": None, "direction": "both"},
    {"party": "Fysioterapeuten", "profession": None, "direction": "both"},
    {"party": None, "profession": "doctor", "direction": "both"},
    {"party": None, "profession": "therapist", "direction": "both"},
])
def test_health_parties_by_profession_or_name(party):
    assert codes(validity("2028-01-01", [party])) == [
        ("consent.health_validity", "error", "validity.valid_until")]


def test_no_health_staff_no_limit():
    parties = [{"party": "PPR Holbæk", "profession": "psychologist", "direction": "both"},
               {"party": "Børn, Unge og Familier", "profession": "caseworker",
                "direction": "both"}]
    assert validity(None, parties) == []
    assert validity("2029-01-01", parties) == []


def test_validity_ends_before_it_starts():
    data = sample("consent")
    data["validity"].update(valid_from="2026-03-01", valid_until="2026-02-01")
    assert codes(consent.validity_order(data, SIGNED)) == [
        ("consent.validity_order", "error", "validity.valid_until")]


# --- refused and revoked -----------------------------------------------------------------

def test_refused_consent_needs_no_signature_kinds_or_parties():
    data = canonical("consent", {
        "child": {"name": "Alma Nørgaard Sørensen"},
        "custody_holders": [{"name": "Mette Nørgaard Sørensen", "custody": "joint"}],
        "purpose": {"purpose": "At drøfte Almas sprog med PPR."},
        "refusal": {"refused": True, "refused_date": "2026-02-20"},
    })
    assert check("consent", data, today=SIGNED) == []


def test_revocation_without_date():
    data = sample("consent")
    data["revocation"].update(revoked=True, revoked_by="Mette Nørgaard Sørensen")
    assert codes(consent.revocation_complete(data, SIGNED)) == [
        ("consent.revocation_incomplete", "warning", "revocation.revoked_date")]
    data["revocation"]["revoked_date"] = "2026-05-01"
    assert consent.revocation_complete(data, SIGNED) == []
    data["revocation"]["revoked"] = False
    assert codes(consent.revocation_complete(data, SIGNED)) == [
        ("consent.revocation_incomplete", "warning", "revocation.revoked")]


# --- a purpose of a word or two ----------------------------------------------------------

@pytest.mark.parametrize("purpose, vague", [
    ("Samarbejde", True), ("  Samarbejde.  ", True), ("Sprog, trivsel", True), ("123 456", True),
    ("Sprog og trivsel", False), ("At drøfte Almas sprog med PPR.", False)])
def test_vague_purpose(purpose, vague):
    data = sample("consent")
    data["purpose"]["purpose"] = purpose
    found = consent.purpose_vague(data, SIGNED)
    assert codes(found) == ([("consent.purpose_vague", "warning", "purpose.purpose")]
                            if vague else [])
    if vague:
        assert "Formålet med samtykket" in found[0].message


def test_vague_purpose_is_a_warning_in_check_and_missing_purpose_is_not_vague():
    data = sample("consent")
    data["purpose"]["purpose"] = "Samarbejde"
    assert codes(check("consent", data, today=SIGNED)) == [
        ("consent.purpose_vague", "warning", "purpose.purpose")]
    data["purpose"]["purpose"] = None
    assert consent.purpose_vague(data, SIGNED) == []


# --- refused yet signed ------------------------------------------------------------------

def test_refused_and_signed_contradicts_itself():
    data = sample("consent")
    data["refusal"].update(refused=True, refused_date="2026-02-20")
    found = check("consent", data, today=SIGNED)
    assert codes(found) == [("consent.refused_but_signed", "error", "refusal.refused")]
    assert "Mette Nørgaard Sørensen og Jens Peter Sørensen" in found[0].message


def test_refused_by_date_only_and_signed_by_one():
    data = sample("consent")
    data["refusal"]["refused_date"] = "2026-02-21"
    data["custody_holders"][1]["signed_date"] = None
    found = consent.refused_but_signed(data, SIGNED)
    assert codes(found) == [("consent.refused_but_signed", "error", "refusal.refused")]
    data["custody_holders"][0]["signed_date"] = None
    assert consent.refused_but_signed(data, SIGNED) == []


# --- the exception: the parent the child lives with consents alone ----------------------

REASON = "Faren arbejder i Grønland og svarer ikke; samtalen med PPR kan ikke vente."


def apart(reason=None, signer_lives_with_child=True, both_parents=False):
    data = with_holders(holder("Mette Nørgaard Sørensen", signed="2026-02-20",
                               lives_with_child=signer_lives_with_child),
                        holder("Jens Peter Sørensen", lives_with_child=False))
    data["who_consents"].update(sole_signer_reason=reason,
                                both_parents_influence=both_parents)
    return data


def test_exception_with_reason_is_a_warning_instead_of_the_error():
    found = consent.custody_consent(apart(REASON), SIGNED)
    assert codes(found) == [
        ("consent.custody_exception", "warning", "custody_holders.1.signed_date")]
    assert "Mette Nørgaard Sørensen" in found[0].message
    assert "Jens Peter Sørensen" in found[0].message and "Grønland" in found[0].message


def test_exception_without_reason_is_the_error_with_a_hint():
    found = consent.custody_consent(apart(), SIGNED)
    assert codes(found) == [
        ("consent.custody_consent_missing", "error", "custody_holders.1.signed_date")]
    assert "Begrundelse, hvis kun den forælder" in found[0].message


@pytest.mark.parametrize("reason", [None, "   "])
def test_a_reason_of_spaces_is_no_reason(reason):
    data = canonical("consent", apart(reason))
    assert codes(consent.custody_consent(data, SIGNED))[0][0] == \
        "consent.custody_consent_missing"


def test_exception_only_for_the_parent_the_child_lives_with():
    found = consent.custody_consent(apart(REASON, signer_lives_with_child=False), SIGNED)
    assert codes(found) == [
        ("consent.custody_consent_missing", "error", "custody_holders.1.signed_date")]
    assert "Bor med barnet" in found[0].message


def test_exception_needs_one_signature():
    data = apart(REASON)
    data["custody_holders"][0]["signed_date"] = None
    assert [c for c, *_ in codes(consent.custody_consent(data, SIGNED))] == [
        "consent.custody_consent_missing", "consent.custody_consent_missing"]


def test_reason_given_but_both_signed_is_fine():
    data = apart(REASON)
    data["custody_holders"][1]["signed_date"] = "2026-02-24"
    assert consent.custody_consent(data, SIGNED) == []


def test_exception_is_a_warning_in_check():
    assert codes(check("consent", apart(REASON), today=SIGNED)) == [
        ("consent.custody_exception", "warning", "custody_holders.1.signed_date")]


# --- both parents' influence is discussed -----------------------------------------------

def test_both_parents_influence_needs_the_parent_without_custody():
    data = with_holders(holder("Mette Nørgaard Sørensen", "sole", "2026-02-20"),
                        holder("Jens Peter Sørensen", "none", lives_with_child=False))
    assert consent.custody_consent(data, SIGNED) == []
    data["who_consents"]["both_parents_influence"] = True
    found = consent.custody_consent(data, SIGNED)
    assert codes(found) == [
        ("consent.both_parents_required", "error", "custody_holders.1.signed_date")]
    assert "Jens Peter Sørensen" in found[0].message
    data["custody_holders"][1]["signed_date"] = "2026-02-22"
    assert consent.custody_consent(data, SIGNED) == []


def test_both_parents_influence_with_one_parent_listed():
    data = with_holders(holder("Mette Nørgaard Sørensen", "sole", "2026-02-20"))
    data["who_consents"]["both_parents_influence"] = True
    assert codes(consent.custody_consent(data, SIGNED)) == [
        ("consent.both_parents_required", "error", "custody_holders")]


def test_both_parents_influence_living_together():
    data = with_holders(holder("Mette Nørgaard Sørensen", signed="2026-02-20"),
                        holder("Jens Peter Sørensen"), together=True)
    data["who_consents"]["both_parents_influence"] = True
    assert codes(consent.custody_consent(data, SIGNED)) == [
        ("consent.both_parents_required", "error", "custody_holders.1.signed_date")]


def test_both_parents_influence_overrides_the_exception_without_double_findings():
    found = consent.custody_consent(apart(REASON, both_parents=True), SIGNED)
    assert codes(found) == [
        ("consent.custody_consent_missing", "error", "custody_holders.1.signed_date")]


# --- power of attorney (fuldmagt) --------------------------------------------------------

def test_signature_under_fuldmagt_counts_as_the_holders_consent():
    data = with_holders(holder("Mette Nørgaard Sørensen", signed="2026-02-20"),
                        holder("Jens Peter Sørensen", signed="2026-02-21",
                               lives_with_child=False))
    data["custody_holders"][1].update(proxy_name="Inger Nørgaard", proxy_date="2026-02-01")
    assert check("consent", data, today=SIGNED) == []


@pytest.mark.parametrize("proxy_name, proxy_date, expected", [
    ("Inger Nørgaard", None, [("consent.proxy_incomplete", "error",
                               "custody_holders.1.proxy_date")]),
    ("  ", "2026-02-01", [("consent.proxy_incomplete", "error", "custody_holders.1.proxy_name")]),
    ("Inger Nørgaard", "2026-02-21", []),
    ("Inger Nørgaard", "2026-02-22", [("consent.proxy_after_signature", "error",
                                       "custody_holders.1.proxy_date")]),
])
def test_fuldmagt_is_recorded_with_who_and_when(proxy_name, proxy_date, expected):
    data = sample("consent")
    data["custody_holders"][1].update(signed_date="2026-02-21", proxy_name=proxy_name,
                                      proxy_date=proxy_date)
    data = canonical("consent", data)
    found = consent.proxy_recorded(data, SIGNED)
    assert codes(found) == expected
    for finding in found:
        assert "Jens Peter Sørensen" in finding.message and "proxy" not in finding.message
