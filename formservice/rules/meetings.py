"""Rules for the two meeting forms (first_meeting and follow_up_meeting).

Each rule is a pure function `(data, today) -> list[Finding]` over canonical data.
"""
from __future__ import annotations

import datetime as dt

from ..forms.blocks import INSTITUTION_ROLES, PARENT_ROLES, ROLES
from ..forms.options import NETWORK_MEETING
from ..forms.record import Finding, error, warning
from .common import (as_date, birth_date_of, dk_date, label, normalise, rows, same_person,
                     section, short, text)

AGENDA_DAYS = 7
MINUTES_DAYS = 7
# Listed participants count as invited unless they sent apologies: the participant list
# holds "everyone invited, also those who sent apologies" (see the form's help text).
_COUNTS = ("present", "invited", None)


def _who(participant: dict) -> str:
    name = text(participant.get("name"))
    return f"»{name}«" if name else "en deltager uden navn"


def _action_name(index: int, action: dict) -> str:
    description = text(action.get("description"))
    return f"Indsats nr. {index + 1}" + (f" (»{short(description)}«)" if description else "")


def _closing_section(data: dict) -> str:
    """The section holding next meeting and minutes: closing (first) or outcome (follow-up)."""
    return "outcome" if "outcome" in data and "closing" not in data else "closing"


def _outside(participant: dict) -> bool:
    role = participant.get("role")
    return role is not None and role not in INSTITUTION_ROLES + PARENT_ROLES + ("child",)


def parent_missing(data: dict, today: dt.date) -> list[Finding]:
    """At least one parent takes part or is recorded as invited (apologies do not count)."""
    parents = [p for p in rows(data, "participants") if p.get("role") in PARENT_ROLES]
    if any(p.get("attendance") in _COUNTS for p in parents):
        return []
    if parents:
        names = ", ".join(_who(p) for p in parents)
        return [error("meeting.parent_missing", "participants",
                      f"Alle forældre på deltagerlisten har meldt afbud ({names}). "
                      f"Forældrene deltager altid i mødet: find en dato, hvor mindst én "
                      f"forælder kan deltage, og skriv forælderen som »Deltager« eller "
                      f"»Inviteret«.")]
    return [error("meeting.parent_missing", "participants",
                  "Der står ingen forælder på deltagerlisten. Forældrene deltager altid i "
                  "mødet: tilføj mindst én forælder (rolle »Forælder med "
                  "forældremyndighed« eller »Forælder uden forældremyndighed«) som "
                  "»Deltager« eller »Inviteret«.")]


def nm_caseworker(data: dict, today: dt.date) -> list[Finding]:
    """A netværksmøde has a myndighed caseworker; otherwise suggest an udviklingsmøde."""
    if section(data, "meeting").get("meeting_type") != NETWORK_MEETING:
        return []
    caseworkers = [p for p in rows(data, "participants") if p.get("role") == "caseworker"]
    if any(p.get("attendance") in _COUNTS for p in caseworkers):
        return []
    if caseworkers:
        names = ", ".join(_who(p) for p in caseworkers)
        start = (f"Sagsbehandleren fra myndighed ({names}) har meldt afbud, og et "
                 f"netværksmøde holdes altid med myndighed.")
    else:
        start = ("Et netværksmøde holdes altid med en socialrådgiver/sagsbehandler fra "
                 "myndighed (Børn, Unge og Familier), men der står ingen på deltagerlisten.")
    return [error("meeting.nm_without_caseworker", "participants",
                  start + " Tilføj sagsbehandleren, eller hold i stedet et udviklingsmøde "
                          "(skift mødetypen til udviklingsmøde).")]


def nm_case_kind(data: dict, today: dt.date) -> list[Finding]:
    """A netværksmøde records whether the case is existing or unknown to the authority."""
    meeting = section(data, "meeting")
    if meeting.get("meeting_type") != NETWORK_MEETING or meeting.get("case_kind") is not None:
        return []
    return [error("meeting.case_kind_missing", "meeting.case_kind",
                  "Ved et netværksmøde skal der stå, om sagen er kendt af myndighed "
                  "(»Eksisterende sag«) eller ej (»Ukendt sag«). Vælg det under "
                  "»Sagstype (netværksmøde)«.")]


