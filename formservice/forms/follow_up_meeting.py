"""Opfølgende udviklings- eller netværksmøde: every earlier action gets a decision."""
from . import fields as f
from .base import Block
from .blocks import (ASSESSMENT, DECISIONS, Child, ChildPerspective, MeetingHeader,
                     NewAction, Notes, Participant)
from .definition import FormDefinition


class SinceLast(Block):
    previous_meeting_date = f.date("Dato for forrige møde")
    notes = f.text("Siden sidst", multiline=True)


class ReviewedAction(Block):
    description = f.text("Aftalt indsats", multiline=True)
    goal = f.text("Mål", multiline=True)
    responsible = f.text("Ansvarlig")
    deadline = f.date("Tidsfrist")
    works = f.choice("Virker den?", ASSESSMENT)
    meaningful = f.choice("Giver den mening for barnet?", ASSESSMENT)
    decision = f.choice("Beslutning", DECISIONS)
    note = f.text("Bemærkning (fx hvordan den justeres)", multiline=True)


OUTCOMES = (
    ("follow_up", "Nyt opfølgende møde"),
    ("close", "Samarbejdet afsluttes"),
    ("change_type", "Skift af mødetype (udviklingsmøde → netværksmøde)"),
    ("report", "Underretning til myndighed"),
)


class Outcome(Block):
    outcome = f.choice("Hvad sker der nu?", OUTCOMES)
    next_meeting_date = f.date("Næste møde, dato")
    next_meeting_place = f.text("Næste møde, sted")
    notes = f.text("Bemærkning", multiline=True)
    minutes_by = f.text("Referat sendes af")
    minutes_due = f.date("Referat sendes senest")
    minutes_sent = f.date("Referat sendt den")


class FollowUpMeeting(Block):
    meeting = f.section(MeetingHeader, "Om mødet")
    child = f.section(Child, "Barnet")
    participants = f.group(Participant, "Deltagere", blank_rows=6,
                           help="Alle der er inviteret, også dem der har meldt afbud.")
    since_last = f.section(SinceLast, "1. Velkomst og siden sidst")
    discussion = f.section(ChildPerspective, "2. Barnets og familiens perspektiv")
    reviewed_actions = f.group(
        ReviewedAction, "3. Opfølgning på aftalte indsatser", blank_rows=4,
        help="Hver indsats fra sidste møde skal have en beslutning: fortsæt, justér eller stop.")
    actions = f.group(NewAction, "4. Nye indsatser, ansvarlig og tidsfrist", blank_rows=3,
                      help="Prioritér indsatserne (1 er vigtigst).")
    family_experience = f.section(Notes, "5. Familiens oplevelse af mødet")
    outcome = f.section(Outcome, "6. Afrunding")


FORM = FormDefinition(
    id="follow_up_meeting",
    version=1,
    title="Opfølgende udviklings- eller netværksmøde",
    schema=FollowUpMeeting,
    intro="Dagsorden og referat for et opfølgende møde. Indsatserne fra forrige møde "
          "står i punkt 3 og skal hver have en beslutning.",
)
