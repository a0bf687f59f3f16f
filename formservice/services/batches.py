"""Batches: planned and stored as items, produced by a runner (in this process, or on
Celery workers), and downloaded as a streamed ZIP.

An item is produced at most once: producing it ends with a conditional update
("... WHERE status = 'pending'"), so a task delivered twice — after a worker was killed,
say — finds the item done and stops. Nothing is lost either: an item stays pending until a
producer has committed it, and a killed worker's unacknowledged tasks are delivered again.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, update

from ..config import Profile
from ..rules import apply_severity
from ..rules.cross import meeting_against_consents
from ..series.batch import EntryReport, Job, plan_jobs
from ..series.run import BatchSummary, run_batch
from ..series.zipstream import stream_zip
from ..storage import queries
from ..storage.models import Batch, BatchItem, Case, Meeting, utcnow
from . import forms, scans
from .access import MAX_ID, own_institution, user_of
from .cases import child_data
from .documents import next_follow_up_data
from .records import MEETING_FORMS
from .errors import Conflict, Forbidden, NotFound
from .unit_of_work import Actor, UnitOfWork

log = logging.getLogger("formservice.batches")
BATCH_NOT_FOUND = "Bestillingen findes ikke, eller den er ikke din."


def institution_entries(uow: UnitOfWork, actor: Actor, institution_id: int, forms: list,
                        fmt: str, meeting_date: dt.date | None) -> list[dict]:
    """A plan entry for every open case of one of the actor's institutions: the next
    follow-up is pre-filled from the case's latest final minutes and open actions."""
    with uow:
        if own_institution(actor, institution_id) is None:
            uow.audit_refusal(actor, "denied", "batch", detail={"institution_id": institution_id})
            raise Forbidden("Du kan kun bestille for dine egne institutioner.",
                            [{"path": "institution_id",
                              "message": "Institution: vælg en af dine institutioner."}])
        cases = queries.cases_of(uow.session, user_of(actor), open_only=True,
                                 institution_id=institution_id, order_by_name=True)
        entries = []
        for case in cases:
            entry = {**child_data(case), "forms": forms, "format": fmt, "case_id": case.id,
                     "meetings": [meeting_date.isoformat()] if meeting_date else []}
            if queries.latest_final_minutes(uow.session, case.id) is not None:
                entry["previous"] = _previous(uow, case)
            entries.append(entry)
        uow.audit(actor, "read", "cases", detail={"count": len(cases), "page": "batch",
                                                  "cases": [case.id for case in cases]})
        uow.commit()
        return entries


def _previous(uow, case) -> dict:
    latest = queries.latest_final_minutes(uow.session, case.id)
    return {**latest.data,
            "actions": [a.as_item() for a in queries.open_actions(uow.session, case.id)],
            "reviewed_actions": []}


def check_plan(uow: UnitOfWork, actor: Actor, entries: list, today: dt.date) -> list[EntryReport]:
    """Every entry of a plan checked on its own, before anything is made."""
    with uow:
        user_of(actor)
        reports = _cases_checked(uow, actor, plan_jobs(entries, today))
        uow.audit(actor, "read", "batch_plan", detail={
            "entries": len(reports), "documents": sum(len(r.jobs) for r in reports),
            "cases": sorted({r.case_id for r in reports if r.case_id is not None})})
        uow.commit()
        return reports


def create_batch(uow: UnitOfWork, actor: Actor, entries: list, *, runner: str,
                 today: dt.date | None = None, create_cases: bool = False) -> Batch:
    """Store a batch and its items (one per document); the runner produces them.

    With `create_cases`, every good entry without a case gets one — at the institution it
    names, when that is one of the actor's — found again by the child's name and birth
    date, and each of its planned meetings becomes a meeting of the case, so their
    deadlines (agenda, minutes) show on the start page."""
    with uow:
        user = user_of(actor)
        reports = _cases_checked(uow, actor, plan_jobs(entries, today or dt.date.today()))
        batch = Batch(created_by=user.id, runner=runner,
                      report=[{"entry": r.entry, "child": r.child, "problems": r.problems}
                              for r in reports if not r.ok])
        uow.session.add(batch)
        uow.session.flush()
        case_ids = {number: _case_id(entry.get("case_id"))
                    for number, entry in enumerate(entries, start=1) if isinstance(entry, dict)}
        if create_cases:
            for report in reports:
                if report.ok and case_ids.get(report.entry) is None:
                    case = _case_for_entry(uow, actor, report)
                    if case is not None:
                        case_ids[report.entry] = case.id
        position = 0
        for report in reports:
            for job in report.jobs:
                position += 1
                uow.session.add(BatchItem(batch_id=batch.id, position=position, entry=job.entry,
                                          path=job.path, form_id=job.form_id, fmt=job.fmt,
                                          data=job.data, case_id=case_ids.get(job.entry)))
        batch.total = position
        uow.audit(actor, "create", "batch", batch.id,
                  detail={"documents": position, "invalid_entries": len(batch.report),
                          "cases": sorted({c for c in case_ids.values() if c is not None})})
        uow.commit()
        return batch


