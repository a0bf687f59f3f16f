"""Rules for the consent form (samtykke).

Each rule is a pure function `(data, today) -> list[Finding]` over canonical data.
A refused consent records a "no": only its purpose is checked, nothing about what it
would have covered or who signed it.
"""
from __future__ import annotations

import datetime as dt
import re

from ..forms.consent import HEALTH_PROFESSIONS, PROFESSIONS
from ..forms.record import Finding, error, warning
from .common import (add_years, age_on, as_date, birth_date_of, dk_date, label, rows,
                     section, short, text)

YOUNG_PERSON_AGE = 15
# A purpose of this many words or fewer ("Samarbejde", "Sprog og trivsel"?) is too vague.
VAGUE_PURPOSE_WORDS = 2
_WORDS = re.compile(r"[^\W\d_]+")
KIND_FLAGS = ("development", "health", "family", "school_daycare", "parent_health",
              "parent_abuse", "parent_crime")
PARENT_KINDS = {
    "parent_health": "en forælders helbred (fx alvorlig sygdom)",
    "parent_abuse": "misbrug hos en forælder",
    "parent_crime": "kriminelle forhold hos en forælder",
}

# Patterns in a free-text party or organisation that name a profession (lower case).
# "(?<![^\W\d_])" means "at the start of a word": "tale" matches "tale-hørelærer", not
# "samtale"; "psykolog", "læge", "terapeut" match anywhere ("børnelæge", "ergoterapeut").
_START = r"(?<![^\W\d_])"
_PPR = ("psychologist", "speech_consultant", "therapist")
PROFESSION_PATTERNS = (
    (r"psykolog", ("psychologist",)),  # also "skolepsykolog"
    (_START + r"ppr\b", _PPR),
    (r"pædagogisk[- ]psykologisk", _PPR),
    (_START + r"(sprog|tale|logopæd|hørelærer)", ("speech_consultant",)),
    (r"sundhedspl", ("health_visitor",)),
    (r"læge", ("doctor",)),
    (r"terapeut|" + _START + r"(fysio|ergo)", ("therapist",)),
    (r"socialrådgiv|sagsbehandl|myndighed|socialforvaltning|familieafdeling"
     r"|børn,? unge og famili|børn og famili", ("caseworker",)),
    (r"pædagogisk vejleder", ("pedagogical_advisor",)),
    (_START + r"uu\b|uddannelsesvejled", ("youth_guidance",)),
)
_PATTERNS = [(re.compile(pattern), codes) for pattern, codes in PROFESSION_PATTERNS]
# Health persons named explicitly (PPR alone does not make a party a health person).
_HEALTH = re.compile(r"sundhedspl|læge|terapeut|" + _START + r"(fysio|ergo)")


def professions_in(value) -> set[str]:
    """The professions a free text names, e.g. "PPR Holbæk" or "Sundhedsplejen"."""
    value = (text(value) or "").casefold()
    found = set()
    for pattern, codes in _PATTERNS:
        if pattern.search(value):
            found.update(codes)
    return found


def is_health_party(party: dict) -> bool:
    """A party covered by the Health Act (sundhedsplejerske, læge, terapeut)."""
    profession = party.get("profession")
    if profession in HEALTH_PROFESSIONS:
        return True
    if profession in (None, "other", "daycare_school"):
        return bool(_HEALTH.search((text(party.get("party")) or "").casefold()))
    return False


def is_refused(data: dict) -> bool:
    refusal = section(data, "refusal")
    return bool(refusal.get("refused")) or refusal.get("refused_date") is not None


def is_oral(data: dict) -> bool:
    return section(data, "given").get("given_as") == "oral"


def signed_dates(data: dict) -> list[dt.date]:
    dates = (as_date(h.get("signed_date")) for h in rows(data, "custody_holders"))
    return [d for d in dates if d is not None]


def given_date(data: dict) -> dt.date | None:
    """When consent was first given: the earliest signature, or the oral note's date."""
    dates = signed_dates(data)
    if dates:
        return min(dates)
    if is_oral(data):
        return as_date(section(data, "given").get("oral_noted_date"))
    return None


def health_limit(data: dict, today: dt.date | None = None) -> dt.date | None:
    """The last day a consent may cover health staff: one year after it was given."""
    start = (given_date(data) or as_date(section(data, "validity").get("valid_from"))
             or today)
    return add_years(start, 1) if start else None


