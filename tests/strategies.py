"""Hypothesis strategies for form data whose text is as hostile as staff can type."""
from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from formservice.forms import fields as kinds
from formservice.forms.layout import sections

HOSTILE = ["{{ x }}", "{% if x %}", "{%tr for r in rows %}", "{{p x }}", "<w:t>", "</w:p>",
           "&", "&amp;", '"', "'", "æøå", "ÆØÅ", "😀", "👩‍👧", "\n", "\t", "  ", "ş ğ ı ł ń ą ę ơ ư ạ",
           "{_{", "%}", "]]>", "\u00a0", "–€"]

_chars = st.characters(blacklist_categories=("Cs", "Cc", "Cn"))
text_values = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(_chars, min_size=1, max_size=8)),
                       min_size=1, max_size=6).map("".join)
dates = st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)).map(dt.date.isoformat)
times = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: f"{t[0]:02d}:{t[1]:02d}")


def _value(spec):
    if spec.kind == kinds.BOOL:
        return st.booleans()
    inner = {
        kinds.TEXT: text_values,
        kinds.DATE: dates,
        kinds.TIME: times,
        kinds.INTEGER: st.integers(1, 99),
        kinds.CHOICE: st.sampled_from([value for value, _ in spec.options] or [None]),
    }[spec.kind]
    return st.one_of(st.none(), inner)


def _block(section):
    return st.fixed_dictionaries({spec.name: _value(spec) for spec in section.fields})


def form_data(form_id: str):
    parts = {}
    for section in sections(form_id):
        block = _block(section)
        parts[section.name] = st.lists(block, max_size=4) if section.is_group else block
    return st.fixed_dictionaries(parts)


# --- valid records: what a careful member of staff fills in -----------------------------
# Each strategy gives a form's data that the rules find no error in (warnings may occur),
# so a test can break one thing and expect exactly that rule's finding.

import unicodedata  # noqa: E402

FIRST_NAMES = ["Alma", "Ida", "Freja", "Søren", "Åse", "Jens Peter", "Mette", "Birgitte",
               "Line", "Hanne", "Rasmus", "Øjvind", "Ægir", "Nour", "Ali", "Zeynep", "Inger",
               "Kasper", "Lis", "Noah", "Emil", "Sofie", "Mads", "Karen"]
LAST_NAMES = ["Nørgaard", "Sørensen", "Østergaard", "Kjær", "Bæk Thomsen", "Holm",
              "Ågaard Holm", "Lind", "Demir", "Jensen", "Løvgreen", "Damgaard", "Bjørnsen"]
WORDS = ["barnet", "sprog", "trivsel", "leg", "samling", "morgen", "aflevering", "mor", "far",
         "pædagog", "stuen", "børnehaven", "skolen", "venner", "øver", "læser", "højt",
         "ugen", "gange", "støtte", "aftale", "mål", "ændring", "hjemme", "tegning", "æble"]
OUTSIDE_ROLES = ["psychologist", "speech_consultant", "therapist", "health_visitor",
                 "pedagogical_advisor", "youth_guidance", "network_person", "other"]


def _key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


person_names = st.builds(lambda first, last: f"{first} {last}",
                         st.sampled_from(FIRST_NAMES), st.sampled_from(LAST_NAMES))
prose = st.builds(lambda words, extra: " ".join(words).capitalize() + "." + extra,
                  st.lists(st.sampled_from(WORDS), min_size=3, max_size=12),
                  st.one_of(st.just(""), text_values.map(lambda t: " " + t)))
optional_prose = st.one_of(st.none(), prose)


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _days(draw, day: dt.date, low: int, high: int) -> dt.date:
    return day + dt.timedelta(days=draw(st.integers(low, high)))


def _child(draw, on: dt.date, max_years: int = 17) -> dict:
    birth = _days(draw, on, -365 * max_years, -30)
    return {"name": draw(person_names), "birth_date": _iso(birth), "cpr": None,
            "institution": draw(st.sampled_from(["Børnehuset Kløverengen", "Ågårdsskolen",
                                                 "Dagplejen Øst"])),
            "group": draw(st.one_of(st.none(), st.sampled_from(["Sommerfuglestuen", "2.b"]))),
            "anonymised": False}


def _participant(name, role, attendance="present", organisation=None):
    return {"name": name, "role": role, "organisation": organisation, "contact": None,
            "attendance": attendance}