def _cases_checked(uow: UnitOfWork, actor: Actor, reports: list[EntryReport]) -> list[EntryReport]:
    """An entry that names a case must name one of the actor's cases; one that names
    another's, or none that exists, is a bad entry with its reason (nothing is made for it)."""
    user = user_of(actor)
    for report in reports:
        if report.case_id is not None and (
                not 0 < report.case_id <= MAX_ID
                or queries.visible_case(uow.session, user, report.case_id) is None):
            report.problems.append(f"Sag: sag {report.case_id} findes ikke, eller du har ikke "
                                   "adgang til den.")
            report.jobs = []
    return reports


def _case_for_entry(uow: UnitOfWork, actor: Actor, report: EntryReport) -> Case | None:
    """The case of a plan's child at one of the actor's institutions (made when missing),
    with a meeting for each planned date."""
    child = report.child_data or {}
    institution = next((inst for inst in user_of(actor).institutions
                        if child.get("institution") and inst.name.casefold()
                        == " ".join(child["institution"].split()).casefold()), None)
    if institution is None and len(user_of(actor).institutions) == 1 and not child.get("institution"):
        institution = user_of(actor).institutions[0]
    if institution is None or not child.get("name"):
        return None
    birth = dt.date.fromisoformat(child["birth_date"]) if child.get("birth_date") else None
    case = queries.case_of_child(uow.session, institution.id, child["name"], birth)
    if case is None:
        case = Case(institution_id=institution.id, child_name=" ".join(child["name"].split()),
                    child_birth_date=birth, group_name=child.get("group") or None)
        uow.session.add(case)
        uow.session.flush()
        uow.audit(actor, "create", "case", case.id, case.id, detail={"source": "batch"})
    forms = {job.form_id for job in report.jobs}
    for day in report.meetings:
        form_id = "first_meeting" if ("first_meeting" in forms and not queries.meetings(
            uow.session, case.id)) else "follow_up_meeting"
        if queries.meeting_on(uow.session, case.id, "first_meeting", day) is None and \
                queries.meeting_on(uow.session, case.id, "follow_up_meeting", day) is None:
            uow.session.add(Meeting(case_id=case.id, form_id=form_id, meeting_date=day,
                                    sequence=queries.next_meeting_sequence(uow.session, case.id)))
            uow.session.flush()
    return case