def _holder(index: int, holder: dict) -> str:
    name = text(holder.get("name"))
    return name or f"Forælder nr. {index + 1}"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def _active(rule):
    """Skip a rule for a refused consent."""
    def wrapped(data, today):
        return [] if is_refused(data) else rule(data, today)
    wrapped.__name__ = rule.__name__
    wrapped.__doc__ = rule.__doc__
    wrapped.__wrapped__ = rule
    return wrapped


def purpose_missing(data: dict, today: dt.date) -> list[Finding]:
    """The consent states its purpose."""
    if text(section(data, "purpose").get("purpose")):
        return []
    return [error("consent.purpose_missing", "purpose.purpose",
                  "Skriv formålet med samtykket: konkret, hvad oplysningerne skal bruges "
                  "til (fx »at drøfte barnets sprog og trivsel på udviklingsmøder med PPR«). "
                  "Et samtykke uden formål gælder ikke.")]


@_active
def purpose_vague(data: dict, today: dt.date) -> list[Finding]:
    """A purpose of a word or two (e.g. "Samarbejde") cannot be specific."""
    purpose = text(section(data, "purpose").get("purpose"))
    if purpose is None or len(_WORDS.findall(purpose)) > VAGUE_PURPOSE_WORDS:
        return []
    return [warning("consent.purpose_vague", "purpose.purpose",
                    f"Formålet »{short(purpose)}« er for kort til at være konkret. Et "
                    f"samtykke skal sige, hvad oplysningerne skal bruges til (fx »at drøfte "
                    f"barnets sprog og trivsel på udviklingsmøder med PPR«). Uddyb "
                    f"»Formålet med samtykket«.")]


def refused_but_signed(data: dict, today: dt.date) -> list[Finding]:
    """A consent both refused and signed contradicts itself."""
    if not is_refused(data):
        return []
    signers = [_holder(i, h) for i, h in enumerate(rows(data, "custody_holders"))
               if as_date(h.get("signed_date")) is not None]
    if not signers:
        return []
    return [error("consent.refused_but_signed", "refusal.refused",
                  f"Der står både, at samtykket er afvist, og at {_names(signers)} har "
                  f"skrevet under. Et samtykke kan ikke både være givet og afvist: fjern "
                  f"krydset ved »Samtykke afvist« (og datoen i »Afvist den«), eller slet "
                  f"datoen i »Underskrevet den«.")]


@_active
def information_kinds(data: dict, today: dt.date) -> list[Finding]:
    """At least one kind of information is chosen."""
    information = section(data, "information")
    if any(information.get(flag) for flag in KIND_FLAGS) or text(information.get("other")):
        return []
    return [error("consent.information_kinds_missing", "information",
                  "Der er ikke valgt, hvilke oplysninger samtykket omfatter. Forældrene "
                  "sætter selv kryds ved de slags oplysninger, de siger ja til.")]


@_active
def parties(data: dict, today: dt.date) -> list[Finding]:
    """At least one party is named, each with who it is and which way information may go."""
    found = []
    listed = rows(data, "parties")
    if not listed:
        return [error("consent.parties_missing", "parties",
                      "Der står ingen parter. Skriv, hvem oplysningerne må indhentes fra "
                      "eller videregives til (fx PPR-psykolog eller sundhedsplejerske).")]
    for index, party in enumerate(listed):
        if not text(party.get("party")) and party.get("profession") in (None, "other"):
            found.append(error("consent.party_unnamed", f"parties.{index}.party",
                               f"Part nr. {index + 1} mangler navn eller faggruppe. Skriv, "
                               f"hvem oplysningerne må udveksles med."))
        elif party.get("direction") is None:
            who = text(party.get("party")) or label(PROFESSIONS, party.get("profession"))
            found.append(warning("consent.party_direction_missing",
                                 f"parties.{index}.direction",
                                 f"Der står ikke, om oplysninger må indhentes fra, "
                                 f"videregives til eller begge dele for »{who}«. Vælg en."))
    return found


@_active
def prefilled(data: dict, today: dt.date) -> list[Finding]:
    """Nothing is ticked in advance: kinds are ticked only when a custody holder consents."""
    information = section(data, "information")
    ticked = [flag for flag in KIND_FLAGS if information.get(flag)]
    if not ticked or signed_dates(data) or is_oral(data):
        return []
    return [error("consent.prefilled", "information",
                  "Der er sat kryds ved oplysninger, men ingen forælder har skrevet under. "
                  "Intet må være afkrydset på forhånd: forældrene sætter selv krydserne, "
                  "når de giver samtykke. Fjern krydserne, eller skriv datoen for "
                  "underskriften.")]


