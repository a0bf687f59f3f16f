"""Series, pure: the next follow-up, the decisions' effect on actions, deadlines, calendar."""
import datetime as dt
import json
from pathlib import Path

from formservice.forms.record import load_data
from formservice.series import apply_follow_up, deadlines, follow_up_prefill
from formservice.series.calendar import MeetingEntry, fold, series_calendar

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _action(description, deadline="2026-05-01"):
    return {"description": description, "goal": "Mål", "responsible": "Bo", "deadline": deadline,
            "priority": None}


def test_prefill_carries_header_participants_and_every_open_action():
    first = json.loads((SAMPLES / "first_meeting.json").read_text("utf-8"))
    open_actions = [_action("Sprogleg"), _action("Dagsstruktur")]
    data = follow_up_prefill(first, open_actions)
    canonical, findings = load_data("follow_up_meeting", data)
    assert findings == []
    assert canonical["meeting"]["date"] == first["closing"]["next_meeting_date"]
    assert canonical["meeting"]["leader"] == first["meeting"]["leader"]
    assert canonical["since_last"]["previous_meeting_date"] == first["meeting"]["date"]
    assert [p["name"] for p in canonical["participants"]] == [p["name"] for p in first["participants"]]
    assert all(p["attendance"] == "invited" for p in canonical["participants"])
    assert [a["description"] for a in canonical["reviewed_actions"]] == ["Sprogleg", "Dagsstruktur"]
    assert all(a["decision"] is None for a in canonical["reviewed_actions"])


def test_decisions_continue_adjust_stop_and_new_actions():
    open_actions = [dict(_action("A"), id=1), dict(_action("B"), id=2), dict(_action("C"), id=3)]
    follow_up = {"reviewed_actions": [
        {"description": "C", "decision": "stop"},
        {"description": "B, nu to gange om ugen", "deadline": "2026-09-01", "decision": "adjust"},
        {"description": "A", "decision": "continue"}],
        "actions": [_action("D")]}
    outcome = apply_follow_up(open_actions, follow_up)
    assert [a["id"] for a in outcome.stopped] == [3]
    assert [(a["id"], a["description"], a["deadline"]) for a in outcome.adjusted] == [
        (2, "B, nu to gange om ugen", "2026-09-01")]
    assert [a["id"] for a in outcome.continued] == [1]
    assert [a["description"] for a in outcome.new] == ["D"]
    assert sorted(a.get("id", 0) for a in outcome.still_open) == [0, 1, 2]


def test_a_row_removed_by_hand_leaves_its_action_undecided():
    outcome = apply_follow_up([dict(_action("A"), id=1), dict(_action("B"), id=2)],
                              {"reviewed_actions": [{"description": "A", "decision": "stop"}]})
    assert [a["id"] for a in outcome.undecided] == [2]


def test_deadlines_due_and_overdue():
    meeting = dt.date(2026, 12, 10)
    due = deadlines(meeting, None, None, today=dt.date(2026, 11, 30))
    assert [(d.kind, d.state, d.date) for d in due] == [("agenda", "due", dt.date(2026, 12, 3))]
    due = deadlines(meeting, None, None, today=dt.date(2026, 12, 20))
    assert [(d.kind, d.state) for d in due] == [("agenda", "overdue"), ("minutes", "overdue")]
    assert deadlines(meeting, dt.date(2026, 12, 1), dt.date(2026, 12, 12), today=dt.date(2026, 12, 20)) == []
    assert "skulle være sendt 17-12-2026" in due[1].label


def test_calendar_is_valid_icalendar_with_escaping_and_folding():
    ics = series_calendar("Alma; møder", [
        MeetingEntry("case-1-meeting-1", "Udviklingsmøde om Alma, Ø", dt.date(2026, 3, 10),
                     "08:30", "10:00", "Kløvervej 2, 4300 Holbæk", "Linje 1\nLinje 2 " + "æ" * 80),
        MeetingEntry("case-1-meeting-2", "Opfølgende møde", dt.date(2026, 6, 9))],
        stamp=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    text = ics.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "SUMMARY:Udviklingsmøde om Alma\\, Ø" in text
    assert "DTSTART;TZID=Europe/Copenhagen:20260310T083000" in text
    assert "DTSTART;VALUE=DATE:20260303" in text  # agenda 7 days before
    assert "DTSTART;VALUE=DATE:20260616" in text  # minutes 7 days after the 2nd
    assert text.count("BEGIN:VEVENT") == 6
    unfolded = text.replace("\r\n ", "")
    assert "DESCRIPTION:Linje 1\\nLinje 2 " + "æ" * 80 in unfolded


def test_fold_never_splits_a_character():
    line = "DESCRIPTION:" + "ø" * 100
    assert fold(line).replace("\r\n ", "") == line
