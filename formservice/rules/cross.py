"""Rules that need two records: a consent and the meeting it should cover.

Pure functions over canonical data; the caller fetches the records.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..forms.blocks import INSTITUTION_ROLES, PARENT_ROLES, ROLES
from ..forms.record import Finding, error, warning
from .codes import apply_severity
from .common import as_date, dk_date, label, normalise, rows, section, text
from .consent import (given_date, health_limit, is_health_party, is_refused,
                      professions_in, signed_dates)

# The consent profession that covers each participant role. Roles with no profession of
# their own (UU-vejleder, netværksperson, andet) are matched by the party's text.
ROLE_PROFESSIONS = {
    "psychologist": "psychologist",
    "speech_consultant": "speech_consultant",
    "therapist": "therapist",
    "health_visitor": "health_visitor",
    "caseworker": "caseworker",
    "pedagogical_advisor": "pedagogical_advisor",
    "youth_guidance": "youth_guidance",
}
_NOT_OUTSIDE = INSTITUTION_ROLES + PARENT_ROLES + ("child",)


def consent_covers(consent_data: dict, meeting_date, *,
                   severity: Mapping[str, str] | None = None) -> list[Finding]:
    """Errors when the consent does not cover a meeting held on `meeting_date`.

    A refused consent covers nothing; a consent not yet given, not yet valid, expired or
    revoked (on or before the meeting day) covers no meeting after that. A consent whose
    only parties are health staff ends one year after it was given. Paths point into the
    consent record. `meeting_date` may be a date, an ISO string or None (then only what
    does not depend on the date is checked). `severity` as in rules.check; it changes how
    the findings are shown, not what a consent covers: decide coverage without it (an
    empty list means the consent covers the meeting).
    """
    return apply_severity(_covers_findings(consent_data, meeting_date), severity)


def _covers_findings(consent_data: dict, meeting_date) -> list[Finding]:
    on = as_date(meeting_date)
    when = f"mødet {dk_date(on)}" if on else "mødet"
    if is_refused(consent_data):
        return [error("consent.refused", "refusal.refused",
                      f"Forældrene har sagt nej til samtykket, så det dækker ikke {when}. "
                      f"Oplysninger om barnet må ikke udveksles med fagpersoner udefra.")]
    found = []
    given = given_date(consent_data)
    if given is None:
        found.append(error("consent.not_given", "custody_holders",
                           f"Samtykket er ikke underskrevet, så det dækker ikke {when}. "
                           f"Få forældrenes underskrift før mødet."))
    elif on is not None and given > on:
        found.append(error("consent.given_after_meeting", "custody_holders",
                           f"Samtykket er givet {dk_date(given)}, efter {when}, og gælder "
                           f"ikke bagud."))
    revocation = section(consent_data, "revocation")
    revoked_date = as_date(revocation.get("revoked_date"))
    if revocation.get("revoked") or revoked_date is not None:
        if revoked_date is None or on is None or revoked_date <= on:
            since = f" {dk_date(revoked_date)}" if revoked_date else ""
            found.append(error("consent.revoked", "revocation.revoked",
                               f"Samtykket blev trukket tilbage{since}, så det dækker "
                               f"ikke {when}. Spørg forældrene om et nyt samtykke."))
    validity = section(consent_data, "validity")
    start, until = as_date(validity.get("valid_from")), as_date(validity.get("valid_until"))
    if on is not None and start is not None and start > on:
        found.append(error("consent.not_yet_valid", "validity.valid_from",
                           f"Samtykket gælder først fra {dk_date(start)}, så det dækker "
                           f"ikke {when}."))
    if on is not None and until is not None and until < on:
        found.append(error("consent.expired", "validity.valid_until",
                           f"Samtykket udløb {dk_date(until)}, så det dækker ikke {when}. "
                           f"Spørg forældrene om et nyt samtykke."))
    else:
        parties = rows(consent_data, "parties")
        limit = health_limit(consent_data)
        if (on is not None and limit is not None and parties
                and all(is_health_party(p) for p in parties) and on > limit):
            found.append(error("consent.expired", "validity.valid_until",
                               f"Samtykket omfatter kun sundhedspersoner og gælder derfor "
                               f"højst ét år, dvs. til og med {dk_date(limit)}. Det dækker "
                               f"ikke {when}. Spørg forældrene om et nyt samtykke."))
    return found


def _participant_professions(participant: dict) -> set[str]:
    role = participant.get("role")
    if role in ROLE_PROFESSIONS:
        return {ROLE_PROFESSIONS[role]}
    # andet / netværksperson: what the organisation says, e.g. "Lægehuset Algade"
    return professions_in(participant.get("organisation"))


def _party_professions(party: dict) -> set[str]:
    found = professions_in(party.get("party"))
    if party.get("profession"):
        found.add(party["profession"])
    return found


def _names_match(party: dict, participant: dict) -> bool:
    """The party names this participant or their organisation (e.g. "mormor Birgit Holm")."""
    party_text = normalise(party.get("party"))
    if len(party_text) < 3:
        return False
    for value in (participant.get("name"), participant.get("organisation")):
        value = normalise(value)
        if len(value) >= 3 and (value in party_text or party_text in value):
            return True
    return False


def _covers(party: dict, participant: dict) -> bool:
    if _names_match(party, participant):
        return True
    return bool(_party_professions(party) & _participant_professions(participant))


def participants_covered(meeting_data: dict, consent_datas: list[dict], *,
                         severity: Mapping[str, str] | None = None) -> list[Finding]:
    """A warning for each participant from outside the daycare/school not covered by a
    valid consent.

    "Outside" is every role except the daycare/school's own (INSTITUTION_ROLES), the
    parents and the child; rows without a role are left alone. A consent counts when
    `consent_covers` finds nothing against it for the meeting's date; a party matches a
    participant by profession (role ↔ profession, or words like "PPR", "sundhedspleje",
    "læge" in the party's text) or by naming the person or their organisation. A health
    party no longer counts one year after the consent was given. An anonymised
    discussion needs no consent.
    """
    if section(meeting_data, "child").get("anonymised"):
        return []
    on = as_date(section(meeting_data, "meeting").get("date"))
    valid = [c for c in consent_datas or [] if not _covers_findings(c, on)]
    found = []
    for index, participant in enumerate(rows(meeting_data, "participants")):
        role = participant.get("role")
        if role is None or role in _NOT_OUTSIDE:
            continue
        if any(_covers(party, participant)
               and not (on is not None and is_health_party(party)
                        and health_limit(consent) is not None
                        and on > health_limit(consent))
               for consent in valid for party in rows(consent, "parties")):
            continue
        name = text(participant.get("name")) or "En deltager uden navn"
        role_name = label(ROLES, role).lower()
        if not valid:
            reason = ("Der er intet gyldigt samtykke fra forældrene til mødet"
                      + (f" {dk_date(on)}" if on else "") + ".")
        else:
            reason = "Det gyldige samtykke nævner ikke denne faggruppe eller person."
        found.append(warning(
            "meeting.participant_not_covered", f"participants.{index}",
            f"{name} ({role_name}) er ikke omfattet af forældrenes samtykke. {reason} "
            f"Indhent samtykke, der nævner {name} eller faggruppen, før oplysninger om "
            f"barnet drøftes med vedkommende."))
    return apply_severity(found, severity)


def _needs_consent(meeting_data: dict) -> bool:
    """The meeting relies on the parents' consent: it says consent is on file, or someone
    from outside the daycare/school is on the participant list."""
    if section(meeting_data, "meeting").get("consent_on_file"):
        return True
    return any(p.get("role") is not None and p.get("role") not in _NOT_OUTSIDE
               for p in rows(meeting_data, "participants"))


def _ended(consent_data: dict, on) -> tuple[str, object] | None:
    """("revoked", date) or ("expired", date) when the consent ended on or before `on`
    (revoked that day or earlier, or valid until a day before it), else None."""
    revocation = section(consent_data, "revocation")
    revoked_date = as_date(revocation.get("revoked_date"))
    if (revocation.get("revoked") or revoked_date) and revoked_date is not None \
            and revoked_date <= on:
        return "revoked", revoked_date
    until = as_date(section(consent_data, "validity").get("valid_until"))
    if until is not None and until < on:
        return "expired", until
    parties = rows(consent_data, "parties")
    limit = health_limit(consent_data)
    if limit is not None and parties and all(is_health_party(p) for p in parties) \
            and on > limit:
        return "expired", limit
    return None


def meeting_against_consents(meeting_data: dict, consent_datas: list[dict], *,
                             severity: Mapping[str, str] | None = None) -> list[Finding]:
    """What the case's stored consents say about a meeting record.

    `consent_datas` are the data of the case's final stored consents (canonical shape).
    Paths point into the meeting record.
    - an error when the meeting lies after a consent of the case was revoked
      (meeting.consent_revoked) or expired (meeting.consent_expired) and no other consent
      covers the meeting; only for a meeting that relies on consent (someone from outside
      the daycare/school takes part, or it says "Der foreligger samtykke");
    - a warning for each participant from outside the daycare/school not covered by a
      valid consent (meeting.participant_not_covered, see participants_covered);
    - a warning when the meeting says "Der foreligger samtykke" but no stored consent
      covers its date, or none was given on the date it states
      (meeting.consent_on_file_mismatch).
    An anonymised discussion needs none of this.
    """
    if section(meeting_data, "child").get("anonymised"):
        return []
    consent_datas = [c for c in consent_datas or [] if isinstance(c, dict)]
    meeting = section(meeting_data, "meeting")
    on = as_date(meeting.get("date"))
    found: list[Finding] = []
    covering = [c for c in consent_datas if not _covers_findings(c, on)]
    if on is not None and not covering and _needs_consent(meeting_data):
        ended = [e for e in (_ended(c, on) for c in consent_datas) if e is not None]
        for kind in ("revoked", "expired"):
            days = sorted({d for k, d in ended if k == kind})
            if not days:
                continue
            when = ", ".join(dk_date(d) for d in days)
            if kind == "revoked":
                found.append(error(
                    "meeting.consent_revoked", "meeting.date",
                    f"Mødet {dk_date(on)} ligger efter, at forældrenes samtykke blev trukket "
                    f"tilbage ({when}), og intet andet samtykke på sagen dækker mødet. "
                    f"Oplysninger om barnet må ikke udveksles med fagpersoner udefra: få et "
                    f"nyt samtykke, eller hold mødet uden dem."))
            else:
                found.append(error(
                    "meeting.consent_expired", "meeting.date",
                    f"Mødet {dk_date(on)} ligger efter, at forældrenes samtykke udløb "
                    f"({when}), og intet andet samtykke på sagen dækker mødet. Få et nyt "
                    f"samtykke før mødet."))
    found += participants_covered(meeting_data, consent_datas)
    if meeting.get("consent_on_file"):
        found += _on_file_mismatch(meeting, on, consent_datas, covering)
    return apply_severity(found, severity)


def _on_file_mismatch(meeting: dict, on, consent_datas: list[dict],
                      covering: list[dict]) -> list[Finding]:
    when = f" {dk_date(on)}" if on else ""
    if not consent_datas:
        return [warning("meeting.consent_on_file_mismatch", "meeting.consent_on_file",
                        "Der står »Der foreligger samtykke«, men der er ikke gemt noget "
                        "samtykke på sagen. Gem samtykket på sagen, eller fjern krydset.")]
    if on is not None and not covering:
        return [warning("meeting.consent_on_file_mismatch", "meeting.consent_on_file",
                        f"Der står »Der foreligger samtykke«, men intet af samtykkerne på "
                        f"sagen dækker mødet{when}. Tjek samtykket, og ret krydset eller "
                        f"datoen.")]
    stated = as_date(meeting.get("consent_date"))
    if stated is None:
        return []
    known = set()
    for consent in (covering or consent_datas):
        known.update(signed_dates(consent))
        for value in (given_date(consent),
                      as_date(section(consent, "validity").get("valid_from"))):
            if value is not None:
                known.add(value)
    if stated in known:
        return []
    return [warning("meeting.consent_on_file_mismatch", "meeting.consent_date",
                    f"»Samtykke givet den« står til {dk_date(stated)}, men intet samtykke "
                    f"på sagen er givet den dag. Ret datoen, så den passer med samtykket "
                    f"på sagen.")]