@_active
def custody_consent(data: dict, today: dt.date) -> list[Finding]:
    """Who must consent (Ballerup annex).

    Joint custody, living together: one suffices; joint custody, living apart: both,
    except that the parent the child lives with may consent alone when the other cannot
    be reached and the talk cannot wait, and the form records that reason (a warning
    then); sole custody: that holder. When both parents' influence on the child is to be
    discussed, both parents consent, even without joint custody. A holder has consented
    when "Underskrevet den" holds a date, also when a person with the holder's power of
    attorney signed; an oral consent without dates counts as one holder's consent.
    """
    holders = rows(data, "custody_holders")
    if not holders:
        return [error("consent.custody_holder_missing", "custody_holders",
                      "Skriv forældremyndighedsindehaverne på: navn, adresse og hvilken "
                      "forældremyndighed de har.")]
    found = []
    for index, holder in enumerate(holders):
        if holder.get("custody") is None:
            found.append(error("consent.custody_kind_missing",
                               f"custody_holders.{index}.custody",
                               f"Vælg, hvilken forældremyndighed {_holder(index, holder)} "
                               f"har: fælles, alene eller ingen. Det afgør, hvem der skal "
                               f"skrive under."))
    if found:
        return found
    found = _custody_holders_consent(data, holders)
    if section(data, "who_consents").get("both_parents_influence"):
        found += _both_parents_consent(data, holders, {f.path for f in found})
    return found


def _consented(holder: dict) -> bool:
    return as_date(holder.get("signed_date")) is not None


def _custody_holders_consent(data: dict, holders: list[dict]) -> list[Finding]:
    oral_only = is_oral(data) and not signed_dates(data)
    sole = [(i, h) for i, h in enumerate(holders) if h.get("custody") == "sole"]
    joint = [(i, h) for i, h in enumerate(holders) if h.get("custody") == "joint"]
    if sole:
        if oral_only or any(_consented(h) for _, h in sole):
            return []
        index, holder = sole[0]
        return [error("consent.custody_consent_missing",
                      f"custody_holders.{index}.signed_date",
                      f"{_holder(index, holder)} har forældremyndigheden alene og skal give "
                      f"samtykke. Skriv datoen for underskriften i »Underskrevet den«.")]
    if not joint:
        return [error("consent.custody_holder_missing", "custody_holders",
                      "Ingen af de opførte forældre har forældremyndighed. Skriv den eller "
                      "dem på, der har forældremyndigheden: de skal give samtykke.")]
    if section(data, "household").get("parents_live_together"):
        if oral_only or any(_consented(h) for _, h in joint):
            return []
        index, holder = joint[0]
        return [error("consent.custody_consent_missing",
                      f"custody_holders.{index}.signed_date",
                      "Forældrene har fælles forældremyndighed og bor sammen, så det er "
                      "nok, at den ene skriver under – men ingen har skrevet under endnu. "
                      "Skriv datoen for underskriften i »Underskrevet den«.")]
    if len(joint) < 2:
        return [error("consent.second_custody_holder_missing", "custody_holders",
                      "Der er fælles forældremyndighed, men kun én forælder står på. Når "
                      "forældrene ikke bor sammen, skal begge give samtykke: skriv den "
                      "anden forælder på. (Bor forældrene sammen, så sæt kryds i "
                      "»Forældrene bor sammen«.)")]
    unsigned = [(i, h) for i, h in joint if not _consented(h)]
    signed = [(i, h) for i, h in joint if _consented(h)]
    who = section(data, "who_consents")
    reason = text(who.get("sole_signer_reason"))
    exception = (unsigned and signed and reason and not who.get("both_parents_influence")
                 and all(h.get("lives_with_child") for _, h in signed))
    found = []
    for index, holder in unsigned:
        if exception:
            found.append(warning(
                "consent.custody_exception", f"custody_holders.{index}.signed_date",
                f"Kun {_names([_holder(i, h) for i, h in signed])}, som barnet bor hos, "
                f"har givet samtykke; {_holder(index, holder)} har ikke skrevet under. "
                f"Begrundelsen står på skemaet (»{short(reason, 60)}«). Bed "
                f"{_holder(index, holder)} om samtykke, så snart det er muligt."))
            continue
        hint = (" Ved mundtligt samtykke: skriv datoen for hver forælders samtykke."
                if is_oral(data) else "")
        if signed and not reason and all(h.get("lives_with_child") for _, h in signed):
            hint += (" Kan den anden forælder ikke nås, og kan samtalen ikke vente, så "
                     "skriv begrundelsen i »Begrundelse, hvis kun den forælder, barnet bor "
                     "hos, giver samtykke«.")
        elif signed and reason and not all(h.get("lives_with_child") for _, h in signed):
            hint += (" Undtagelsen gælder kun, når den forælder, barnet bor hos, giver "
                     "samtykke (sæt kryds i »Bor med barnet«).")
        found.append(error(
            "consent.custody_consent_missing", f"custody_holders.{index}.signed_date",
            f"Forældrene har fælles forældremyndighed og bor ikke sammen, så begge skal "
            f"give samtykke, men {_holder(index, holder)} har ikke skrevet under.{hint} "
            f"(Bor forældrene sammen, så sæt kryds i »Forældrene bor sammen«.)"))
    return found


