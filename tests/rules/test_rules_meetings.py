"""Rules of the two meeting forms."""
import pytest

from formservice.rules import check, meetings

from . import canonical, codes, day, sample

MEETING_DAY = day("2026-03-10")
BOTH = ("first_meeting", "follow_up_meeting")


def participant(role, attendance="present", name="Per Hansen", organisation=None):
    return {"name": name, "role": role, "organisation": organisation, "contact": None,
            "attendance": attendance}


# --- at least one parent takes part or is invited --------------------------------------

@pytest.mark.parametrize("form_id", BOTH)
def test_sample_has_a_parent(form_id):
    data = sample(form_id)
    assert meetings.parent_missing(data, MEETING_DAY) == []


def test_no_parent_listed_is_an_error():
    data = sample("first_meeting")
    data["participants"] = [p for p in data["participants"]
                            if p["role"] not in ("parent", "parent_custody")]
    found = meetings.parent_missing(data, MEETING_DAY)
    assert codes(found) == [("meeting.parent_missing", "error", "participants")]
    assert "forælder" in found[0].message


def test_parents_with_apologies_only_do_not_count():
    data = sample("first_meeting")
    for p in data["participants"]:
        if p["role"] == "parent_custody":
            p["attendance"] = "apologies"
    found = meetings.parent_missing(data, MEETING_DAY)
    assert codes(found) == [("meeting.parent_missing", "error", "participants")]
    assert "Mette Nørgaard Sørensen" in found[0].message and "afbud" in found[0].message


@pytest.mark.parametrize("attendance", ["present", "invited", None])
def test_one_parent_present_or_invited_suffices(attendance):
    data = sample("first_meeting")
    data["participants"] = [participant("leader", name="Birgitte Møller Kjær"),
                            participant("parent_custody", "apologies", "Mette"),
                            participant("parent", attendance, "Jens Peter")]
    assert meetings.parent_missing(data, MEETING_DAY) == []


# --- a netværksmøde has a caseworker from the authority --------------------------------

def test_nm_without_caseworker_suggests_udviklingsmoede():
    data = sample("first_meeting")
    data["meeting"]["meeting_type"] = "NM"
    found = meetings.nm_caseworker(data, MEETING_DAY)
    assert codes(found) == [("meeting.nm_without_caseworker", "error", "participants")]
    assert "udviklingsmøde" in found[0].message


def test_nm_caseworker_with_apologies_is_an_error():
    data = sample("follow_up_meeting")
    for p in data["participants"]:
        if p["role"] == "caseworker":
            p["attendance"] = "apologies"
    found = meetings.nm_caseworker(data, MEETING_DAY)
    assert codes(found) == [("meeting.nm_without_caseworker", "error", "participants")]
    assert "Rasmus Kjærgaard Lind" in found[0].message


def test_nm_with_caseworker_and_um_without_are_fine():
    assert meetings.nm_caseworker(sample("follow_up_meeting"), MEETING_DAY) == []
    assert meetings.nm_caseworker(sample("first_meeting"), MEETING_DAY) == []


# --- meeting leader and note-taker differ ------------------------------------------------

@pytest.mark.parametrize("leader, note_taker", [
    ("Birgitte Møller Kjær", "Birgitte Møller Kjær"),
    ("Birgitte Møller Kjær", "  birgitte   MØLLER\tkjær "),
    ("Søren Ågaard Holm", "Søren A\u030agaard Holm"),  # Å written as A + ring
])
def test_leader_is_note_taker(leader, note_taker):
    data = sample("first_meeting")
    data["meeting"].update(leader=leader, note_taker=note_taker)
    found = meetings.leader_is_note_taker(data, MEETING_DAY)
    assert codes(found) == [("meeting.leader_is_note_taker", "warning", "meeting.note_taker")]
    assert leader in found[0].message


def test_leader_and_note_taker_differ_or_missing():
    data = sample("first_meeting")
    assert meetings.leader_is_note_taker(data, MEETING_DAY) == []
    data["meeting"]["leader"] = data["meeting"]["note_taker"] = None
    assert meetings.leader_is_note_taker(data, MEETING_DAY) == []


# --- the child's perspective -------------------------------------------------------------

def perspective(perspective, method, reason=None):
    data = sample("first_meeting")
    data["discussion"].update(child_perspective=perspective, method=method,
                              reason_not_obtained=reason)
    return codes(meetings.child_perspective(data, MEETING_DAY))


def test_child_perspective_missing():
    assert perspective(None, None) == [
        ("meeting.child_perspective_missing", "error", "discussion.child_perspective")]


def test_child_perspective_without_method():
    assert perspective("Alma vil helst lege i puderummet.", None) == [
        ("meeting.child_perspective_method_missing", "error", "discussion.method")]


