"""The queue workers: Celery with Redis as the broker when CELERY_BROKER_URL is set.

    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 DATABASE_URL=... celery -A formservice.tasks worker

(CELERY_QUEUE names the queue, "formservice" by default: web and workers must agree.)

A worker builds only what it needs — its settings, the database engine and sessions — and
shares nothing with the web process but the database and the broker (no Flask app here).
A task carries a chunk of a batch's documents (FORMSERVICE_BATCH_CHUNK), stored with one
commit, so workers on several machines share the work. Tasks are acknowledged only after
they finish (acks_late) and given back to the queue when a worker dies
(reject_on_worker_lost, visibility timeout); producing is idempotent
(services.batches.produce_chunk). A batch whose tasks were lost anyway is resumed by every
worker's sweeper (when it starts and every FORMSERVICE_BATCH_SWEEP_SECONDS) and by the
service's (services.batches.resume_stalled).
"""
from __future__ import annotations

import logging
import threading

from celery import Celery
from celery.signals import worker_ready

from ..bootstrap import build
from ..config import load_config
from ..services.batches import produce_chunk, produce_item
from ..services.runners import PRODUCE_CHUNK_TASK, PRODUCE_TASK, chunks, worker_name

_settings = load_config({"AUTO_MIGRATE": False})
celery = Celery("formservice", broker=_settings["CELERY_BROKER_URL"] or "memory://")
celery.conf.update(
    task_default_queue=_settings["CELERY_QUEUE"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=_settings["CELERY_PREFETCH"],
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    # a killed worker's unacknowledged tasks are given to another after this many seconds
    broker_transport_options={
        "visibility_timeout": _settings["CELERY_VISIBILITY_TIMEOUT"],
        # look for abandoned tasks every so many seconds (kombu's default is ~100 s)
        "unacked_restore_interval": _settings["CELERY_RESTORE_INTERVAL"],
        "unacked_restore_throttle": 1,
    },
    worker_hijack_root_logger=False,
)
_services = None
log = logging.getLogger("formservice.batches")


def _worker_services():
    """The worker's engine and sessions, made on its first task (after the fork)."""
    global _services
    if _services is None:
        _services = build(_settings, migrate=False, runner=False)
    return _services


@celery.task(name=PRODUCE_CHUNK_TASK)
def produce_document_chunk(item_ids: list[int]) -> int:
    """A chunk of a batch's documents, stored with one commit."""
    built = _worker_services()
    return produce_chunk(built.sessions, item_ids, built.profile, worker=worker_name("celery"),
                         lease=built.lease)


@celery.task(name=PRODUCE_TASK)
def produce_document(item_id: int) -> bool:
    """One document (tasks queued before chunks existed)."""
    built = _worker_services()
    return produce_item(built.sessions, item_id, built.profile, worker=worker_name("celery"))


class _ThisQueue:
    """Resumed chunks sent with this worker's own Celery app (no second app in a worker)."""
    name = "celery"

    def submit(self, item_ids: list[int]) -> None:
        for chunk in chunks(item_ids, _settings["BATCH_CHUNK"]):
            celery.send_task(PRODUCE_CHUNK_TASK, args=[chunk], queue=_settings["CELERY_QUEUE"])


@worker_ready.connect
def _resume_stalled_batches(**_kwargs) -> None:
    """A worker looks for batches that stopped moving (a worker died and its tasks were
    lost) when it starts and every FORMSERVICE_BATCH_SWEEP_SECONDS after, and gives them
    to the queue again — in the background, so the worker starts consuming at once. Not
    only at start: the worker that takes over from a killed one starts before the dead
    one's batch has been still for a lease, and a message the broker lost is not given
    back by anyone else when no service sweeps."""
    def start():
        try:
            _worker_services().start_sweeper(_ThisQueue())
        except Exception:  # the next worker or the service's sweeper tries again
            log.exception("looking for stalled batches failed")
    threading.Thread(target=start, name="resume-stalled", daemon=True).start()
