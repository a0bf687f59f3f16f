"""Blocks shared by several forms: child, meeting header, participant, action, ..."""
from __future__ import annotations

from . import fields as f
from . import options
from .base import Block


def meeting_types() -> tuple[tuple[str, str], ...]:
    """The meeting types the municipality uses (options.configure): UM and NM by default.

    The code NM keeps its meaning (the authority always takes part).
    """
    return options.meeting_types()


ROLES = (
    ("parent_custody", "Forælder med forældremyndighed"),
    ("parent", "Forælder uden forældremyndighed"),
    ("child", "Barnet/den unge"),
    ("leader", "Pædagogisk leder/skoleleder"),
    ("pedagogue", "Pædagog"),
    ("teacher", "Lærer"),
    ("psychologist", "PPR-psykolog"),
    ("speech_consultant", "Sprogkonsulent/tale-hørelærer"),
    ("therapist", "Fysio-/ergoterapeut"),
    ("health_visitor", "Sundhedsplejerske"),
    ("caseworker", "Socialrådgiver/sagsbehandler (myndighed)"),
    ("pedagogical_advisor", "Pædagogisk vejleder"),
    ("youth_guidance", "UU-vejleder"),
    ("network_person", "Netværksperson"),
    ("other", "Andet"),
)
PARENT_ROLES = ("parent_custody", "parent")
# Roles that belong to the daycare/school itself; everyone else is "from outside".
INSTITUTION_ROLES = ("leader", "pedagogue", "teacher")

ATTENDANCE = (
    ("present", "Deltager"),
    ("apologies", "Afbud"),
    ("invited", "Inviteret"),
)
CASE_KINDS = (("existing", "Eksisterende sag"), ("unknown", "Ukendt sag"))
ASSESSMENT = (("yes", "Ja"), ("partly", "Delvist"), ("no", "Nej"))
DECISIONS = (("continue", "Fortsæt"), ("adjust", "Justér"), ("stop", "Stop"))
PERSPECTIVE_METHODS = (
    ("took_part", "Barnet deltog i mødet"),
    ("conversation", "Samtale med barnet før mødet"),
    ("drawing", "Tegning eller andet barnet har lavet"),
    ("observation", "Observation af barnet"),
    ("not_obtained", "Ikke indhentet (skriv hvorfor)"),
)


class Child(Block):
    name = f.text("Barnets navn", required=True)
    birth_date = f.date("Fødselsdato")
    cpr = f.text("CPR-nummer",
                 help="Kun hvis kommunen har slået CPR-nummer til.")
    institution = f.text("Dagtilbud/skole")
    group = f.text("Stue/klasse")
    anonymised = f.flag("Anonym drøftelse (kun fornavn)")


class MeetingHeader(Block):
    meeting_type = f.choice("Mødetype", f.LiveOptions(meeting_types), required=True)
    case_kind = f.choice("Sagstype (netværksmøde)", CASE_KINDS)
    date = f.date("Mødedato", required=True)
    start_time = f.time("Starttidspunkt")
    end_time = f.time("Sluttidspunkt")
    place = f.text("Mødested")
    initiated_by = f.text("Initiativ til mødet taget af")
    initiative_reason = f.text("Baggrund for mødet", multiline=True)
    leader = f.text("Mødeleder", required=True)
    note_taker = f.text("Referent", required=True)
    agenda_sent = f.date("Dagsorden sendt den")
    consent_on_file = f.flag("Der foreligger samtykke")
    consent_date = f.date("Samtykke givet den")


class Participant(Block):
    name = f.text("Navn")
    role = f.choice("Rolle", ROLES)
    organisation = f.text("Organisation")
    contact = f.text("Kontakt (telefon/e-mail)")
    attendance = f.choice("Deltagelse", ATTENDANCE)


class ChildPerspective(Block):
    child_perspective = f.text("Barnets perspektiv", multiline=True)
    method = f.choice("Hvordan barnets perspektiv er indhentet", PERSPECTIVE_METHODS)
    reason_not_obtained = f.text("Hvorfor barnets perspektiv ikke er indhentet",
                                 multiline=True)
    parents_perspective = f.text("Forældrenes perspektiv", multiline=True)
    resources = f.text("Ressourcer hos barnet og familien", multiline=True)
    concerns = f.text("Bekymringer", multiline=True)


class NewAction(Block):
    description = f.text("Indsats (konkret beskrivelse)", multiline=True)
    goal = f.text("Mål", multiline=True)
    responsible = f.text("Ansvarlig")
    deadline = f.date("Tidsfrist")
    priority = f.integer("Prioritet", minimum=1, maximum=99)


class Notes(Block):
    notes = f.text("Referat", multiline=True)