def _both_parents_consent(data: dict, holders: list[dict], reported: set) -> list[Finding]:
    if len(holders) < 2:
        if "custody_holders" in reported:
            return []
        return [error("consent.both_parents_required", "custody_holders",
                      "Begge forældres indflydelse på barnet skal drøftes, så begge "
                      "forældre skal give samtykke – også en forælder uden "
                      "forældremyndighed. Skriv den anden forælder på, og få vedkommendes "
                      "underskrift.")]
    found = []
    for index, holder in enumerate(holders):
        path = f"custody_holders.{index}.signed_date"
        if _consented(holder) or path in reported:
            continue
        found.append(error(
            "consent.both_parents_required", path,
            f"Begge forældres indflydelse på barnet skal drøftes, så begge forældre skal "
            f"give samtykke, også uden fælles forældremyndighed – men "
            f"{_holder(index, holder)} har ikke skrevet under. Skriv datoen i "
            f"»Underskrevet den«."))
    return found


@_active
def proxy_recorded(data: dict, today: dt.date) -> list[Finding]:
    """A person signing under a custody holder's power of attorney (fuldmagt) is named,
    with the date of the fuldmagt, which is not after the signature."""
    found = []
    for index, holder in enumerate(rows(data, "custody_holders")):
        proxy, dated = text(holder.get("proxy_name")), as_date(holder.get("proxy_date"))
        signed = as_date(holder.get("signed_date"))
        path = f"custody_holders.{index}"
        if proxy and dated is None:
            found.append(error("consent.proxy_incomplete", f"{path}.proxy_date",
                               f"{proxy} har skrevet under med fuldmagt for "
                               f"{_holder(index, holder)}, men fuldmagtens dato mangler. "
                               f"Skriv den i »Fuldmagten er dateret«."))
        elif dated is not None and not proxy:
            found.append(error("consent.proxy_incomplete", f"{path}.proxy_name",
                               f"Der står en fuldmagt for {_holder(index, holder)}, men ikke "
                               f"hvem der har skrevet under med den. Skriv navnet i "
                               f"»Underskrevet med fuldmagt af«."))
        elif dated is not None and signed is not None and dated > signed:
            found.append(error("consent.proxy_after_signature", f"{path}.proxy_date",
                               f"Fuldmagten fra {_holder(index, holder)} er dateret "
                               f"{dk_date(dated)}, efter underskriften ({dk_date(signed)}). "
                               f"Man kan kun skrive under med en fuldmagt, der allerede er "
                               f"givet: tjek datoerne."))
    return found


@_active
def oral_noted(data: dict, today: dt.date) -> list[Finding]:
    """An oral consent is noted: by whom and when (notatpligt)."""
    if not is_oral(data):
        return []
    given = section(data, "given")
    found = []
    if not text(given.get("oral_noted_by")):
        found.append(error("consent.oral_not_noted", "given.oral_noted_by",
                           "Samtykket er givet mundtligt. Skriv, hvem der noterede det – "
                           "der er notatpligt ved mundtligt samtykke."))
    if as_date(given.get("oral_noted_date")) is None:
        found.append(error("consent.oral_not_noted", "given.oral_noted_date",
                           "Samtykket er givet mundtligt. Skriv, hvornår det blev "
                           "noteret – der er notatpligt ved mundtligt samtykke."))
    return found


