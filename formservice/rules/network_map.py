"""Rules for the network map (netværkskort): everyone can be placed in the picture."""
from __future__ import annotations

import datetime as dt

from ..forms.record import Finding, error, warning
from .common import normalise, rows, text


def _person(index: int, person: dict) -> str:
    name = text(person.get("name")) or text(person.get("relation"))
    return f"»{name}«" if name else f"Person nr. {index + 1}"


def people_named(data: dict, today: dt.date) -> list[Finding]:
    """Every person on the map has a name."""
    found = []
    for index, person in enumerate(rows(data, "people")):
        if text(person.get("name")):
            continue
        relation = text(person.get("relation"))
        who = f"Person nr. {index + 1}" + (f" (»{relation}«)" if relation else "")
        found.append(error("network_map.person_unnamed", f"people.{index}.name",
                           f"{who} mangler et navn. Skriv personens navn, så kortet kan "
                           f"vise, hvem det er."))
    return found


def people_placed(data: dict, today: dt.date) -> list[Finding]:
    """Each person has a sector and a closeness, so the picture can place them."""
    found = []
    for index, person in enumerate(rows(data, "people")):
        if person.get("sector") is None:
            found.append(warning("network_map.person_not_placed", f"people.{index}.sector",
                                 f"Vælg, hvilket område {_person(index, person)} hører til "
                                 f"(familie, venner og naboer, skole/dagtilbud/fritid eller "
                                 f"professionelle), så personen kan vises på kortet."))
        if person.get("closeness") is None:
            found.append(warning("network_map.person_not_placed",
                                 f"people.{index}.closeness",
                                 f"Vælg, hvor tæt {_person(index, person)} er på barnet "
                                 f"(1 tæt, 2 mellem, 3 løs), så personen kan vises på "
                                 f"kortet."))
    return found


def links_known(data: dict, today: dt.date) -> list[Finding]:
    """A link between two people names people on the map."""
    names = {normalise(p.get("name")) for p in rows(data, "people") if text(p.get("name"))}
    found = []
    for index, link in enumerate(rows(data, "links")):
        for side in ("person_a", "person_b"):
            name = text(link.get(side))
            if name is None or normalise(name) not in names:
                found.append(warning(
                    "network_map.link_unknown_person", f"links.{index}.{side}",
                    (f"»{name}« står ikke under »Personer i netværket«. Skriv navnet "
                     f"præcis som der, eller tilføj personen.") if name else
                    f"Forbindelse nr. {index + 1} mangler en person. Skriv begge navne."))
    return found


RULES = (people_named, people_placed, links_known)
