"""Rules about the child block, shared by all four forms."""
from __future__ import annotations

import datetime as dt

from ..forms.record import Finding, error
from .common import as_date, dk_date, parse_cpr, section, text


def anonymised_identifiable(data: dict, today: dt.date) -> list[Finding]:
    """An anonymised discussion carries only the child's first name."""
    child = section(data, "child")
    if not child.get("anonymised"):
        return []
    found = []
    name = text(child.get("name"))
    if name and len(name.split()) > 1:
        found.append(error(
            "child.anonymised_identifiable", "child.name",
            f"Drøftelsen er anonym, men barnets navn står som »{name}«. Skriv kun "
            f"barnets fornavn (fx »{name.split()[0]}«), eller fjern krydset ved "
            f"»Anonym drøftelse«, hvis forældrene har givet samtykke."))
    if child.get("birth_date"):
        found.append(error(
            "child.anonymised_identifiable", "child.birth_date",
            "Drøftelsen er anonym, så barnets fødselsdato må ikke stå i skemaet. Slet "
            "fødselsdatoen, eller fjern krydset ved »Anonym drøftelse«."))
    if text(child.get("cpr")):
        found.append(error(
            "child.anonymised_identifiable", "child.cpr",
            "Drøftelsen er anonym, så barnets CPR-nummer må ikke stå i skemaet. Slet "
            "CPR-nummeret, eller fjern krydset ved »Anonym drøftelse«."))
    return found


def cpr_valid(data: dict, today: dt.date) -> list[Finding]:
    """A CPR number's date part is a real date, not in the future, and matches the birth date.

    Modulus 11 is never checked: numbers issued since 2007 need not satisfy it.
    """
    child = section(data, "child")
    cpr = text(child.get("cpr"))
    if cpr is None:
        return []
    born, problem = parse_cpr(cpr)
    if problem == "format":
        return [error("child.cpr_invalid", "child.cpr",
                      "CPR-nummeret skal skrives som 10 cifre, fx 010122-1234 "
                      "(fødselsdato DDMMÅÅ, bindestreg og fire cifre). Ret nummeret.")]
    if problem == "date" or born > today:
        return [error("child.cpr_invalid", "child.cpr",
                      "De første seks cifre i CPR-nummeret er ikke en mulig fødselsdato "
                      "(DDMMÅÅ). Tjek nummeret og ret det.")]
    birth = as_date(child.get("birth_date"))
    if birth is not None and birth != born:
        return [error("child.cpr_birth_date_mismatch", "child.cpr",
                      f"CPR-nummeret passer ikke med fødselsdatoen: nummeret siger "
                      f"{dk_date(born)}, fødselsdatoen er {dk_date(birth)}. Ret det, der "
                      f"er forkert.")]
    return []


RULES = (anonymised_identifiable, cpr_valid)
