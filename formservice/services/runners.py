"""Who produces a batch's documents: this process (a thread pool), or Celery workers
reached through the broker. The web process never imports the workers' code: a task is
sent by its name."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ..config import Profile
from .batches import produce_item

PRODUCE_TASK = "formservice.produce_document"


class InProcessRunner:
    name = "inprocess"

    def __init__(self, session_factory, profile: Profile, threads: int = 2):
        self._sessions, self._profile, self._threads = session_factory, profile, threads
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, item_ids: list[int]) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self._threads,
                                                    thread_name_prefix="batch")
        for item_id in item_ids:
            self._executor.submit(produce_item, self._sessions, item_id, self._profile)


class CeleryRunner:
    name = "celery"

    def __init__(self, broker_url: str, queue: str):
        from celery import Celery
        self._celery = Celery("formservice-producer", broker=broker_url)
        self._celery.conf.update(task_serializer="json", accept_content=["json"],
                                 task_ignore_result=True, broker_connection_retry_on_startup=True)
        self._queue = queue

    def submit(self, item_ids: list[int]) -> None:
        for item_id in item_ids:
            self._celery.send_task(PRODUCE_TASK, args=[item_id], queue=self._queue)