def _case_id(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def produce(profile: Profile, job: Job, document_id: str | None = None) -> tuple[bytes, list[dict]]:
    """One document of a batch and its findings; `document_id`: the print's token."""
    content, checked = forms.render(profile, job.form_id, job.data, job.fmt,
                                    document_id=document_id)
    return content, [finding.as_dict() for finding in checked.findings]


def run_plan(profile: Profile, plan: bytes, filename: str, target, *,
             today: dt.date | None = None, progress=lambda done, total: None) -> BatchSummary:
    """A plan produced in this process straight into a ZIP (the command line's batch)."""
    return run_batch(plan, filename, target, produce=lambda job: produce(profile, job),
                     today=today, progress=progress)


def pending_items(uow: UnitOfWork, batch_id: int) -> list[int]:
    with uow:
        return queries.pending_item_ids(uow.session, batch_id)


MAX_ATTEMPTS = 3
# Storing a produced item: only while it is still pending and claimed by this producer.
STORE_ITEM = (update(BatchItem.__table__)
              .where(BatchItem.__table__.c.id == bindparam("item_id"),
                     BatchItem.__table__.c.status == "pending",
                     BatchItem.__table__.c.claimed_by == bindparam("worker"))
              .values(status=bindparam("status"), content=bindparam("content"),
                      sha256=bindparam("sha256"), findings=bindparam("findings"),
                      finished_at=bindparam("finished"),
                      produced_count=BatchItem.__table__.c.produced_count + 1))
DEFAULT_LEASE = dt.timedelta(seconds=30)


def _failed(message: str) -> dict:
    return {"status": "failed", "findings": [{"code": "batch.failed", "severity": "error",
                                              "path": "", "message": message}]}


def produce_chunk(session_factory, item_ids: list[int], profile: Profile, *, worker: str,
                  lease: dt.timedelta = DEFAULT_LEASE, max_attempts: int = MAX_ATTEMPTS) -> int:
    """Produce the documents of a chunk that are still pending, and store them with one
    commit. Returns how many this call stored.

    Each item is first *claimed* (who, when, one more attempt) unless a live producer has
    it: a claim younger than `lease` by another producer. Storing is conditional on the
    item still being pending and ours, so a chunk delivered twice — after a worker was
    killed, say — makes nothing twice. An item that was claimed `max_attempts` times
    without being stored (its producer died each time) ends as failed, with its reason."""
    now = utcnow()
    with session_factory() as session:
        session.execute(update(BatchItem).where(
            BatchItem.id.in_(item_ids), BatchItem.status == "pending",
            or_(BatchItem.claimed_at.is_(None), BatchItem.claimed_by == worker,
                BatchItem.claimed_at < now - lease))
            .values(claimed_by=worker, claimed_at=now, attempts=BatchItem.attempts + 1)
            .execution_options(synchronize_session=False))
        session.commit()
        items = queries.claimed_items(session, item_ids, worker)
        results, consents = [], {}
        for item in items:
            if item.attempts > max_attempts:
                values = _failed(f"Dokumentet kunne ikke laves: det blev forsøgt {max_attempts} "
                                 "gange, og hver gang stoppede programmet, der lavede det.")
            else:
                values = _produced(item, profile, _consents_of(session, item, consents))
            results.append((item.id, values))
            session.expunge(item)
        session.rollback()  # end the read before the (SQLite: immediate) write
        finished = utcnow()
        if results:  # one statement for the chunk, sent as one batch of rows
            session.execute(STORE_ITEM, [
                {"item_id": item_id, "status": values["status"],
                 "content": values.get("content"), "sha256": values.get("sha256"),
                 "findings": values["findings"], "finished": finished, "worker": worker}
                for item_id, values in results])
        stored = queries.count_stored(session, item_ids, worker, finished)
        for batch_id in queries.batches_of_items(session, item_ids):
            queries.mark_batch_finished(session, batch_id, finished)
        session.commit()
        return stored


def _consents_of(session, item: BatchItem, cache: dict) -> list[dict] | None:
    """The final consents of the item's case, for a meeting form (read once per chunk)."""
    if item.case_id is None or item.form_id not in MEETING_FORMS:
        return None
    if item.case_id not in cache:
        cache[item.case_id] = queries.final_consent_data(session, item.case_id)
    return cache[item.case_id]


def _produced(item: BatchItem, profile: Profile, consents: list[dict] | None = None) -> dict:
    job = Job(item.entry, "", item.path, item.form_id, item.fmt, item.data)
    # a PDF made for a case can be printed and scanned: its pages name the batch item
    # (Word decides its own pages, so a Word printout is not read back from paper)
    token = scans.batch_token(item.id) if item.case_id is not None and item.fmt == "pdf" \
        else None
    try:
        content, findings = produce(profile, job, token)
        if consents is not None:  # the manifest says what the case's consents say of it
            findings += [f.as_dict() for f in apply_severity(
                meeting_against_consents(item.data, consents), profile.severity)]
    except Exception as exc:  # a document that cannot be made is reported, not retried forever
        log.exception("batch item %s failed", item.id)
        return _failed(f"Dokumentet kunne ikke laves ({type(exc).__name__}).")
    return {"status": "done", "content": content, "findings": findings,
            "sha256": hashlib.sha256(content).hexdigest()}


def produce_item(session_factory, item_id: int, profile: Profile, *, worker: str = "") -> bool:
    """Produce one document unless it is done already (a chunk of one)."""
    return produce_chunk(session_factory, [item_id], profile,
                         worker=worker or f"item-{item_id}") == 1


def resume_stalled(session_factory, runner, *, lease: dt.timedelta = DEFAULT_LEASE,
                   now: dt.datetime | None = None) -> list[int]:
    """Give the runner again every pending item of a batch of its kind that has not moved
    for `lease`: nothing claimed or stored in that time means its producer died (the
    service was killed, a worker lost its task). Returns the batches resumed; each is
    marked (resumed_count, resumed_at) once per resumption, however many processes look."""
    now = now or utcnow()
    resumed = []
    with session_factory() as session:
        for batch in queries.unfinished_batches(session, runner.name):
            pending = queries.pending_item_ids(session, batch.id)
            if not pending:
                queries.mark_batch_finished(session, batch.id, now)
                session.commit()
                continue
            last = queries.last_activity(session, batch)
            if last is not None and now - _aware(last) < lease:
                continue
            if not queries.mark_batch_resumed(session, batch.id, now, lease):
                session.rollback()
                continue
            session.commit()
            log.warning("batch %s resumed: %s documents pending", batch.id, len(pending))
            runner.submit(pending)
            resumed.append(batch.id)
    return resumed


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


@dataclass
class Progress:
    id: int
    total: int
    done: int
    failed: int
    runner: str
    invalid_entries: list
    resumed_count: int = 0
    resumed_at: dt.datetime | None = None

    @property
    def ready(self) -> bool:
        return self.done == self.total

    @property
    def report(self) -> list:
        return self.invalid_entries

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else self.done * 100 // self.total

    def as_dict(self) -> dict:
        return {"id": self.id, "total": self.total, "done": self.done, "failed": self.failed,
                "ready": self.ready, "runner": self.runner, "percent": self.percent,
                "invalid_entries": self.invalid_entries, "resumed": self.resumed_count,
                "resumed_at": self.resumed_at}


def _progress(session, batch: Batch) -> Progress:
    counts = queries.batch_counts(session, batch.id)
    done = counts.get("done", 0) + counts.get("failed", 0)
    return Progress(batch.id, batch.total, done, counts.get("failed", 0), batch.runner,
                    batch.report, batch.resumed_count or 0, batch.resumed_at)


def _own_batch(uow, actor, batch_id) -> Batch:
    user = user_of(actor)
    batch = uow.session.get(Batch, batch_id) if 0 < batch_id < 2**31 else None
    if batch is None or batch.created_by != user.id:
        uow.audit_refusal(actor, "denied", "batch", str(batch_id), detail=actor.asked)
        raise NotFound(BATCH_NOT_FOUND)
    return batch


def progress(uow: UnitOfWork, actor: Actor, batch_id: int) -> Progress:
    with uow:
        return _progress(uow.session, _own_batch(uow, actor, batch_id))


def my_batches(uow: UnitOfWork, actor: Actor, limit: int = 10) -> list[tuple[Batch, Progress]]:
    with uow:
        user = user_of(actor)
        return [(batch, _progress(uow.session, batch))
                for batch in queries.batches_of(uow.session, user.id, limit)]


def download(uow: UnitOfWork, actor: Actor, session_factory, batch_id: int):
    """The batch's ZIP as a stream of chunks (Conflict until every document is made)."""
    with uow:
        batch = _own_batch(uow, actor, batch_id)
        state = _progress(uow.session, batch)
        if not state.ready:
            raise Conflict(f"Bestillingen er ikke færdig endnu ({state.done} af "
                           f"{state.total} dokumenter).")
        uow.audit(actor, "download", "batch", batch.id,
                  detail={"cases": queries.cases_of_batch(uow.session, batch.id)})
        uow.commit()
        return zip_chunks(session_factory, batch.id, batch.report)


def zip_chunks(session_factory, batch_id: int, report: list[dict]):
    """The batch's ZIP as a stream of chunks, reading one document at a time."""
    def documents():
        with session_factory() as session:
            last = 0
            while True:  # one document in memory at a time, in position order
                item = queries.batch_item_after(session, batch_id, last)
                if item is None:
                    return
                last = item.position
                if item.status in ("done", "failed"):
                    yield item.entry, item.path, item.content, item.findings or []
                session.expunge(item)
    problems = [(row["entry"], row["child"], row["problems"]) for row in report]
    return stream_zip(documents(), problems)


__all__ = ["create_batch", "check_plan", "download", "institution_entries", "my_batches",
           "next_follow_up_data", "pending_items", "produce_item", "progress", "zip_chunks"]
