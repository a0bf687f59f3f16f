"""Første udviklings- eller netværksmøde: agenda and minutes in one form."""
from . import fields as f
from .base import Block
from .blocks import (ASSESSMENT, Child, ChildPerspective, MeetingHeader, NewAction, Notes,
                     Participant)
from .definition import FormDefinition


class Purpose(Block):
    purpose = f.text("Formålet med mødet", multiline=True)
    expected_outcome = f.text("Forventet udbytte af mødet", multiline=True)


class OngoingAction(Block):
    description = f.text("Indsats der allerede er i gang", multiline=True)
    works = f.choice("Virker den efter hensigten?", ASSESSMENT)
    note = f.text("Bemærkning", multiline=True)


NETWORK_MAP_STATUS = (
    ("brought", "Medbragt"),
    ("updated", "Opdateret på mødet"),
    ("not_brought", "Ikke medbragt"),
)


class Closing(Block):
    next_meeting_date = f.date("Næste møde, dato")
    next_meeting_place = f.text("Næste møde, sted")
    minutes_by = f.text("Referat sendes af")
    minutes_due = f.date("Referat sendes senest")
    minutes_sent = f.date("Referat sendt den")
    network_map = f.choice("Netværkskort", NETWORK_MAP_STATUS)


class FirstMeeting(Block):
    meeting = f.section(MeetingHeader, "Om mødet")
    child = f.section(Child, "Barnet")
    participants = f.group(Participant, "Deltagere", blank_rows=6,
                           help="Alle der er inviteret, også dem der har meldt afbud.")
    welcome = f.section(Notes, "1. Velkomst",
                        help="Mødelederen byder velkommen og fortæller om mødets ramme.")
    introductions = f.section(Notes, "2. Præsentationsrunde",
                              help="Alle præsenterer sig ud fra deltagerlisten.")
    purpose = f.section(Purpose, "3. Formålet med mødet")
    discussion = f.section(ChildPerspective, "4. Drøftelse af indsatser",
                           help="Barnets og forældrenes perspektiv, ressourcer og bekymringer.")
    ongoing_actions = f.group(OngoingAction, "4a. Indsatser der allerede er i gang",
                              help="Virker de efter hensigten? Skal de ændres, stoppes eller fortsætte?")
    actions = f.group(NewAction, "4b–c. Nye indsatser, ansvarlig og tidsfrist", blank_rows=4,
                      help="Prioritér indsatserne (1 er vigtigst). Hver indsats skal have en "
                           "ansvarlig og en tidsfrist.")
    family_experience = f.section(Notes, "5. Familiens oplevelse af mødet")
    closing = f.section(Closing, "6. Afrunding")


FORM = FormDefinition(
    id="first_meeting",
    version=1,
    title="Første udviklings- eller netværksmøde",
    schema=FirstMeeting,
    intro="Dagsorden og referat. Skemaet udfyldes før mødet (dagsorden) og under og "
          "efter mødet (referat).",
)
