"""Rules about the child block (all forms): anonymity and the CPR number's date part."""
import pytest

from formservice.rules import check, child
from formservice.rules.common import parse_cpr

from . import codes, day, sample

TODAY = day("2026-03-10")
FORMS = ("first_meeting", "follow_up_meeting", "consent", "network_map")


def with_child(form_id="first_meeting", **changes):
    data = sample(form_id)
    data["child"].update(changes)
    return data


# --- anonymised: first name only ---------------------------------------------------------

def test_anonymised_with_first_name_only_is_fine():
    data = with_child(name="Alma", birth_date=None, anonymised=True)
    assert child.anonymised_identifiable(data, TODAY) == []


def test_anonymised_with_full_name_birth_date_and_cpr():
    data = with_child(name="Alma Nørgaard Sørensen", birth_date="2021-11-23",
                      cpr="231121-4562", anonymised=True)
    found = child.anonymised_identifiable(data, TODAY)
    assert codes(found) == [
        ("child.anonymised_identifiable", "error", "child.name"),
        ("child.anonymised_identifiable", "error", "child.birth_date"),
        ("child.anonymised_identifiable", "error", "child.cpr"),
    ]
    assert "»Alma«" in found[0].message


@pytest.mark.parametrize("form_id", FORMS)
def test_anonymity_is_checked_on_every_form(form_id):
    data = with_child(form_id, anonymised=True)
    assert ("child.anonymised_identifiable", "error", "child.name") in codes(
        check(form_id, data, today=TODAY))


def test_not_anonymised_may_carry_everything():
    assert child.anonymised_identifiable(with_child(cpr="231121-4562"), TODAY) == []


# --- CPR: the date part only, never modulus 11 -------------------------------------------

@pytest.mark.parametrize("cpr", ["231121-4562", "2311214562", "231121 4563",
                                 "231121-4000"])  # the last ones fail modulus 11: fine
def test_valid_cpr_matching_the_birth_date(cpr):
    assert child.cpr_valid(with_child(cpr=cpr), TODAY) == []


@pytest.mark.parametrize("cpr", ["310221-4123",   # 31 February
                                 "290223-4123",   # 2023 is no leap year
                                 "290200-0123",   # 7th digit 0: 1900, no leap year
                                 "001121-4123",   # day 0
                                 "231321-4123",   # month 13
                                 "010130-4123"])  # 2030: not born yet
def test_impossible_cpr_date(cpr):
    data = with_child(cpr=cpr, birth_date=None)
    found = child.cpr_valid(data, TODAY)
    assert codes(found) == [("child.cpr_invalid", "error", "child.cpr")]
    assert "fødselsdato" in found[0].message


@pytest.mark.parametrize("cpr", ["23112-4562", "231121-456", "23-11-21-4562", "abcdef-1234"])
def test_cpr_in_the_wrong_format(cpr):
    found = child.cpr_valid(with_child(cpr=cpr, birth_date=None), TODAY)
    assert codes(found) == [("child.cpr_invalid", "error", "child.cpr")]


def test_cpr_centuries():
    assert parse_cpr("290224-4123") == (day("2024-02-29"), None)
    assert parse_cpr("290200-4123") == (day("2000-02-29"), None)
    assert parse_cpr("290200-0123")[1] == "date"
    assert parse_cpr("010160-5123")[0] == day("1860-01-01")
    assert parse_cpr("010150-5123")[0] == day("2050-01-01")
    assert parse_cpr("010140-9123")[0] == day("1940-01-01")


def test_cpr_not_matching_the_birth_date():
    found = child.cpr_valid(with_child(cpr="241121-4562"), TODAY)
    assert codes(found) == [("child.cpr_birth_date_mismatch", "error", "child.cpr")]
    assert "24. november 2021" in found[0].message and "23. november 2021" in found[0].message


def test_no_cpr_no_finding():
    assert child.cpr_valid(sample("consent"), TODAY) == []
