"""Netværkskort: the family's network, private and professional."""
from . import fields as f
from .base import Block
from .blocks import Child
from .definition import FormDefinition

SECTORS = (
    ("family", "Familie"),
    ("friends", "Venner og naboer"),
    ("school", "Skole/dagtilbud/fritid"),
    ("professional", "Professionelle"),
)
CLOSENESS = ((1, "1 – tæt"), (2, "2 – mellem"), (3, "3 – løs"))
PERSPECTIVES = (("child", "Barnets"), ("parents", "Forældrenes"))


class MapInfo(Block):
    date = f.date("Dato")
    filled_with = f.text("Udfyldt sammen med")
    perspective = f.choice("Hvis opfattelse viser kortet?", PERSPECTIVES)


class NetworkPerson(Block):
    name = f.text("Navn")
    relation = f.text("Relation til barnet")
    sector = f.choice("Område", SECTORS)
    closeness = f.choice("Nærhed", CLOSENESS)
    support = f.text("Hvordan kan personen støtte?", multiline=True)
    contact = f.text("Kontakt")
    invite = f.flag("Inviteres til møder")


class Link(Block):
    person_a = f.text("Person")
    person_b = f.text("Kender")


class NetworkMap(Block):
    child = f.section(Child, "Barnet")
    map = f.section(MapInfo, "Om kortet")
    people = f.group(NetworkPerson, "Personer i netværket", blank_rows=8)
    links = f.group(Link, "Personer der kender hinanden", blank_rows=3)


FORM = FormDefinition(
    id="network_map",
    version=1,
    title="Netværkskort",
    schema=NetworkMap,
    intro="Udfyldes sammen med familien og tages med på alle møder. Nærhed 1 er tættest "
          "på barnet, 3 er længst væk.",
)