def test_method_given_but_no_perspective():
    assert perspective(None, "drawing") == [
        ("meeting.child_perspective_missing", "error", "discussion.child_perspective")]


def test_not_obtained_needs_a_reason():
    assert perspective(None, "not_obtained") == [
        ("meeting.child_perspective_reason_missing", "error",
         "discussion.reason_not_obtained")]
    assert perspective(None, "not_obtained", "Alma var syg i ugen før mødet.") == []


@pytest.mark.parametrize("method", ["took_part", "conversation", "drawing", "observation"])
def test_perspective_with_method_is_fine(method):
    assert perspective("Alma siger, at hun savner Freja.", method) == []


def test_a_reason_alone_suffices():
    assert perspective(None, None, "Barnet er 10 måneder og kan ikke spørges.") == []


# --- new actions -------------------------------------------------------------------------

@pytest.mark.parametrize("form_id", BOTH)
def test_sample_actions_are_complete(form_id):
    data = sample(form_id)
    assert meetings.new_actions(data, day(data["meeting"]["date"])) == []


def test_action_without_responsible_or_deadline():
    data = sample("first_meeting")
    data["actions"][2].update(responsible=None, deadline=None)
    found = meetings.new_actions(data, MEETING_DAY)
    assert codes(found) == [
        ("action.responsible_missing", "error", "actions.2.responsible"),
        ("action.deadline_missing", "error", "actions.2.deadline"),
    ]
    assert found[0].message.startswith("Indsats nr. 3 (»Billedstøttet dagsstruktur")


def test_action_without_description():
    data = sample("first_meeting")
    data["actions"][0]["description"] = None
    assert codes(meetings.new_actions(data, MEETING_DAY)) == [
        ("action.description_missing", "error", "actions.0.description")]


@pytest.mark.parametrize("deadline, ok", [("2026-03-09", False), ("2026-03-10", False),
                                          ("2026-03-11", True)])
def test_action_deadline_after_the_meeting(deadline, ok):
    data = sample("first_meeting")
    data["actions"][1]["deadline"] = deadline
    found = meetings.new_actions(data, MEETING_DAY)
    assert codes(found) == ([] if ok else [
        ("action.deadline_not_after_meeting", "error", "actions.1.deadline")])


def test_follow_up_new_actions_are_checked_too():
    data = sample("follow_up_meeting")
    data["actions"][0]["responsible"] = "  "
    assert ("action.responsible_missing", "error", "actions.0.responsible") in codes(
        check("follow_up_meeting", data, today=day("2026-06-09")))


# --- on a follow-up, every earlier action has a decision --------------------------------

def test_reviewed_action_without_decision():
    data = sample("follow_up_meeting")
    data["reviewed_actions"][1]["decision"] = None
    found = meetings.reviewed_decisions(data, MEETING_DAY)
    assert codes(found) == [("follow_up.decision_missing", "error",
                             "reviewed_actions.1.decision")]
    assert "Sprogvurdering" in found[0].message and "fortsæt" in found[0].message


def test_reviewed_actions_with_decisions():
    assert meetings.reviewed_decisions(sample("follow_up_meeting"), MEETING_DAY) == []


# --- agenda sent at least 7 days before ---------------------------------------------------

@pytest.mark.parametrize("sent, ok", [("2026-02-20", True), ("2026-03-03", True),
                                      ("2026-03-04", False), ("2026-03-10", False),
                                      ("2026-03-12", False)])
def test_agenda_sent(sent, ok):
    data = sample("first_meeting")
    data["meeting"]["agenda_sent"] = sent
    found = meetings.agenda_sent(data, MEETING_DAY)
    assert codes(found) == ([] if ok else [("meeting.agenda_late", "warning",
                                            "meeting.agenda_sent")])


def test_agenda_not_recorded_as_sent():
    data = sample("first_meeting")
    data["meeting"]["agenda_sent"] = None
    assert meetings.agenda_sent(data, day("2026-03-03")) == []
    assert codes(meetings.agenda_sent(data, day("2026-03-04"))) == [
        ("meeting.agenda_not_sent", "warning", "meeting.agenda_sent")]


# --- minutes sent within 7 days ---------------------------------------------------------

def minutes(form_id="first_meeting", sent=None, due=None, today=MEETING_DAY):
    data = sample(form_id)
    data["meeting"]["date"] = "2026-03-10"
    section = "closing" if form_id == "first_meeting" else "outcome"
    data[section].update(minutes_sent=sent, minutes_due=due)
    return codes(meetings.minutes_sent(data, today))


def test_minutes_sent_in_time():
    assert minutes(sent="2026-03-17") == []


