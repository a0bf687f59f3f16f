"""Meeting series, pure: the next follow-up from the previous minutes, what the decisions
on a follow-up do to the open actions, and the deadlines of every meeting.

An *action* here is a dict with description, goal, responsible, deadline (ISO), priority
and an optional id (the stored action's). Nothing here touches a database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

AGENDA_DAYS_BEFORE = 7
MINUTES_DAYS_AFTER = 7
ACTION_FIELDS = ("description", "goal", "responsible", "deadline", "priority")
CARRIED_SECTIONS = ("meeting", "child", "participants")


def follow_up_prefill(previous: dict, open_actions: list[dict], *,
                      meeting_date: dt.date | None = None, previous_date: str | None = None) -> dict:
    """The data of the next follow-up: header, child and participants from the previous
    meeting's record, and every open action waiting for its decision."""
    meeting = dict(previous.get("meeting") or {})
    for key in ("date", "start_time", "end_time", "agenda_sent"):
        meeting[key] = None
    if meeting_date is not None:
        meeting["date"] = meeting_date.isoformat()
    participants = [dict(p, attendance="invited") for p in previous.get("participants") or []]
    closing = previous.get("closing") or previous.get("outcome") or {}
    if meeting_date is None and closing.get("next_meeting_date"):
        meeting["date"] = closing["next_meeting_date"]
    if closing.get("next_meeting_place"):
        meeting["place"] = closing["next_meeting_place"]
    return {
        "meeting": meeting,
        "child": dict(previous.get("child") or {}),
        "participants": participants,
        "since_last": {"previous_meeting_date": previous_date or (previous.get("meeting") or {}).get("date"),
                       "notes": None},
        "reviewed_actions": [
            {**{key: action.get(key) for key in ("description", "goal", "responsible", "deadline")},
             "works": None, "meaningful": None, "decision": None, "note": None}
            for action in open_actions],
    }


@dataclass(frozen=True)
class Outcome:
    """What a follow-up's record does to the actions that were open before it."""
    continued: list[dict]   # still open, unchanged apart from what the row says
    adjusted: list[dict]    # still open, with the row's changes
    stopped: list[dict]
    undecided: list[dict]   # no decision yet (the record is then a draft anyway)
    new: list[dict]         # agreed at this meeting

    @property
    def still_open(self) -> list[dict]:
        return self.continued + self.adjusted + self.undecided + self.new


def apply_follow_up(open_actions: list[dict], follow_up: dict) -> Outcome:
    """Match each reviewed row to an open action (same description first, then by order,
    as the service pre-filled them) and apply its decision."""
    rows = list(follow_up.get("reviewed_actions") or [])
    matched: dict[int, int] = {}  # row -> open action
    unmatched = list(range(len(open_actions)))
    for row_index, row in enumerate(rows):  # first the rows whose text is unchanged
        index = next((i for i in unmatched if _same(open_actions[i], row)), None)
        if index is not None:
            matched[row_index] = index
            unmatched.remove(index)
    for row_index in range(len(rows)):  # then the edited ones, in the pre-filled order
        if row_index not in matched and unmatched:
            matched[row_index] = unmatched.pop(0)
    pairs = [(row, open_actions[matched[i]] if i in matched else None)
             for i, row in enumerate(rows)]
    outcome = Outcome([], [], [], [], [])
    for row, action in pairs:
        updated = {**(action or {"priority": None}), **{k: row.get(k) for k in ("description", "goal", "responsible", "deadline")
                              if row.get(k) is not None}}
        decision = row.get("decision")
        target = {"continue": outcome.continued, "adjust": outcome.adjusted,
                  "stop": outcome.stopped}.get(decision, outcome.undecided)
        target.append(updated)
    outcome.undecided.extend(open_actions[i] for i in unmatched)
    outcome.new.extend({key: action.get(key) for key in ACTION_FIELDS}
                       for action in follow_up.get("actions") or [])
    return outcome


def _same(action: dict, row: dict) -> bool:
    return _key(action.get("description")) == _key(row.get("description")) != ""


def _key(text) -> str:
    return " ".join((text or "").split()).casefold()


def agenda_due(meeting_date: dt.date) -> dt.date:
    return meeting_date - dt.timedelta(days=AGENDA_DAYS_BEFORE)


def minutes_due(meeting_date: dt.date) -> dt.date:
    return meeting_date + dt.timedelta(days=MINUTES_DAYS_AFTER)


@dataclass(frozen=True)
class Due:
    kind: str          # agenda | minutes
    state: str         # due | overdue | done
    date: dt.date      # when it is (was) due
    meeting_date: dt.date

    @property
    def label(self) -> str:
        what = "Dagsorden" if self.kind == "agenda" else "Referat"
        return {"due": f"{what} skal sendes senest {self.date:%d-%m-%Y}",
                "overdue": f"{what} skulle være sendt {self.date:%d-%m-%Y}",
                "done": f"{what} er sendt"}[self.state]


def deadlines(meeting_date: dt.date, agenda_sent: dt.date | None, minutes_sent: dt.date | None,
              today: dt.date, *, horizon_days: int = 14) -> list[Due]:
    """The agenda and minutes deadlines of one meeting that matter today: due within the
    horizon, or overdue."""
    found = []
    for kind, due, sent in (("agenda", agenda_due(meeting_date), agenda_sent),
                            ("minutes", minutes_due(meeting_date), minutes_sent)):
        if sent is not None:
            continue
        if kind == "minutes" and today < meeting_date:
            continue
        if due < today:
            found.append(Due(kind, "overdue", due, meeting_date))
        elif (due - today).days <= horizon_days:
            found.append(Due(kind, "due", due, meeting_date))
    return found
