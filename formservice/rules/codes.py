"""Every finding code the rules give, its default severity and a short Danish description.

The defaults are the rules table in FORMS.md. A municipality's profile may change a
code's severity to "error", "warning" or "off" (`apply_severity`); a profile naming a code
not listed here is a configuration error (`severity_problems` says which).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..forms.record import Finding

ERROR, WARNING, OFF = "error", "warning", "off"
SEVERITIES = (ERROR, WARNING, OFF)

_TABLE = (
    # shared: required fields and the child
    ("required", ERROR, "Et påkrævet felt er tomt (et felt med kun mellemrum er tomt)."),
    ("child.anonymised_identifiable", ERROR,
     "En anonym drøftelse må kun indeholde barnets fornavn."),
    ("child.cpr_invalid", ERROR, "CPR-nummerets datodel er ikke en mulig fødselsdato."),
    ("child.cpr_birth_date_mismatch", ERROR, "CPR-nummeret passer ikke med fødselsdatoen."),
    ("child.born_after_meeting", ERROR, "Barnet er født efter mødet."),
    # meetings
    ("meeting.parent_missing", ERROR,
     "Mindst én forælder deltager eller er inviteret."),
    ("meeting.participant_twice", WARNING,
     "Den samme person står flere gange på deltagerlisten."),
    ("meeting.nm_without_caseworker", ERROR,
     "Et netværksmøde har en sagsbehandler fra myndighed med."),
    ("meeting.case_kind_missing", ERROR,
     "Et netværksmøde angiver, om sagen er eksisterende eller ukendt."),
    ("meeting.leader_is_note_taker", WARNING,
     "Mødeleder og referent bør være forskellige personer."),
    ("meeting.end_not_after_start", ERROR, "Mødet slutter, før det starter."),
    ("meeting.next_not_after_meeting", ERROR, "Næste møde ligger ikke efter dette møde."),
    ("follow_up.previous_not_before_meeting", ERROR,
     "Det forrige møde ligger ikke før det opfølgende møde."),
    ("meeting.agenda_not_sent", WARNING, "Der står ikke, hvornår dagsordenen blev sendt."),
    ("meeting.agenda_late", WARNING, "Dagsordenen blev sendt mindre end 7 dage før mødet."),
    ("meeting.consent_not_on_file", WARNING,
     "Der deltager fagpersoner udefra, men der står ikke, at der foreligger samtykke."),
    ("meeting.consent_after_meeting", WARNING, "Samtykket er givet efter mødet."),
    ("meeting.child_perspective_missing", ERROR, "Barnets perspektiv mangler."),
    ("meeting.child_perspective_method_missing", ERROR,
     "Der står ikke, hvordan barnets perspektiv er indhentet."),
    ("meeting.child_perspective_reason_missing", ERROR,
     "Barnets perspektiv er ikke indhentet, og der står ikke hvorfor."),
    ("action.description_missing", ERROR, "En ny indsats mangler en beskrivelse."),
    ("action.responsible_missing", ERROR, "En ny indsats mangler en ansvarlig."),
    ("action.deadline_missing", ERROR, "En ny indsats mangler en tidsfrist."),
    ("action.deadline_not_after_meeting", ERROR,
     "En ny indsats har en tidsfrist, der ikke ligger efter mødet."),
    ("follow_up.decision_missing", ERROR,
     "En indsats fra sidste møde mangler en beslutning."),
    ("follow_up.next_meeting_date_missing", ERROR,
     "Der skal holdes et nyt opfølgende møde, men datoen mangler."),
    ("meeting.minutes_due_late", WARNING,
     "Fristen for referatet ligger mere end 7 dage efter mødet."),
    ("meeting.minutes_late", WARNING, "Referatet blev sendt mere end 7 dage efter mødet."),
    ("meeting.minutes_overdue", WARNING, "Referatet er ikke sendt, og fristen er overskredet."),
    # consent
    ("consent.purpose_missing", ERROR, "Samtykket mangler et formål."),
    ("consent.purpose_vague", WARNING,
     "Formålet er så kort (et ord eller to), at det ikke kan være konkret."),
    ("consent.refused_but_signed", ERROR, "Samtykket er både afvist og underskrevet."),
    ("consent.information_kinds_missing", ERROR,
     "Der er ikke valgt, hvilke oplysninger samtykket omfatter."),
    ("consent.prefilled", ERROR, "Der er sat kryds på forhånd, før nogen har skrevet under."),
    ("consent.parties_missing", ERROR, "Samtykket nævner ingen parter."),
    ("consent.party_unnamed", ERROR, "En part mangler navn eller faggruppe."),
    ("consent.party_direction_missing", WARNING,
     "Der står ikke, om oplysninger må indhentes, videregives eller begge dele."),
    ("consent.custody_holder_missing", ERROR,
     "Der står ingen forældremyndighedsindehaver på samtykket."),
    ("consent.custody_kind_missing", ERROR, "Der er ikke valgt en forældremyndighed."),
    ("consent.custody_consent_missing", ERROR,
     "En forældremyndighedsindehaver, der skal give samtykke, har ikke skrevet under."),
    ("consent.second_custody_holder_missing", ERROR,
     "Fælles forældremyndighed og forskellige adresser, men kun én forælder står på."),
    ("consent.custody_exception", WARNING,
     "Kun den forælder, barnet bor hos, har givet samtykke, med begrundelse (undtagelsen)."),
    ("consent.both_parents_required", ERROR,
     "Begge forældres indflydelse skal drøftes, men ikke begge forældre har givet samtykke."),
    ("consent.proxy_incomplete", ERROR,
     "En underskrift med fuldmagt mangler navn eller fuldmagtens dato."),
    ("consent.proxy_after_signature", ERROR, "Fuldmagten er dateret efter underskriften."),
    ("consent.oral_not_noted", ERROR,
     "Et mundtligt samtykke mangler, hvem der noterede det og hvornår."),
    ("consent.parent_own_consent", WARNING,
     "Oplysninger om en forælders egne forhold kræver den forælders eget samtykke."),
    ("consent.young_person_not_heard", WARNING, "En ung på 15 år eller mere er ikke hørt."),
    ("consent.health_validity", ERROR,
     "Samtykke til sundhedspersoner gælder højst ét år fra underskriften."),
    ("consent.validity_order", ERROR, "Samtykket slutter, før det begynder."),
    ("consent.revocation_incomplete", WARNING, "En tilbagekaldelse er ikke udfyldt helt."),
    # network map
    ("network_map.person_unnamed", ERROR, "En person på netværkskortet mangler et navn."),
    ("network_map.person_not_placed", WARNING,
     "En person på netværkskortet mangler område eller nærhed."),
    ("network_map.link_unknown_person", WARNING,
     "En forbindelse nævner en person, der ikke står på kortet."),
    # across records: a consent and a meeting (rules.cross)
    ("consent.refused", ERROR, "Forældrene har sagt nej til samtykket."),
    ("consent.not_given", ERROR, "Samtykket er ikke underskrevet."),
    ("consent.given_after_meeting", ERROR, "Samtykket er givet efter mødet."),
    ("consent.revoked", ERROR, "Samtykket er trukket tilbage før mødet."),
    ("consent.not_yet_valid", ERROR, "Samtykket gælder først efter mødet."),
    ("consent.expired", ERROR, "Samtykket var udløbet ved mødet."),
    ("meeting.consent_revoked", ERROR,
     "Mødet ligger efter, at samtykket blev trukket tilbage, og intet andet samtykke "
     "dækker det."),
    ("meeting.consent_expired", ERROR,
     "Mødet ligger efter, at samtykket udløb, og intet andet samtykke dækker det."),
    ("meeting.participant_not_covered", WARNING,
     "En deltager udefra er ikke omfattet af et gyldigt samtykke."),
    ("meeting.consent_on_file_mismatch", WARNING,
     "Mødet siger, at der foreligger samtykke, men samtykkerne på sagen dækker ikke mødet."),
)

RULE_CODES: dict[str, dict[str, str]] = {
    code: {"severity": severity, "description": description}
    for code, severity, description in _TABLE
}


def default_severity(code: str) -> str | None:
    info = RULE_CODES.get(code)
    return info["severity"] if info else None


def severity_problems(severity: Mapping | None) -> list[str]:
    """What is wrong with a profile's mapping rule code → severity, in Danish (empty when
    nothing is): unknown codes and severities other than error, warning and off."""
    problems = []
    for code, value in (severity or {}).items():
        if code not in RULE_CODES:
            problems.append(f"Ukendt regel »{code}«.")
        elif value not in SEVERITIES:
            problems.append(f"Reglen »{code}« skal være error, warning eller off, "
                            f"ikke »{value}«.")
    return problems


def apply_severity(findings: Iterable[Finding], severity: Mapping | None) -> list[Finding]:
    """`findings` with the severities a profile gives (rule code → "error" | "warning" |
    "off"); "off" drops the finding, codes the mapping does not name keep theirs.

    Raises ValueError for a severity other than the three (a code the rules do not know is
    left to the caller, who validates the profile with `severity_problems`).
    """
    findings = list(findings)
    if not severity:
        return findings
    for code, value in severity.items():
        if value not in SEVERITIES:
            raise ValueError(f"Reglen »{code}« skal være error, warning eller off, "
                             f"ikke »{value}«.")
    out = []
    for finding in findings:
        value = severity.get(finding.code)
        if value == OFF:
            continue
        if value is not None and value != finding.severity:
            finding = Finding(finding.code, value, finding.path, finding.message)
        out.append(finding)
    return out
