"""Batches through the service layer, without Flask: plans as offices write them, each
child's next date from its own minutes, cases made on request, and production that
stores every document exactly once."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from formservice.series.batch import read_plan
from formservice.services import batches, due, records
from formservice.services.runners import chunks
from formservice.storage.models import BatchItem, Case, Meeting
from services.conftest import actor_of

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TODAY = dt.date.today()


def sample(form_id: str) -> dict:
    return json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))


def produce_all(built, batch_id: int) -> None:
    ids = batches.pending_items(built.uow(), batch_id)
    for chunk in chunks(ids, 7):
        batches.produce_chunk(built.sessions, chunk, built.profile, worker="test")


def minutes(child: str, held: dt.date, next_date: dt.date) -> dict:
    data = sample("first_meeting")
    data["child"]["name"] = child
    data["meeting"].update(date=held.isoformat(), agenda_sent=None, consent_on_file=False,
                           consent_date=None)
    data["participants"] = [p for p in data["participants"]
                            if p["role"] not in ("speech_consultant", "health_visitor")]
    data["closing"].update(next_meeting_date=next_date.isoformat(), minutes_sent=None)
    for action in data["actions"]:
        action["deadline"] = (held + dt.timedelta(days=90)).isoformat()
    return data


def test_an_institution_batch_dates_each_childs_follow_up_from_its_minutes(built, profile, people):
    staff = actor_of(built, "staff_a")
    institution = staff.user.institutions[0].id
    held = TODAY - dt.timedelta(days=10)
    wanted = {}
    with built.uow() as uow:
        for number, name in enumerate(("Alma Nørgaard Sørensen", "Bo Ærø", "Cem Şen")):
            case_id = people["case_a"] if number == 0 else None
            if case_id is None:
                case = Case(institution_id=institution, child_name=name)
                uow.session.add(case)
                uow.session.flush()
                case_id = case.id
                uow.commit()
            wanted[name] = TODAY + dt.timedelta(days=20 + 7 * number)
            stored = records.store_record(built.uow(), staff, profile, case_id, "first_meeting",
                                          minutes(name, held, wanted[name]), today=TODAY)
            assert stored.record.status == "final", stored.findings
    entries = batches.institution_entries(built.uow(), staff, institution, ["follow_up_meeting"],
                                          "docx", None)
    batch = batches.create_batch(built.uow(), staff, entries, runner="inprocess", today=TODAY)
    produce_all(built, batch.id)
    with built.sessions() as session:
        items = session.scalars(select(BatchItem).where(BatchItem.batch_id == batch.id)).all()
        got = {item.data["child"]["name"]: item.data["meeting"]["date"] for item in items}
        assert all(item.status == "done" for item in items)
    assert got == {name: day.isoformat() for name, day in wanted.items()}


def test_a_plan_may_make_the_cases_it_names_and_their_deadlines_show(built, people):
    staff = actor_of(built, "staff_a")
    meeting_day = TODAY + dt.timedelta(days=5)
    csv = ("navn;fødselsdato;institution;formularer;møder\r\n"
           f"Ida Ørum;02-04-2020;Børnehuset A;første møde;{meeting_day:%d-%m-%Y}\r\n"
           f"Alma Nørgaard Sørensen;;Børnehuset A;samtykke;\r\n").encode("cp1252")
    entries = read_plan(csv, "plan.csv")
    batch = batches.create_batch(built.uow(), staff, entries, runner="inprocess", today=TODAY,
                                 create_cases=True)
    produce_all(built, batch.id)
    with built.sessions() as session:
        ida = session.scalars(select(Case).where(Case.child_name == "Ida Ørum")).one()
        assert ida.child_birth_date == dt.date(2020, 4, 2)
        assert [m.meeting_date for m in session.scalars(
            select(Meeting).where(Meeting.case_id == ida.id))] == [meeting_day]
        # the child who had a case keeps it: no second case
        assert session.scalar(select(func.count()).select_from(Case).where(
            Case.child_name == "Alma Nørgaard Sørensen")) == 1
        linked = {item.case_id for item in session.scalars(
            select(BatchItem).where(BatchItem.batch_id == batch.id))}
        assert linked == {ida.id, people["case_a"]}
    shown = due.due_items(built.uow(), actor_of(built, "staff_a"), TODAY, 14)
    assert [(item.case.child_name, item.kind) for item in shown] == [("Ida Ørum", "agenda")]
    # and again: the same plan finds the cases it made
    again = batches.create_batch(built.uow(), staff, entries, runner="inprocess", today=TODAY,
                                 create_cases=True)
    with built.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 3
        assert session.scalar(select(func.count()).select_from(Meeting)) == 1
    assert again.total == batch.total


def test_a_windows_1252_plan_runs_as_a_batch_and_every_document_is_stored_once(built, people):
    staff = actor_of(built, "staff_a")
    day = TODAY + dt.timedelta(days=30)
    rows = ["navn;fødselsdato;institution;stue;formularer;format;møder"]
    rows += [f"Barn {n} Ærø;1{n}-03-2021;Børnehuset A;Bien;samtykke, netværkskort, første møde;"
             f"Word;{day:%d.%m.%Y}" for n in range(5)]
    csv = ("\r\n".join(rows) + "\r\n").encode("cp1252")
    batch = batches.create_batch(built.uow(), staff, read_plan(csv, "plan.csv"),
                                 runner="inprocess", today=TODAY)
    assert batch.total == 15 and batch.report == []
    produce_all(built, batch.id)
    produce_all(built, batch.id)  # a chunk delivered twice makes nothing twice
    with built.sessions() as session:
        counts = dict(session.execute(select(BatchItem.produced_count, func.count()).where(
            BatchItem.batch_id == batch.id).group_by(BatchItem.produced_count)).all())
    assert counts == {1: 15}
    state = batches.progress(built.uow(), staff, batch.id)
    assert state.ready and state.failed == 0
    archive = zipfile.ZipFile(io.BytesIO(b"".join(
        batches.download(built.uow(), staff, built.sessions, batch.id))))
    assert len([n for n in archive.namelist() if not n.startswith("manifest")]) == 15


def test_an_item_whose_producer_keeps_dying_ends_as_failed_with_its_reason(built, people):
    staff = actor_of(built, "staff_a")
    batch = batches.create_batch(built.uow(), staff, [{"child": {"name": "Ida"},
                                                       "forms": ["consent"]}],
                                 runner="inprocess", today=TODAY)
    (item_id,) = batches.pending_items(built.uow(), batch.id)
    with built.sessions() as session:  # three producers claimed it and died
        session.get(BatchItem, item_id).attempts = batches.MAX_ATTEMPTS
        session.commit()
    assert batches.produce_chunk(built.sessions, [item_id], built.profile, worker="w",
                                 lease=dt.timedelta(0)) == 1
    state = batches.progress(built.uow(), staff, batch.id)
    assert state.ready and state.failed == 1
    with built.sessions() as session:
        item = session.get(BatchItem, item_id)
        assert item.status == "failed" and "forsøgt 3 gange" in item.findings[0]["message"]


class _Recorder:
    name = "inprocess"

    def __init__(self):
        self.submitted = []

    def submit(self, item_ids):
        self.submitted.append(list(item_ids))


def test_a_stalled_batch_is_resumed_once_and_a_moving_one_is_left_alone(built, people):
    staff = actor_of(built, "staff_a")
    batch = batches.create_batch(built.uow(), staff, [{"child": {"name": "Ida"},
                                                       "forms": ["consent", "network_map"]}],
                                 runner="inprocess", today=TODAY)
    pending = batches.pending_items(built.uow(), batch.id)
    runner = _Recorder()
    lease = dt.timedelta(seconds=30)
    now = batch.created_at + dt.timedelta(seconds=5)
    assert batches.resume_stalled(built.sessions, runner, lease=lease, now=now) == []
    later = batch.created_at + dt.timedelta(seconds=31)
    assert batches.resume_stalled(built.sessions, runner, lease=lease, now=later) == [batch.id]
    assert runner.submitted == [pending]
    # another process looking at the same moment does not resume it again
    assert batches.resume_stalled(built.sessions, runner, lease=lease, now=later) == []
    state = batches.progress(built.uow(), staff, batch.id)
    assert state.resumed_count == 1 and state.as_dict()["resumed"] == 1


def test_the_manifest_says_what_the_cases_consents_say_of_a_planned_meeting(built, profile,
                                                                          people):
    staff = actor_of(built, "staff_a")
    held = TODAY - dt.timedelta(days=10)
    data = minutes("Alma Nørgaard Sørensen", held, TODAY + dt.timedelta(days=21))
    data["participants"] = sample("first_meeting")["participants"]  # PPR and the health visitor
    records.store_record(built.uow(), staff, profile, people["case_a"], "first_meeting", data,
                         today=TODAY)
    entries = batches.institution_entries(built.uow(), staff, staff.user.institutions[0].id,
                                          ["follow_up_meeting"], "docx", None)
    batch = batches.create_batch(built.uow(), staff, entries, runner="inprocess", today=TODAY)
    produce_all(built, batch.id)
    with built.sessions() as session:
        (item,) = session.scalars(select(BatchItem).where(BatchItem.batch_id == batch.id)).all()
        codes = {f["code"] for f in item.findings}
    assert "meeting.participant_not_covered" in codes
