"""Who produces a batch's documents: this process (threads, or a pool of processes so a
batch uses more than one core), or Celery workers reached through the broker. Work is
handed over in chunks of item ids; each chunk is stored with one commit
(services.batches.produce_chunk). The web process never imports the workers' code: a task
is sent by its name."""
from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import socket
import threading
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

from ..config import Profile
from .batches import produce_chunk

PRODUCE_TASK = "formservice.produce_document"
PRODUCE_CHUNK_TASK = "formservice.produce_chunk"
log = logging.getLogger("formservice.batches")


def chunks(item_ids: list[int], size: int) -> list[list[int]]:
    return [item_ids[start:start + size] for start in range(0, len(item_ids), size)]


def worker_name(kind: str) -> str:
    """Who claims an item: this host and process (a thread pool shares it)."""
    return f"{kind}:{socket.gethostname()}:{os.getpid()}"[:100]


class InProcessRunner:
    """Threads of this process, or (`processes` > 0) a pool of processes started with
    `initializer(*initargs)`, each producing a chunk with `task(chunk)`."""
    name = "inprocess"

    def __init__(self, session_factory, profile: Profile, *, threads: int = 2, chunk: int = 20,
                 lease: dt.timedelta, processes: int = 0, initializer=None, initargs=(),
                 task=None):
        self._sessions, self._profile, self._chunk, self._lease = session_factory, profile, chunk, lease
        self._threads, self._processes = threads, processes
        self._initializer, self._initargs, self._task = initializer, initargs, task
        self._executor: Executor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> Executor:
        with self._lock:
            if self._executor is None:
                if self._processes > 0:
                    # spawn: a fresh interpreter, never a fork of a threaded web server
                    self._executor = ProcessPoolExecutor(
                        max_workers=self._processes,
                        mp_context=multiprocessing.get_context("spawn"),
                        initializer=self._initializer, initargs=self._initargs)
                else:
                    self._executor = ThreadPoolExecutor(max_workers=self._threads,
                                                        thread_name_prefix="batch")
            return self._executor

    def warm_up(self) -> None:
        """Start the pool's processes now (they import the package and connect)."""
        pool = self._pool()
        for future in [pool.submit(os.getpid) for _ in range(max(1, self._processes))]:
            future.result()

    def _produce(self, chunk: list[int]) -> int:
        return produce_chunk(self._sessions, chunk, self._profile,
                             worker=worker_name("inprocess"), lease=self._lease)

    def submit(self, item_ids: list[int]) -> None:
        pool = self._pool()
        for chunk in chunks(item_ids, self._chunk):
            future = pool.submit(self._task if self._processes > 0 else self._produce, chunk)
            future.add_done_callback(_log_failure)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("a batch chunk failed: %r (its items are resumed when the batch stalls)",
                  future.exception())


class CeleryRunner:
    name = "celery"

    def __init__(self, broker_url: str, queue: str, *, chunk: int = 20):
        from celery import Celery  # only a service with a broker needs Celery loaded
        self._celery = Celery("formservice-producer", broker=broker_url)
        self._celery.conf.update(task_serializer="json", accept_content=["json"],
                                 task_ignore_result=True, broker_connection_retry_on_startup=True)
        self._queue, self._chunk = queue, chunk

    def submit(self, item_ids: list[int]) -> None:
        for chunk in chunks(item_ids, self._chunk):
            self._celery.send_task(PRODUCE_CHUNK_TASK, args=[chunk], queue=self._queue)

    def shutdown(self) -> None:
        pass