def leader_is_note_taker(data: dict, today: dt.date) -> list[Finding]:
    """The meeting leader and the note-taker are different people (a warning: some
    municipalities let the leader take the minutes)."""
    meeting = section(data, "meeting")
    if not same_person(meeting.get("leader"), meeting.get("note_taker")):
        return []
    return [warning("meeting.leader_is_note_taker", "meeting.note_taker",
                    f"{text(meeting['leader'])} står både som mødeleder og som referent. "
                    f"Det bør være to forskellige personer, så mødelederen kan koncentrere "
                    f"sig om at lede mødet: overvej en anden referent.")]


def times_in_order(data: dict, today: dt.date) -> list[Finding]:
    """Times and dates agree: the meeting ends after it starts, the next meeting is after
    this one, a follow-up's previous meeting is before it, the child is born before it."""
    meeting = section(data, "meeting")
    found = []
    start, end = text(meeting.get("start_time")), text(meeting.get("end_time"))
    if start and end and _minutes(end) is not None and _minutes(start) is not None \
            and _minutes(end) <= _minutes(start):
        found.append(error("meeting.end_not_after_start", "meeting.end_time",
                           f"Mødet slutter kl. {end}, men starter først kl. {start}. "
                           f"Ret »Sluttidspunkt« eller »Starttidspunkt«."))
    meeting_date = as_date(meeting.get("date"))
    if meeting_date is None:
        return found
    birth = birth_date_of(section(data, "child"))
    if birth is not None and birth > meeting_date:
        found.append(error("child.born_after_meeting", "child.birth_date",
                           f"Barnets fødselsdato ({dk_date(birth)}) ligger efter mødet "
                           f"({dk_date(meeting_date)}). Ret »Fødselsdato« eller "
                           f"»Mødedato«."))
    previous = as_date(section(data, "since_last").get("previous_meeting_date"))
    if previous is not None and previous >= meeting_date:
        found.append(error("follow_up.previous_not_before_meeting",
                           "since_last.previous_meeting_date",
                           f"»Dato for forrige møde« ({dk_date(previous)}) ligger ikke før "
                           f"dette møde ({dk_date(meeting_date)}). Ret datoen."))
    name = _closing_section(data)
    next_date = as_date(section(data, name).get("next_meeting_date"))
    if next_date is not None and next_date <= meeting_date:
        found.append(error("meeting.next_not_after_meeting", f"{name}.next_meeting_date",
                           f"Næste møde ({dk_date(next_date)}) ligger ikke efter dette møde "
                           f"({dk_date(meeting_date)}). Ret »Næste møde, dato«."))
    return found


def _minutes(value: str) -> int | None:
    hours, _, minutes = value.partition(":")
    try:
        return int(hours) * 60 + int(minutes)
    except ValueError:
        return None


def participant_twice(data: dict, today: dt.date) -> list[Finding]:
    """The same person is not listed twice among the participants."""
    seen: dict[str, int] = {}
    found = []
    for index, participant in enumerate(rows(data, "participants")):
        name = text(participant.get("name"))
        if name is None:
            continue
        key = normalise(name)
        if key in seen:
            found.append(warning(
                "meeting.participant_twice", f"participants.{index}.name",
                f"{name} står flere gange på deltagerlisten (deltager nr. {seen[key] + 1} "
                f"og nr. {index + 1}). Slet den ekstra række, eller ret navnet, hvis det "
                f"er to forskellige personer."))
        else:
            seen[key] = index
    return found


def next_follow_up_date(data: dict, today: dt.date) -> list[Finding]:
    """A follow-up whose outcome is another follow-up gives its date."""
    outcome = section(data, "outcome")
    if outcome.get("outcome") != "follow_up" or as_date(outcome.get("next_meeting_date")):
        return []
    return [error("follow_up.next_meeting_date_missing", "outcome.next_meeting_date",
                  "Der skal holdes et nyt opfølgende møde, men der står ingen dato. Skriv "
                  "datoen i »Næste møde, dato«.")]