@st.composite
def meeting_data(draw, form_id: str, meeting_type: str | None = None):
    """A valid first_meeting or follow_up_meeting record's data (canonical shape)."""
    day = draw(st.dates(dt.date(2024, 1, 1), dt.date(2032, 12, 31)))
    meeting_type = meeting_type or draw(st.sampled_from(["UM", "NM"]))
    outside_roles = draw(st.lists(st.sampled_from(OUTSIDE_ROLES), max_size=3))
    n_parents = draw(st.integers(1, 2))
    names = draw(st.lists(person_names, min_size=8, max_size=8, unique_by=_key))
    parents = [_participant(names[0], draw(st.sampled_from(["parent_custody", "parent"])),
                            draw(st.sampled_from(["present", "invited"])))]
    if n_parents == 2:
        parents.append(_participant(names[1], draw(st.sampled_from(["parent_custody", "parent"])),
                                    draw(st.sampled_from(["present", "invited", "apologies"]))))
    leader, note_taker = names[2], names[3]
    staff = [_participant(leader, "leader", organisation="Børnehuset"),
             _participant(note_taker, draw(st.sampled_from(["pedagogue", "teacher"])))]
    outside = [_participant(names[4 + i], role, draw(st.sampled_from(["present", "apologies"])),
                            "Holbæk Kommune") for i, role in enumerate(outside_roles)]
    if meeting_type == "NM":
        outside.append(_participant(names[7], "caseworker", organisation="Børn og Familie"))
    participants = parents + staff + outside
    participants = draw(st.permutations(participants))
    consent_on_file = bool(outside) or draw(st.booleans())
    start = draw(st.integers(6 * 60, 18 * 60))
    end = start + draw(st.integers(1, 5 * 60))
    meeting = {
        "meeting_type": meeting_type,
        "case_kind": draw(st.sampled_from(["existing", "unknown"])) if meeting_type == "NM"
        else draw(st.sampled_from([None, "existing"])),
        "date": _iso(day), "start_time": f"{start // 60:02d}:{start % 60:02d}",
        "end_time": f"{end // 60:02d}:{end % 60:02d}",
        "place": draw(optional_prose), "initiated_by": draw(st.one_of(st.none(), person_names)),
        "initiative_reason": draw(optional_prose), "leader": leader, "note_taker": note_taker,
        "agenda_sent": _iso(_days(draw, day, -30, -7)),
        "consent_on_file": consent_on_file,
        "consent_date": _iso(_days(draw, day, -300, 0)) if consent_on_file else None,
    }
    method = draw(st.sampled_from(["took_part", "conversation", "drawing", "observation",
                                   "not_obtained"]))
    discussion = {
        "child_perspective": draw(optional_prose) if method == "not_obtained" else draw(prose),
        "method": method,
        "reason_not_obtained": draw(prose) if method == "not_obtained" else None,
        "parents_perspective": draw(optional_prose), "resources": draw(optional_prose),
        "concerns": draw(optional_prose),
    }
    actions = [{"description": draw(prose), "goal": draw(optional_prose),
                "responsible": draw(st.sampled_from([leader, note_taker, names[0]])),
                "deadline": _iso(_days(draw, day, 1, 365)),
                "priority": draw(st.one_of(st.none(), st.integers(1, 99)))}
               for _ in range(draw(st.integers(0, 4)))]
    minutes = {"minutes_by": note_taker,
               "minutes_due": draw(st.one_of(st.none(), st.just(_iso(_days(draw, day, 0, 7))))),
               "minutes_sent": draw(st.one_of(st.none(), st.just(_iso(_days(draw, day, 0, 7)))))}
    data = {"meeting": meeting, "child": _child(draw, day), "participants": participants,
            "discussion": discussion, "actions": actions,
            "family_experience": {"notes": draw(optional_prose)}}
    if form_id == "first_meeting":
        data.update(
            welcome={"notes": draw(optional_prose)},
            introductions={"notes": draw(optional_prose)},
            purpose={"purpose": draw(optional_prose), "expected_outcome": draw(optional_prose)},
            ongoing_actions=[{"description": draw(prose),
                              "works": draw(st.sampled_from([None, "yes", "partly", "no"])),
                              "note": draw(optional_prose)}
                             for _ in range(draw(st.integers(0, 2)))],
            closing={"next_meeting_date": draw(st.one_of(
                         st.none(), st.just(_iso(_days(draw, day, 1, 200))))),
                     "next_meeting_place": draw(optional_prose), **minutes,
                     "network_map": draw(st.sampled_from([None, "brought", "updated",
                                                          "not_brought"]))})
    else:
        outcome = draw(st.sampled_from([None, "follow_up", "close", "change_type", "report"]))
        next_date = _iso(_days(draw, day, 1, 200))
        data.update(
            since_last={"previous_meeting_date": draw(st.one_of(
                            st.none(), st.just(_iso(_days(draw, day, -365, -1))))),
                        "notes": draw(optional_prose)},
            reviewed_actions=[{"description": draw(prose), "goal": draw(optional_prose),
                               "responsible": draw(person_names),
                               "deadline": _iso(_days(draw, day, -100, 100)),
                               "works": draw(st.sampled_from([None, "yes", "partly", "no"])),
                               "meaningful": draw(st.sampled_from([None, "yes", "no"])),
                               "decision": draw(st.sampled_from(["continue", "adjust", "stop"])),
                               "note": draw(optional_prose)}
                              for _ in range(draw(st.integers(0, 3)))],
            outcome={"outcome": outcome,
                     "next_meeting_date": next_date if outcome == "follow_up"
                     else draw(st.sampled_from([None, next_date])),
                     "next_meeting_place": draw(optional_prose), "notes": draw(optional_prose),
                     **minutes})
    return data


