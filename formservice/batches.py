"""Batches on the service: planned and stored as items, produced in this process or on
Celery workers (one task per document), and downloaded as a streamed ZIP.

An item is produced at most once: producing it ends with a conditional update
("... WHERE status = 'pending'"), so a task delivered twice — after a worker was killed,
say — finds the item done and stops. Nothing is lost either: an item stays pending until a
producer has committed it, and a killed worker's unacknowledged tasks are delivered again.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from . import audit
from .forms.record import load_data
from .series import follow_up_prefill
from .series.batch import EntryReport, Job, plan_jobs
from .series.run import produce
from .series.zipstream import stream_zip
from .storage.models import Action, Batch, BatchItem, Case, Meeting, Record, User, utcnow

log = logging.getLogger("formservice.batches")
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def institution_entries(db, user: User, institution_id: int, forms: list, fmt: str,
                        meeting_date: dt.date | None) -> list[dict]:
    """A plan entry for every open case of an institution the user may see: the next
    follow-up is pre-filled from the case's latest final meeting record and open actions."""
    from .auth.access import visible_cases
    cases = db.scalars(select(Case).where(Case.institution_id == institution_id,
                                          Case.status == "open", visible_cases(user))
                       .order_by(Case.child_name)).all()
    entries = []
    for case in cases:
        child = {"name": case.child_name, "institution": case.institution.name,
                 "birth_date": case.child_birth_date.isoformat() if case.child_birth_date else None,
                 "group": case.group_name}
        entry = {"child": child, "forms": forms, "format": fmt, "case_id": case.id,
                 "meetings": [meeting_date.isoformat()] if meeting_date else []}
        previous = latest_minutes(db, case.id)
        if previous is not None:
            entry["previous"] = {**previous, "actions": open_actions(db, case.id),
                                 "reviewed_actions": []}
        entries.append(entry)
    return entries


def latest_minutes(db, case_id: int) -> dict | None:
    record = db.scalar(select(Record).join(Meeting, Meeting.id == Record.subject_id).where(
        Record.subject == "meeting", Record.case_id == case_id, Record.status == "final")
        .order_by(Meeting.sequence.desc(), Record.version.desc()).limit(1))
    return record.data if record is not None else None


def open_actions(db, case_id: int) -> list[dict]:
    return [action.as_item() for action in db.scalars(
        select(Action).where(Action.case_id == case_id, Action.status == "open").order_by(Action.id))]


def next_follow_up(db, case: Case, meeting_date: dt.date | None = None) -> dict:
    """The next follow-up form's data for a case, pre-filled from its latest minutes."""
    previous = latest_minutes(db, case.id) or {"child": {"name": case.child_name}}
    data = follow_up_prefill(previous, open_actions(db, case.id), meeting_date=meeting_date)
    canonical, _ = load_data("follow_up_meeting", data)
    return canonical


def create_batch(db, user: User, entries: list[dict], *, runner: str,
                 today: dt.date | None = None) -> tuple[Batch, list[EntryReport]]:
    reports = plan_jobs(entries, today or dt.date.today())
    batch = Batch(created_by=user.id, runner=runner,
                  report=[{"entry": r.entry, "child": r.child, "problems": r.problems}
                          for r in reports if not r.ok])
    db.add(batch)
    db.flush()
    case_ids = {number: entry.get("case_id") for number, entry in enumerate(entries, start=1)
                if isinstance(entry, dict)}
    position = 0
    for report in reports:
        for job in report.jobs:
            position += 1
            db.add(BatchItem(batch_id=batch.id, position=position, entry=job.entry, path=job.path,
                             form_id=job.form_id, fmt=job.fmt, data=job.data,
                             case_id=case_ids.get(job.entry)))
    batch.total = position
    audit.record("create", "batch", batch.id, detail={"documents": position,
                                                      "invalid_entries": len(batch.report)})
    return batch, reports


def produce_item(session_factory, item_id: int, municipality: str) -> bool:
    """Produce one document unless it is done already. True when this call produced it."""
    with session_factory() as db:
        item = db.get(BatchItem, item_id)
        if item is None or item.status != "pending":
            return False
        job = Job(item.entry, "", item.path, item.form_id, item.fmt, item.data)
        try:
            content, findings = produce(job, municipality)
            values = {"status": "done", "content": content,
                      "sha256": hashlib.sha256(content).hexdigest(), "findings": findings}
        except Exception as exc:  # a document that cannot be made is reported, not retried forever
            log.exception("batch item %s failed", item_id)
            values = {"status": "failed", "findings": [{
                "code": "batch.failed", "severity": "error", "path": "",
                "message": f"Dokumentet kunne ikke laves ({type(exc).__name__})."}]}
        db.rollback()  # end the read before the (SQLite: immediate) write
        result = db.execute(update(BatchItem).where(BatchItem.id == item_id,
                                                    BatchItem.status == "pending")
                            .values(**values, produced_count=BatchItem.produced_count + 1,
                                    finished_at=utcnow()))
        db.commit()
        return result.rowcount == 1


def progress(db, batch: Batch) -> dict:
    counts = dict(db.execute(select(BatchItem.status, func.count()).where(
        BatchItem.batch_id == batch.id).group_by(BatchItem.status)).all())
    done = counts.get("done", 0) + counts.get("failed", 0)
    return {"id": batch.id, "total": batch.total, "done": done, "failed": counts.get("failed", 0),
            "ready": done == batch.total, "runner": batch.runner,
            "percent": 100 if batch.total == 0 else done * 100 // batch.total,
            "invalid_entries": batch.report}


def start(app, batch: Batch) -> None:
    """Queue every pending item: on Celery when a broker is configured, else in-process."""
    item_ids = [item_id for (item_id,) in _pending(app, batch.id)]
    if batch.runner == "celery":
        from .tasks import configure, produce_document
        configure(app.config["CELERY_BROKER_URL"], app.config.get("CELERY_QUEUE"))
        for item_id in item_ids:
            produce_document.delay(item_id)
        return
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=app.config.get("BATCH_THREADS", 2),
                                           thread_name_prefix="batch")
    municipality = app.config["MUNICIPALITY"]
    sessions = app.extensions["formservice.sessions"]
    for item_id in item_ids:
        _executor.submit(produce_item, sessions, item_id, municipality)


def _pending(app, batch_id):
    with Session(app.extensions["formservice.engine"]) as db:
        return db.execute(select(BatchItem.id).where(BatchItem.batch_id == batch_id,
                                                     BatchItem.status == "pending")
                          .order_by(BatchItem.position)).all()


def zip_chunks(session_factory, batch_id: int, report: list[dict]):
    """The batch's ZIP as a stream of chunks, reading one document at a time."""
    def documents():
        with session_factory() as db:
            last = 0
            while True:  # one document in memory at a time, in position order
                item = db.scalar(select(BatchItem).where(BatchItem.batch_id == batch_id,
                                                         BatchItem.position > last)
                                 .order_by(BatchItem.position).limit(1))
                if item is None:
                    return
                last = item.position
                if item.status in ("done", "failed"):
                    yield item.entry, item.path, item.content, item.findings or []
                db.expunge(item)
    problems = [(row["entry"], row["child"], row["problems"]) for row in report]
    return stream_zip(documents(), problems)


def batch_runner() -> str:
    return "celery" if current_app.config.get("CELERY_BROKER_URL") else "inprocess"