def child_perspective(data: dict, today: dt.date) -> list[Finding]:
    """The child's perspective is recorded with how it was obtained, or why it was not."""
    discussion = section(data, "discussion")
    perspective = text(discussion.get("child_perspective"))
    method = discussion.get("method")
    reason = text(discussion.get("reason_not_obtained"))
    if method == "not_obtained":
        if reason:
            return []
        return [error("meeting.child_perspective_reason_missing",
                      "discussion.reason_not_obtained",
                      "Der står, at barnets perspektiv ikke er indhentet, men ikke hvorfor. "
                      "Skriv begrundelsen i »Hvorfor barnets perspektiv ikke er indhentet«.")]
    if method is None and perspective is None:
        if reason:  # a reason why not, without ticking "not obtained": that suffices
            return []
        return [error("meeting.child_perspective_missing", "discussion.child_perspective",
                      "Barnets perspektiv mangler. Skriv, hvad barnet selv fortæller eller "
                      "viser, og vælg, hvordan det er indhentet (fx samtale før mødet, "
                      "tegning eller observation). Er det ikke indhentet, så vælg »Ikke "
                      "indhentet« og skriv hvorfor.")]
    if method is None:
        return [error("meeting.child_perspective_method_missing", "discussion.method",
                      "Skriv, hvordan barnets perspektiv er indhentet: barnet deltog i "
                      "mødet, samtale før mødet, tegning eller observation.")]
    if perspective is None:
        return [error("meeting.child_perspective_missing", "discussion.child_perspective",
                      "Der er valgt, hvordan barnets perspektiv er indhentet, men ikke "
                      "skrevet, hvad barnet fortæller eller viser. Skriv barnets perspektiv.")]
    return []


def new_actions(data: dict, today: dt.date) -> list[Finding]:
    """Every new action has a description, a responsible person and a deadline after the meeting."""
    meeting_date = as_date(section(data, "meeting").get("date"))
    found = []
    for index, action in enumerate(rows(data, "actions")):
        name = _action_name(index, action)
        path = f"actions.{index}"
        if not text(action.get("description")):
            found.append(error("action.description_missing", f"{path}.description",
                               f"{name} mangler en beskrivelse. Skriv konkret, hvad der "
                               f"skal gøres."))
        if not text(action.get("responsible")):
            found.append(error("action.responsible_missing", f"{path}.responsible",
                               f"{name} mangler en ansvarlig. Skriv, hvem der står for "
                               f"indsatsen."))
        deadline = as_date(action.get("deadline"))
        if deadline is None:
            found.append(error("action.deadline_missing", f"{path}.deadline",
                               f"{name} mangler en tidsfrist. Skriv, hvornår den skal "
                               f"være gjort."))
        elif meeting_date is not None and deadline <= meeting_date:
            found.append(error("action.deadline_not_after_meeting", f"{path}.deadline",
                               f"Tidsfristen for {name[0].lower() + name[1:]} "
                               f"({dk_date(deadline)}) ligger ikke efter mødet "
                               f"({dk_date(meeting_date)}). Vælg en dato efter mødet."))
    return found


def reviewed_decisions(data: dict, today: dt.date) -> list[Finding]:
    """On a follow-up, every action agreed earlier gets a decision."""
    found = []
    for index, action in enumerate(rows(data, "reviewed_actions")):
        if action.get("decision") is None:
            name = _action_name(index, action)
            found.append(error("follow_up.decision_missing",
                               f"reviewed_actions.{index}.decision",
                               f"{name} fra sidste møde mangler en beslutning. Vælg "
                               f"fortsæt, justér eller stop."))
    return found