PARTIES = [("Børnehuset Kløverengen", "daycare_school"), ("PPR Holbæk", "psychologist"),
           ("PPR, tale-hørelærer", "speech_consultant"), ("Sundhedsplejen", "health_visitor"),
           ("Egen læge", "doctor"), ("Fysioterapeut", "therapist"),
           ("Børn og Familie", "caseworker"), ("Pædagogisk vejleder", "pedagogical_advisor")]
HEALTH = ("health_visitor", "doctor", "therapist")
CONSENT_SCENARIOS = ("joint_together", "joint_apart", "sole", "sole_with_other_parent")


@st.composite
def consent_data(draw, scenario: str | None = None):
    """A valid consent record's data: signed by whoever must sign in the `scenario`."""
    scenario = scenario or draw(st.sampled_from(CONSENT_SCENARIOS))
    given = draw(st.dates(dt.date(2024, 1, 1), dt.date(2032, 12, 31)))
    names = draw(st.lists(person_names, min_size=4, max_size=4, unique_by=_key))

    def holder(name, custody, signed, lives_with_child=True):
        row = {"name": name, "address": draw(optional_prose), "custody": custody,
               "lives_with_child": lives_with_child,
               "signed_date": _iso(signed) if signed else None,
               "proxy_name": None, "proxy_date": None}
        if signed and draw(st.booleans()) and draw(st.booleans()):
            row.update(proxy_name=names[3], proxy_date=_iso(_days(draw, signed, -100, 0)))
        return row

    later = _days(draw, given, 0, 5)
    if scenario == "joint_together":
        holders = [holder(names[0], "joint", given),
                   holder(names[1], "joint", draw(st.sampled_from([None, later])))]
    elif scenario == "joint_apart":
        holders = [holder(names[0], "joint", given),
                   holder(names[1], "joint", later, lives_with_child=False)]
    elif scenario == "sole":
        holders = [holder(names[0], "sole", given)]
    else:
        holders = [holder(names[0], "sole", given),
                   holder(names[1], "none", None, lives_with_child=False)]
    holders = draw(st.permutations(holders))
    parties = draw(st.lists(st.sampled_from(PARTIES), min_size=1, max_size=5, unique=True))
    health = any(profession in HEALTH for _, profession in parties)
    child = _child(draw, given)
    birth = dt.date.fromisoformat(child["birth_date"])
    fifteen = (given.year - birth.year - ((given.month, given.day) < (birth.month, birth.day))
               >= 15)
    kinds = draw(st.lists(st.sampled_from(["development", "health", "family",
                                           "school_daycare"]), min_size=1, unique=True))
    revoked = draw(st.booleans()) and draw(st.booleans())
    return {
        "child": child,
        "custody_holders": list(holders),
        "household": {"parents_live_together": scenario == "joint_together"},
        "who_consents": {"both_parents_influence": False, "sole_signer_reason": None},
        "young_person": {"heard": fifteen or draw(st.booleans()),
                         "view": draw(optional_prose), "co_signed": False},
        "purpose": {"purpose": draw(prose)},
        "information": {"development": "development" in kinds, "health": "health" in kinds,
                        "family": "family" in kinds, "school_daycare": "school_daycare" in kinds,
                        "parent_health": False, "parent_abuse": False, "parent_crime": False,
                        "other": draw(optional_prose)},
        "parties": [{"party": party, "profession": profession,
                     "direction": draw(st.sampled_from(["obtain", "share", "both"]))}
                    for party, profession in parties],
        "validity": {"valid_from": _iso(given),
                     "valid_until": _iso(_days(draw, given, 0, 365)) if health
                     else draw(st.one_of(st.none(), st.just(_iso(_days(draw, given, 0, 1500)))))},
        "given": {"given_as": "written", "oral_noted_by": None, "oral_noted_date": None},
        "refusal": {"refused": False, "refused_date": None},
        "revocation": {"revoked": revoked,
                       "revoked_date": _iso(_days(draw, given, 0, 300)) if revoked else None,
                       "revoked_by": names[0] if revoked else None,
                       "scope": draw(optional_prose) if revoked else None},
    }


@st.composite
def network_map_data(draw):
    """A valid network map: everyone named and placed, links between people on the map."""
    day = draw(st.dates(dt.date(2024, 1, 1), dt.date(2032, 12, 31)))
    names = draw(st.lists(person_names, min_size=1, max_size=10, unique_by=_key))
    people = [{"name": name, "relation": draw(st.one_of(st.none(), st.sampled_from(
                  ["Mor", "Far", "Mormor", "Nabo", "Pædagog", "Træner"]))),
               "sector": draw(st.sampled_from(["family", "friends", "school", "professional"])),
               "closeness": draw(st.integers(1, 3)), "support": draw(optional_prose),
               "contact": None, "invite": draw(st.booleans())} for name in names]
    links = []
    if len(names) >= 2:
        for _ in range(draw(st.integers(0, 3))):
            a, b = draw(st.permutations(names))[:2]
            links.append({"person_a": a, "person_b": b})
    return {"child": _child(draw, day),
            "map": {"date": _iso(day), "filled_with": draw(st.one_of(st.none(), person_names)),
                    "perspective": draw(st.sampled_from([None, "child", "parents"]))},
            "people": people, "links": links}