@_active
def parent_own_circumstances(data: dict, today: dt.date) -> list[Finding]:
    """Information about a parent's own circumstances needs that parent's own consent.

    The form does not say which parent it concerns, so it reminds unless at least two
    parents are listed and all of them have signed.
    """
    information = section(data, "information")
    ticked = [flag for flag in PARENT_KINDS if information.get(flag)]
    holders = rows(data, "custody_holders")
    if not ticked or (len(holders) >= 2
                      and all(as_date(h.get("signed_date")) for h in holders)):
        return []
    return [warning("consent.parent_own_consent", f"information.{flag}",
                    f"Samtykket omfatter {PARENT_KINDS[flag]}. Det kræver samtykke fra "
                    f"netop den forælder, det handler om – også hvis forælderen ikke har "
                    f"forældremyndighed. Skriv forælderen på, og få vedkommendes "
                    f"underskrift.")
            for flag in ticked]


@_active
def young_person_heard(data: dict, today: dt.date) -> list[Finding]:
    """A young person of 15 or more has been heard (or co-signs)."""
    birth = birth_date_of(section(data, "child"))
    if birth is None:
        return []
    on = max(today, as_date(section(data, "validity").get("valid_from")) or today)
    age = age_on(birth, on)
    if age < YOUNG_PERSON_AGE:
        return []
    young = section(data, "young_person")
    if young.get("heard") or young.get("co_signed") or text(young.get("view")):
        return []
    return [warning("consent.young_person_not_heard", "young_person.heard",
                    f"Den unge er {age} år. Fra 15 år skal den unge høres og kan skrive "
                    f"under sammen med forældrene. Skriv den unges egen holdning, og sæt "
                    f"kryds i »Den unge er hørt«.")]


@_active
def health_validity(data: dict, today: dt.date) -> list[Finding]:
    """Consent covering health staff ends one year after it was given at the latest."""
    health = [p for p in rows(data, "parties") if is_health_party(p)]
    if not health:
        return []
    names = ", ".join(sorted({text(p.get("party")) or label(PROFESSIONS, p.get("profession"))
                              for p in health}, key=str.casefold))
    limit = health_limit(data, today)
    until = as_date(section(data, "validity").get("valid_until"))
    if until is None:
        return [error("consent.health_validity", "validity.valid_until",
                      f"Samtykket omfatter sundhedspersoner ({names}), og så gælder det "
                      f"højst ét år fra underskriften. Skriv en slutdato i »Gælder til« – "
                      f"senest {dk_date(limit)}.")]
    if until > limit:
        return [error("consent.health_validity", "validity.valid_until",
                      f"Samtykket omfatter sundhedspersoner ({names}), og så gælder det "
                      f"højst ét år fra underskriften, dvs. til og med {dk_date(limit)}. "
                      f"Ret »Gælder til«.")]
    return []


def validity_order(data: dict, today: dt.date) -> list[Finding]:
    """A consent does not end before it starts."""
    validity = section(data, "validity")
    start, until = as_date(validity.get("valid_from")), as_date(validity.get("valid_until"))
    if start is None or until is None or until >= start:
        return []
    return [error("consent.validity_order", "validity.valid_until",
                  f"Samtykket slutter ({dk_date(until)}), før det begynder "
                  f"({dk_date(start)}). Ret datoerne under »Varighed«.")]


def revocation_complete(data: dict, today: dt.date) -> list[Finding]:
    """A revocation says when (and is ticked when it has a date)."""
    revocation = section(data, "revocation")
    revoked = revocation.get("revoked")
    revoked_date = as_date(revocation.get("revoked_date"))
    if revoked and revoked_date is None:
        return [warning("consent.revocation_incomplete", "revocation.revoked_date",
                        "Samtykket er trukket tilbage, men der står ikke hvornår. Skriv "
                        "datoen – samtykket gælder ikke fra den dag.")]
    if not revoked and (revoked_date or text(revocation.get("revoked_by"))):
        return [warning("consent.revocation_incomplete", "revocation.revoked",
                        "Der står oplysninger om en tilbagekaldelse, men der er ikke sat "
                        "kryds i »Samtykket er trukket tilbage«. Sæt krydset, eller slet "
                        "oplysningerne.")]
    return []


RULES = (purpose_missing, purpose_vague, refused_but_signed, information_kinds, prefilled,
         parties, custody_consent, proxy_recorded, oral_noted, parent_own_circumstances, young_person_heard, health_validity,
         validity_order, revocation_complete)
