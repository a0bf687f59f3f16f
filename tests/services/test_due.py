"""What is due ("Det skal jeg nu"): the rules of the list, without Flask."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from formservice.services import accounts, due, records
from formservice.services.unit_of_work import SYSTEM
from formservice.storage.models import Case
from services.conftest import PASSWORD, actor_of

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TODAY = dt.date.today()


def sample(form_id: str) -> dict:
    return json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))


def minutes(held: dt.date, *, leader="Birgitte Møller Kjær", note_taker="Søren Ågaard Holm",
            next_date: dt.date | None = None, outside: bool = False, **sent) -> dict:
    data = sample("first_meeting")
    data["child"]["name"] = "Alma Nørgaard Sørensen"
    data["meeting"].update(date=held.isoformat(), leader=leader, note_taker=note_taker,
                           agenda_sent=sent.get("agenda_sent"), consent_on_file=False,
                           consent_date=None)
    if not outside:
        data["participants"] = [p for p in data["participants"]
                                if p["role"] not in ("speech_consultant", "health_visitor")]
    data["closing"].update(next_meeting_date=next_date.isoformat() if next_date else None,
                           minutes_sent=sent.get("minutes_sent"), minutes_by=None)
    for action in data["actions"]:
        action["deadline"] = (held + dt.timedelta(days=60)).isoformat()
    return data


def store(built, profile, case_id, data, who="staff_a"):
    stored = records.store_record(built.uow(), actor_of(built, who), profile, case_id,
                                  "first_meeting", data, today=TODAY)
    return stored


def items(built, who="staff_a", scope=due.INSTITUTION, today=TODAY, horizon=14):
    return [(item.kind, item.state, item.date) for item in
            due.due_items(built.uow(), actor_of(built, who), today, horizon, scope=scope)]


def test_the_next_meeting_written_in_the_minutes_asks_for_its_agenda(built, profile, people):
    next_day = TODAY + dt.timedelta(days=10)
    store(built, profile, people["case_a"], minutes(TODAY - dt.timedelta(days=3),
                                                    next_date=next_day,
                                                    minutes_sent=TODAY.isoformat()))
    assert ("agenda", "due", next_day - dt.timedelta(days=7)) in items(built)


def test_a_held_meeting_no_longer_asks_for_its_agenda(built, profile, people):
    held = TODAY - dt.timedelta(days=2)
    store(built, profile, people["case_a"], minutes(held))
    found = items(built)
    assert not [i for i in found if i[0] == "agenda"]
    assert ("minutes", "due", held + dt.timedelta(days=7)) in found


def test_marked_as_sent_leaves_the_list_and_is_audited(built, profile, people):
    held = TODAY - dt.timedelta(days=9)
    stored = store(built, profile, people["case_a"], minutes(held))
    assert ("minutes", "overdue", held + dt.timedelta(days=7)) in items(built)
    meeting = due.mark_sent(built.uow(), actor_of(built, "staff_a"), people["case_a"], "minutes",
                            TODAY, meeting_id=stored.record.subject_id)
    assert meeting.minutes_sent_on == TODAY
    assert not [i for i in items(built) if i[0] == "minutes"]


def test_overdue_actions_are_listed_by_responsible(built, profile, people):
    data = minutes(TODAY - dt.timedelta(days=40), minutes_sent=TODAY.isoformat())
    for action in data["actions"]:
        action["deadline"] = (TODAY - dt.timedelta(days=5)).isoformat()
    store(built, profile, people["case_a"], data, who="staff_a")
    found = due.due_items(built.uow(), actor_of(built, "staff_a"), TODAY, 14)
    overdue = [item for item in found if item.kind == "action"]
    assert len(overdue) == len(data["actions"])
    assert {item.who for item in overdue} == {a["responsible"] for a in data["actions"]}
    assert all(item.urgent and item.who in item.what for item in overdue)


def test_mine_is_what_names_me_and_what_names_no_one_at_my_institution(built, profile, people):
    accounts.new_user(built.uow(), SYSTEM, "birgitte", "Birgitte Møller Kjær", "staff",
                      PASSWORD, ["Børnehuset A"])
    upcoming = TODAY + dt.timedelta(days=5)
    store(built, profile, people["case_a"], minutes(upcoming, leader="Birgitte Møller Kjær"))
    assert ("agenda", "overdue", upcoming - dt.timedelta(days=7)) in items(built, "birgitte", due.MINE)
    assert not [i for i in items(built, "staff_a", due.MINE) if i[0] == "agenda"]
    assert [i for i in items(built, "staff_a", due.INSTITUTION) if i[0] == "agenda"]


def test_a_caseworker_sees_what_is_theirs(built, profile, people):
    accounts.new_user(built.uow(), SYSTEM, "sagsbehandler", "Karen Holm", "caseworker", PASSWORD)
    caseworker_id = actor_of(built, "sagsbehandler").user.id
    with built.uow() as uow:
        uow.session.get(Case, people["case_a"]).caseworker_id = caseworker_id
        uow.commit()
    held = TODAY - dt.timedelta(days=9)
    data = minutes(held)  # the daycare's minutes to send, and an action of the caseworker's
    data["closing"]["minutes_by"] = "Staff_A"
    data["actions"][0]["responsible"] = "Karen Holm"
    data["actions"][0]["deadline"] = (TODAY - dt.timedelta(days=1)).isoformat()
    store(built, profile, people["case_a"], data)
    mine = items(built, "sagsbehandler", due.MINE)
    assert [kind for kind, _, _ in mine] == ["action"]
    assert "minutes" in [kind for kind, _, _ in items(built, "sagsbehandler", due.INSTITUTION)]
    assert "minutes" in [kind for kind, _, _ in items(built, "staff_a", due.MINE)]


def test_a_meeting_without_a_valid_consent_is_listed(built, profile, people):
    upcoming = TODAY + dt.timedelta(days=10)
    store(built, profile, people["case_a"], minutes(upcoming, outside=True))
    assert ("consent_missing", "missing", upcoming) in items(built)


def test_an_expired_consent_answered_by_a_newer_one_is_not_listed(built, profile, people):
    old = sample("consent")
    old["validity"] = {"valid_from": (TODAY - dt.timedelta(days=200)).isoformat(),
                       "valid_until": (TODAY - dt.timedelta(days=20)).isoformat()}
    for holder in old["custody_holders"]:
        holder["signed_date"] = (TODAY - dt.timedelta(days=200)).isoformat()
    actor = actor_of(built, "staff_a")
    stored = records.store_record(built.uow(), actor, profile, people["case_a"], "consent", old,
                                  today=TODAY - dt.timedelta(days=200))
    assert stored.record.status == "final", stored.findings
    assert ("consent", "expired", TODAY - dt.timedelta(days=20)) in items(built)
    new = sample("consent")
    new["validity"] = {"valid_from": TODAY.isoformat(),
                       "valid_until": (TODAY + dt.timedelta(days=300)).isoformat()}
    for holder in new["custody_holders"]:
        holder["signed_date"] = TODAY.isoformat()
    stored = records.store_record(built.uow(), actor, profile, people["case_a"], "consent", new,
                                  today=TODAY)
    assert stored.record.status == "final", stored.findings
    assert not [i for i in items(built) if i[0] == "consent"]


def test_the_next_meeting_from_the_minutes_can_be_marked_and_becomes_planned(built, profile,
                                                                            people):
    next_day = TODAY + dt.timedelta(days=5)
    store(built, profile, people["case_a"], minutes(TODAY - dt.timedelta(days=30),
                                                    next_date=next_day,
                                                    minutes_sent=TODAY.isoformat()))
    [agenda] = [i for i in due.due_items(built.uow(), actor_of(built, "staff_a"), TODAY, 14)
                if i.kind == "agenda"]
    assert agenda.meeting_id is None and agenda.meeting_date == next_day and agenda.markable
    meeting = due.mark_sent(built.uow(), actor_of(built, "staff_a"), people["case_a"], "agenda",
                            TODAY, meeting_date=next_day)
    assert meeting.meeting_date == next_day and meeting.agenda_sent_on == TODAY
    assert not [i for i in items(built) if i[0] == "agenda"]


def test_marking_refuses_what_is_not_an_agenda_or_minutes_and_a_future_day(built, profile,
                                                                          people):
    import pytest

    from formservice.services.errors import Invalid
    stored = store(built, profile, people["case_a"], minutes(TODAY - dt.timedelta(days=2)))
    actor = actor_of(built, "staff_a")
    for what, on in (("consent", TODAY), ("minutes", TODAY + dt.timedelta(days=1))):
        with pytest.raises(Invalid) as refused:
            due.mark_sent(built.uow(), actor, people["case_a"], what, on,
                          meeting_id=stored.record.subject_id)
        assert "_" not in refused.value.message and "." in refused.value.message
    with pytest.raises(Invalid):
        due.due_items(built.uow(), actor, TODAY, scope="alle")
