"""The task queue: Celery with Redis as the broker when CELERY_BROKER_URL is set.

    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 DATABASE_URL=... celery -A formservice.tasks worker

(CELERY_QUEUE names the queue, "formservice" by default: web and workers must agree.)

Each document of a batch is one task, so workers on several machines share the work. Tasks
are acknowledged only after they finish (acks_late) and given back to the queue when a
worker dies (reject_on_worker_lost); producing is idempotent (batches.produce_item).
"""
from __future__ import annotations

import os

from celery import Celery

celery = Celery("formservice", broker=os.environ.get("CELERY_BROKER_URL", "memory://"))
celery.conf.update(
    task_default_queue=os.environ.get("CELERY_QUEUE", "formservice"),
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=int(os.environ.get("CELERY_PREFETCH", "4")),
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    # a killed worker's unacknowledged tasks are given to another after this many seconds
    broker_transport_options={
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "300")),
        # look for abandoned tasks every so many seconds (kombu's default is ~100 s)
        "unacked_restore_interval": int(os.environ.get("CELERY_RESTORE_INTERVAL", "10")),
        "unacked_restore_throttle": 1,
    },
    worker_hijack_root_logger=False,
)
_app = None


def configure(broker_url: str, queue: str | None = None) -> None:
    """Point the producer side (the web process) at the broker the app is configured with."""
    if celery.conf.broker_url != broker_url:
        celery.conf.broker_url = broker_url
    if queue:
        celery.conf.task_default_queue = queue


def _flask_app():
    global _app
    if _app is None:
        from .app import create_app
        _app = create_app({"AUTO_MIGRATE": False})
    return _app


@celery.task(name="formservice.produce_document")
def produce_document(item_id: int) -> bool:
    from .batches import produce_item
    app = _flask_app()
    return produce_item(app.extensions["formservice.sessions"], item_id, app.config["MUNICIPALITY"])