def test_minutes_sent_late():
    assert minutes(sent="2026-03-18") == [
        ("meeting.minutes_late", "warning", "closing.minutes_sent")]


def test_minutes_overdue_relative_to_today():
    assert minutes(today=day("2026-03-17")) == []
    assert minutes(today=day("2026-03-18")) == [
        ("meeting.minutes_overdue", "warning", "closing.minutes_sent")]
    assert minutes("follow_up_meeting", today=day("2026-04-01")) == [
        ("meeting.minutes_overdue", "warning", "outcome.minutes_sent")]


def test_minutes_overdue_by_the_agreed_due_date():
    assert minutes(due="2026-03-13", today=day("2026-03-14")) == [
        ("meeting.minutes_overdue", "warning", "closing.minutes_sent")]


def test_minutes_due_later_than_a_week():
    assert minutes(due="2026-03-24", sent="2026-03-16") == [
        ("meeting.minutes_due_late", "warning", "closing.minutes_due")]


# --- consent on file when people from outside take part --------------------------------

def test_outside_participants_without_consent_on_file():
    data = sample("first_meeting")
    data["meeting"]["consent_on_file"] = False
    found = meetings.consent_on_file(data, MEETING_DAY)
    assert codes(found) == [("meeting.consent_not_on_file", "warning",
                             "meeting.consent_on_file")]
    assert "Line Østergaard" in found[0].message


def test_no_consent_needed_for_daycare_and_parents_only_or_anonymised():
    data = sample("first_meeting")
    data["meeting"]["consent_on_file"] = False
    data["participants"] = [p for p in data["participants"]
                            if p["role"] in ("leader", "pedagogue", "parent_custody")]
    assert meetings.consent_on_file(data, MEETING_DAY) == []
    data = sample("first_meeting")
    data["meeting"]["consent_on_file"] = False
    data["child"].update(name="Alma", birth_date=None, anonymised=True)
    assert meetings.consent_on_file(data, MEETING_DAY) == []


def test_consent_given_after_the_meeting():
    data = sample("first_meeting")
    data["meeting"]["consent_date"] = "2026-03-11"
    assert codes(meetings.consent_on_file(data, MEETING_DAY)) == [
        ("meeting.consent_after_meeting", "warning", "meeting.consent_date")]


# --- the whole check on a meeting --------------------------------------------------------

def test_check_reports_required_then_rules_in_a_stable_order():
    data = canonical("first_meeting", {"meeting": {"meeting_type": "NM"}})
    found = check("first_meeting", data, today=MEETING_DAY)
    assert codes(found) == [
        ("required", "error", "meeting.date"),
        ("required", "error", "meeting.leader"),
        ("required", "error", "meeting.note_taker"),
        ("required", "error", "child.name"),
        ("meeting.parent_missing", "error", "participants"),
        ("meeting.nm_without_caseworker", "error", "participants"),
        ("meeting.case_kind_missing", "error", "meeting.case_kind"),
        ("meeting.child_perspective_missing", "error", "discussion.child_perspective"),
    ]
    assert found == check("first_meeting", data, today=MEETING_DAY)


# --- a netværksmøde records existing or unknown case ------------------------------------

@pytest.mark.parametrize("form_id", BOTH)
def test_nm_without_case_kind(form_id):
    data = sample(form_id)
    data["meeting"].update(meeting_type="NM", case_kind=None)
    found = meetings.nm_case_kind(data, MEETING_DAY)
    assert codes(found) == [("meeting.case_kind_missing", "error", "meeting.case_kind")]
    assert "Eksisterende sag" in found[0].message and "case_kind" not in found[0].message


@pytest.mark.parametrize("meeting_type, case_kind", [("NM", "existing"), ("NM", "unknown"),
                                                     ("UM", None), ("UM", "existing")])
def test_case_kind_given_or_not_needed(meeting_type, case_kind):
    data = sample("first_meeting")
    data["meeting"].update(meeting_type=meeting_type, case_kind=case_kind)
    assert meetings.nm_case_kind(data, MEETING_DAY) == []


# --- times and dates agree ---------------------------------------------------------------

@pytest.mark.parametrize("start, end, ok", [
    ("08:30", "10:00", True), ("08:30", "08:31", True), ("08:30", "08:30", False),
    ("10:00", "09:59", False), ("23:00", "00:30", False), (None, "10:00", True),
    ("08:30", None, True),
])
def test_meeting_ends_after_it_starts(start, end, ok):
    data = sample("first_meeting")
    data["meeting"].update(start_time=start, end_time=end)
    found = meetings.times_in_order(data, MEETING_DAY)
    assert codes(found) == ([] if ok else [
        ("meeting.end_not_after_start", "error", "meeting.end_time")])
    if not ok:
        assert "Sluttidspunkt" in found[0].message and "end_time" not in found[0].message


