"""Batches on a real Celery worker with a real Redis broker, and a worker killed mid-batch."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import uuid
import zipfile

import pytest
from waiting import wait_until
from sqlalchemy import create_engine, func, select

from formservice.app import create_app
from formservice.storage.models import BatchItem



@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must set TEST_REDIS_URL")
        pytest.skip("no Redis server (TEST_REDIS_URL)")
    import redis
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


@pytest.fixture
def queue():
    """A queue of this test's own, so no worker left over from elsewhere takes its tasks."""
    return f"formservice-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def app(database_url, redis_url, queue, tmp_path):
    """The service with a broker configured: batches go to Celery."""
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEY": "test",
                      "INSTANCE_PATH": str(tmp_path / "instance"), "CELERY_BROKER_URL": redis_url,
                      "CELERY_QUEUE": queue, "BATCH_CHUNK": 2})
    yield app
    app.extensions["formservice"].engine.dispose()


def start_worker(database_url, redis_url, queue, tmp_path, name):
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": redis_url,
           "CELERY_QUEUE": queue,
           "CELERY_VISIBILITY_TIMEOUT": "3",
           "CELERY_RESTORE_INTERVAL": "1", "FORMSERVICE_BATCH_LEASE_SECONDS": "3",
           "FORMSERVICE_BATCH_SWEEP_SECONDS": "1", "FORMSERVICE_INSTANCE": str(tmp_path / "instance"),
           "FORMSERVICE_ENV": "testing", "SECRET_KEY": "test"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "formservice.tasks", "worker", "--pool=solo",
         "--loglevel=WARNING", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / f"{name}.log", "wb"),
        start_new_session=True)


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _plan(children: int):
    return {"entries": [{"child": {"name": f"Barn {n} Ærø", "birth_date": "2021-01-01"},
                         "forms": [{"form": "consent", "format": "pdf"}, "network_map", "first_meeting"],
                         "format": "docx", "meetings": ["2030-01-10"]} for n in range(children)]}


def _progress(client, headers, batch_id):
    return client.get(f"/api/v1/batches/{batch_id}", headers=headers).json


_wait = wait_until


def _done_in_db(database_url, batch_id) -> int:
    """Documents made, read with a connection of its own (what the workers committed)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(BatchItem).where(
                BatchItem.batch_id == batch_id, BatchItem.status != "pending")).scalar()
    finally:
        engine.dispose()


def _produced_counts(database_url, batch_id) -> dict:
    """How many of the batch's documents were produced once, twice, ... (a fresh connection)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(select(BatchItem.produced_count, func.count()).where(
                BatchItem.batch_id == batch_id).group_by(BatchItem.produced_count)).all())
    finally:
        engine.dispose()


def _check_zip(client, headers, batch_id, expected):
    download = client.get(f"/api/v1/batches/{batch_id}/download", headers=headers)
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    manifest = json.loads(archive.read("manifest.json"))
    files = [row["file"] for row in manifest if row["file"]]
    assert len(files) == expected and len(set(files)) == expected
    assert sorted(files) == sorted(n for n in archive.namelist() if not n.startswith("manifest"))


def test_batch_runs_on_a_celery_worker(client, world, database_url, redis_url, queue, tmp_path):
    headers = world.auth("staff_a")
    worker = start_worker(database_url, redis_url, queue, tmp_path, "w1")
    try:
        state = client.post("/api/v1/batches", json=_plan(5), headers=headers).json
        assert state["runner"] == "celery" and state["total"] == 15
        _wait(lambda: _done_in_db(database_url, state["id"]) == 15, 60, "the batch")
        _check_zip(client, headers, state["id"], 15)
    finally:
        stop(worker)


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_killed_worker_resumes_without_doubles_or_losses(client, world, database_url, redis_url,
                                                        queue, tmp_path, attempt):
    """kill -9 of a worker mid-batch, another started: the batch completes exactly once
    (repeated: a kill lands at a different moment each time)."""
    headers = world.auth("staff_a")
    state = client.post("/api/v1/batches", json=_plan(150), headers=headers).json
    total = state["total"]
    first = start_worker(database_url, redis_url, queue, tmp_path, "w1")
    try:
        _wait(lambda: _progress(client, headers, state["id"])["done"] >= 10 * attempt, 60,
              "some documents")
    finally:
        stop(first)  # kill -9 in the middle of the batch
    done_at_kill = _progress(client, headers, state["id"])["done"]
    assert done_at_kill < total, "the worker finished before it was killed; make the batch larger"
    second = start_worker(database_url, redis_url, queue, tmp_path, "w2")
    try:
        _wait(lambda: _done_in_db(database_url, state["id"]) == total, 60,
              f"the resumed batch ({done_at_kill} of {total} done at the kill)")
    finally:
        stop(second)
    assert _produced_counts(database_url, state["id"]) == {1: total}  # each exactly once
    _check_zip(client, headers, state["id"], total)


def test_a_batch_whose_tasks_the_broker_lost_is_finished_by_a_worker(client, world,
                                                                     database_url, redis_url,
                                                                     queue, tmp_path):
    """Every queued task lost (the broker's queue emptied), no service sweeping: a worker
    finds the batch that stopped moving and finishes it, each document once."""
    import redis
    headers = world.auth("staff_a")
    state = client.post("/api/v1/batches", json=_plan(10), headers=headers).json
    assert redis.Redis.from_url(redis_url).delete(queue) == 1  # the tasks are gone
    worker = start_worker(database_url, redis_url, queue, tmp_path, "w1")
    try:
        _wait(lambda: _done_in_db(database_url, state["id"]) == state["total"], 60,
              "the lost batch")
    finally:
        stop(worker)
    assert _produced_counts(database_url, state["id"]) == {1: state["total"]}