def agenda_sent(data: dict, today: dt.date) -> list[Finding]:
    """The agenda goes out at least 7 days before the meeting."""
    meeting = section(data, "meeting")
    meeting_date = as_date(meeting.get("date"))
    if meeting_date is None:
        return []
    due = meeting_date - dt.timedelta(days=AGENDA_DAYS)
    sent = as_date(meeting.get("agenda_sent"))
    if sent is None:
        if today <= due:
            return []
        return [warning("meeting.agenda_not_sent", "meeting.agenda_sent",
                        f"Der står ikke, hvornår dagsordenen blev sendt. Den skal sendes "
                        f"senest 7 dage før mødet, dvs. senest {dk_date(due)}. Skriv "
                        f"datoen i »Dagsorden sendt den«.")]
    if sent <= due:
        return []
    days = (meeting_date - sent).days
    when = (f"kun {days} dag{'e' if days != 1 else ''} før mødet" if days > 0
            else "på mødedagen" if days == 0 else "efter mødet")
    return [warning("meeting.agenda_late", "meeting.agenda_sent",
                    f"Dagsordenen blev sendt {when}. Den skal sendes senest 7 dage før, "
                    f"så alle kan forberede sig (her senest {dk_date(due)}).")]


def minutes_sent(data: dict, today: dt.date) -> list[Finding]:
    """The minutes go out within 7 days of the meeting; overdue minutes are shown."""
    meeting_date = as_date(section(data, "meeting").get("date"))
    if meeting_date is None:
        return []
    name = _closing_section(data)
    closing = section(data, name)
    limit = meeting_date + dt.timedelta(days=MINUTES_DAYS)
    due = as_date(closing.get("minutes_due"))
    sent = as_date(closing.get("minutes_sent"))
    found = []
    if due is not None and due > limit:
        found.append(warning("meeting.minutes_due_late", f"{name}.minutes_due",
                             f"Referatet skal sendes senest 7 dage efter mødet, dvs. "
                             f"senest {dk_date(limit)}, men fristen står til "
                             f"{dk_date(due)}. Ryk fristen frem."))
    if sent is not None:
        if sent > limit:
            days = (sent - meeting_date).days
            found.append(warning("meeting.minutes_late", f"{name}.minutes_sent",
                                 f"Referatet blev sendt {days} dage efter mødet. Det skal "
                                 f"sendes senest 7 dage efter (her {dk_date(limit)})."))
        return found
    deadline = min(limit, due) if due is not None else limit
    if today > deadline:
        by = text(closing.get("minutes_by"))
        found.append(warning("meeting.minutes_overdue", f"{name}.minutes_sent",
                             f"Referatet skulle have været sendt senest {dk_date(deadline)}"
                             + (f" (af {by})" if by else "") +
                             ", men der står ikke, at det er sendt. Send referatet, og "
                             "skriv datoen i »Referat sendt den«."))
    return found


def consent_on_file(data: dict, today: dt.date) -> list[Finding]:
    """Participants from outside the daycare/school need the parents' consent on file.

    The single-record side of the cross-record rule `cross.participants_covered`.
    """
    if section(data, "child").get("anonymised"):
        return []
    meeting = section(data, "meeting")
    outside = [p for p in rows(data, "participants") if _outside(p)]
    if not outside:
        return []
    if not meeting.get("consent_on_file"):
        names = ", ".join(f"{_who(p)} ({label(ROLES, p.get('role')).lower()})"
                          for p in outside)
        return [warning("meeting.consent_not_on_file", "meeting.consent_on_file",
                        f"Der deltager fagpersoner eller andre udefra ({names}), men der "
                        f"står ikke, at der foreligger samtykke fra forældrene. Indhent "
                        f"samtykke før mødet, og sæt kryds i »Der foreligger samtykke«.")]
    given = as_date(meeting.get("consent_date"))
    meeting_date = as_date(meeting.get("date"))
    if given is not None and meeting_date is not None and given > meeting_date:
        return [warning("meeting.consent_after_meeting", "meeting.consent_date",
                        f"Samtykket er givet {dk_date(given)}, efter mødet "
                        f"({dk_date(meeting_date)}). Oplysninger må kun udveksles med "
                        f"samtykke: tjek datoen.")]
    return []


COMMON = (parent_missing, participant_twice, nm_caseworker, nm_case_kind,
          leader_is_note_taker, times_in_order, agenda_sent, consent_on_file,
          child_perspective)
FIRST_MEETING = COMMON + (new_actions, minutes_sent)
FOLLOW_UP_MEETING = COMMON + (reviewed_decisions, new_actions, next_follow_up_date,
                              minutes_sent)