@pytest.mark.parametrize("form_id, section", [("first_meeting", "closing"),
                                              ("follow_up_meeting", "outcome")])
@pytest.mark.parametrize("offset, ok", [(1, True), (0, False), (-30, False)])
def test_next_meeting_after_this_one(form_id, section, offset, ok):
    import datetime as dt
    data = sample(form_id)
    meeting_day = day(data["meeting"]["date"])
    data[section]["next_meeting_date"] = (meeting_day + dt.timedelta(days=offset)).isoformat()
    found = meetings.times_in_order(data, meeting_day)
    assert codes(found) == ([] if ok else [
        ("meeting.next_not_after_meeting", "error", f"{section}.next_meeting_date")])


@pytest.mark.parametrize("previous, ok", [("2026-06-08", True), ("2026-06-09", False),
                                          ("2026-09-01", False), (None, True)])
def test_previous_meeting_before_the_follow_up(previous, ok):
    data = sample("follow_up_meeting")  # held 9 June 2026
    data["since_last"]["previous_meeting_date"] = previous
    found = meetings.times_in_order(data, day("2026-06-09"))
    assert codes(found) == ([] if ok else [
        ("follow_up.previous_not_before_meeting", "error", "since_last.previous_meeting_date")])


@pytest.mark.parametrize("birth, ok", [("2026-03-09", True), ("2026-03-10", True),
                                       ("2026-03-11", False), ("2027-01-01", False)])
def test_child_born_before_the_meeting(birth, ok):
    data = sample("first_meeting")  # held 10 March 2026
    data["child"]["birth_date"] = birth
    found = meetings.times_in_order(data, MEETING_DAY)
    assert codes(found) == ([] if ok else [
        ("child.born_after_meeting", "error", "child.birth_date")])


def test_no_meeting_date_checks_only_the_times():
    data = sample("first_meeting")
    data["meeting"].update(date=None, end_time="08:00")
    data["child"]["birth_date"] = "2030-01-01"
    assert codes(meetings.times_in_order(data, MEETING_DAY)) == [
        ("meeting.end_not_after_start", "error", "meeting.end_time")]


# --- the same person twice ---------------------------------------------------------------

def test_same_person_listed_twice():
    data = sample("first_meeting")
    data["participants"].append(participant("psychologist", name=" søren  ågaard HOLM"))
    found = meetings.participant_twice(data, MEETING_DAY)
    assert codes(found) == [("meeting.participant_twice", "warning", "participants.6.name")]
    assert "nr. 4 og nr. 7" in found[0].message


def test_different_people_and_unnamed_rows_are_fine():
    data = sample("first_meeting")
    data["participants"] += [participant("other", name=None), participant("other", name=None),
                             participant("other", name="Søren Ågaard Holm Jensen")]
    assert meetings.participant_twice(data, MEETING_DAY) == []


# --- a follow-up that ends in another follow-up gives its date ---------------------------

@pytest.mark.parametrize("outcome, next_date, ok", [
    ("follow_up", None, False), ("follow_up", "2026-09-29", True), ("close", None, True),
    ("report", None, True), (None, None, True)])
def test_next_follow_up_needs_a_date(outcome, next_date, ok):
    data = sample("follow_up_meeting")
    data["outcome"].update(outcome=outcome, next_meeting_date=next_date)
    found = meetings.next_follow_up_date(data, MEETING_DAY)
    assert codes(found) == ([] if ok else [
        ("follow_up.next_meeting_date_missing", "error", "outcome.next_meeting_date")])


# --- spaces are no value -----------------------------------------------------------------

def test_a_required_field_of_spaces_is_missing():
    raw = sample("first_meeting")
    raw["meeting"].update(leader="   ", note_taker="\u00a0\t")
    raw["child"]["name"] = " \n "
    data = canonical("first_meeting", raw)
    found = check("first_meeting", data, today=MEETING_DAY)
    assert codes(found) == [("required", "error", "meeting.leader"),
                            ("required", "error", "meeting.note_taker"),
                            ("required", "error", "child.name")]
    assert found[0].message == "Mødeleder skal udfyldes."


def test_required_spaces_in_data_not_loaded_are_missing_too():
    from formservice.forms.record import required_findings
    data = sample("first_meeting")
    data["meeting"]["leader"] = "  "
    assert [f.path for f in required_findings("first_meeting", data)] == ["meeting.leader"]


def test_an_action_of_spaces_has_no_description():
    raw = sample("first_meeting")
    raw["actions"][0]["description"] = "   "
    data = canonical("first_meeting", raw)
    assert codes(meetings.new_actions(data, MEETING_DAY)) == [
        ("action.description_missing", "error", "actions.0.description")]
