"""Batch throughput and memory: in-process, and on 1 and 2 Celery workers, in one run.

    python bench/batch_bench.py [--documents 1000] [--big 10000] [--skip-celery]

Each measurement runs in its own process so its peak memory (max RSS) is its own. The
plan mixes the four forms in Word and PDF (a consent as PDF, a network map as Word, a
first meeting as Word and a follow-up as PDF per child). The Celery runs need a Redis
server (BENCH_REDIS_URL, default redis://127.0.0.1:6379/14) and use PostgreSQL when
BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set, else an SQLite file.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

FORMS = [{"form": "consent", "format": "pdf"}, {"form": "network_map", "format": "docx"},
         {"form": "first_meeting", "format": "docx"}, {"form": "follow_up_meeting", "format": "pdf"}]


def plan(documents: int) -> dict:
    children = max(1, documents // len(FORMS))
    return {"entries": [{"child": {"name": f"Barn {n} Ærø Şen", "birth_date": "2021-01-01",
                                   "institution": "Børnehuset Kløverengen", "group": "Solstuen"},
                         "forms": FORMS, "meetings": ["2030-01-10", "2030-03-10"]}
                        for n in range(children)]}


def run_child(args: list[str], env=None) -> tuple[dict, float]:
    """Run this script as a child; returns what it printed (JSON) and its peak RSS in MB."""
    process = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE,
                               env=env or os.environ.copy())
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"bench child {args} failed")
    return json.loads(out), usage.ru_maxrss / 1024


def inner_inprocess(documents: int):
    from formservice.config import Profile
    from formservice.services.batches import run_plan
    content = json.dumps(plan(documents)).encode()
    import io
    run_plan(Profile(name="Holbæk Kommune"), json.dumps(plan(WARM_UP)).encode(), "plan.json",
             io.BytesIO())  # templates loaded before the clock, as in the service runs
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        with open(Path(work) / "out.zip", "wb") as out:
            summary = run_plan(Profile(name="Holbæk Kommune"), content, "plan.json", out)
        elapsed = time.perf_counter() - start
        size = (Path(work) / "out.zip").stat().st_size
    print(json.dumps({"documents": summary.documents, "seconds": elapsed, "zip_mb": size / 1e6}))


def _service_batch(services, documents: int, runner_name: str) -> tuple[int, int]:
    """A user and a batch of `documents` stored through the service layer."""
    from formservice.services import accounts, batches
    from formservice.services.unit_of_work import SYSTEM, Actor
    name = f"bench-{uuid.uuid4().hex[:8]}"
    user = accounts.new_user(services.uow(), SYSTEM, name, "Bench", "staff",
                             "Bænk-måler-hastighed-42", ["Bench"])
    batch = batches.create_batch(services.uow(), Actor(user), plan(documents)["entries"],
                                 runner=runner_name)
    return batch.id, batch.total


WARM_UP = 8  # documents (two of each form) a producer makes before the clock starts


def _warm(services, producers: int, runner_name: str) -> None:
    """Every producer loads its templates (a few documents each) before the clock starts,
    so the runs compare steady throughput, not start-up."""
    from formservice.services.batches import pending_items
    batch_id, total = _service_batch(services, WARM_UP * producers, runner_name)
    ids = pending_items(services.uow(), batch_id)
    for start in range(0, len(ids), 2):  # small tasks, so every producer gets some
        services.runner.submit(ids[start:start + 2])
    _wait_done(services, batch_id, total, time.perf_counter())


def _wait_done(services, batch_id: int, total: int, start: float) -> float:
    from sqlalchemy import func, select

    from formservice.storage.models import BatchItem
    while True:
        with services.sessions() as session:
            done = session.scalar(select(func.count()).select_from(BatchItem).where(
                BatchItem.batch_id == batch_id, BatchItem.status != "pending"))
        if done >= total:
            return time.perf_counter() - start
        if time.perf_counter() - start > 900:
            raise SystemExit("bench timed out")
        time.sleep(0.05)


def inner_pool(documents: int, processes: int, database_url: str):
    """The service without a broker, producing with a pool of processes."""
    from formservice import bootstrap
    from formservice.services.batches import pending_items
    instance = tempfile.mkdtemp()
    services = bootstrap.build({"ENV": "testing", "DATABASE_URL": database_url,
                                "SECRET_KEY": "bench", "INSTANCE_PATH": instance,
                                "MUNICIPALITY": "Holbæk Kommune",
                                "BATCH_PROCESSES": processes})
    services.runner.warm_up()  # the pool's processes start before the clock
    _warm(services, processes, "inprocess")
    batch_id, total = _service_batch(services, documents, "inprocess")
    start = time.perf_counter()
    services.runner.submit(pending_items(services.uow(), batch_id))
    elapsed = _wait_done(services, batch_id, total, start)
    services.dispose()
    print(json.dumps({"documents": total, "seconds": elapsed}))


def inner_celery(documents: int, workers: int, database_url: str, redis_url: str):
    import redis

    from formservice import bootstrap
    from formservice.services.batches import pending_items

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    instance = tempfile.mkdtemp()
    services = bootstrap.build({"ENV": "testing", "DATABASE_URL": database_url,
                                "SECRET_KEY": "bench", "INSTANCE_PATH": instance,
                                "MUNICIPALITY": "Holbæk Kommune",
                                "CELERY_BROKER_URL": redis_url, "CELERY_QUEUE": queue})
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": redis_url,
           "CELERY_QUEUE": queue, "FORMSERVICE_INSTANCE": instance, "SECRET_KEY": "bench",
           "FORMSERVICE_ENV": "testing", "FORMSERVICE_MUNICIPALITY": "Holbæk Kommune",
           "CELERY_PREFETCH": "2"}
    procs = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "formservice.tasks", "worker",
                               "--pool=solo", "--loglevel=ERROR", "-n", f"b{n}-{queue}@%h",
                               "--without-gossip", "--without-mingle", "--without-heartbeat"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for n in range(workers)]
    try:
        time.sleep(6)  # the workers import formservice and connect before the clock starts
        _warm(services, workers, "celery")
        batch_id, total = _service_batch(services, documents, "celery")
        start = time.perf_counter()
        services.runner.submit(pending_items(services.uow(), batch_id))
        elapsed = _wait_done(services, batch_id, total, start)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
        redis.Redis.from_url(redis_url).delete(queue)
        services.dispose()
    print(json.dumps({"documents": total, "seconds": elapsed}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--big", type=int, default=10000)
    parser.add_argument("--skip-celery", action="store_true")
    parser.add_argument("--inner", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        kind = args.inner[0]
        if kind == "inprocess":
            inner_inprocess(int(args.inner[1]))
        elif kind == "pool":
            inner_pool(int(args.inner[1]), int(args.inner[2]), args.inner[3])
        else:
            inner_celery(int(args.inner[1]), int(args.inner[2]), args.inner[3], args.inner[4])
        return
    rows = []
    result, rss = run_child(["--inner", "inprocess", str(args.documents)])
    inprocess = result["documents"] / result["seconds"]
    rows.append(("in-process", result["documents"], result["seconds"], inprocess, rss))
    if args.big:
        result, rss = run_child(["--inner", "inprocess", str(args.big)])
        rows.append(("in-process (big)", result["documents"], result["seconds"],
                     result["documents"] / result["seconds"], rss))
    if not args.skip_celery:
        redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
        database_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
        if database_url:  # a fresh PostgreSQL database for the run
            from sqlalchemy import create_engine, text
            name = f"fs_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            target = database_url.rsplit("/", 1)[0] + "/" + name
        else:
            target = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
        try:
            result, rss = run_child(["--inner", "pool", str(args.documents), "2", target])
            rows.append(("service, 2 processes", result["documents"], result["seconds"],
                         result["documents"] / result["seconds"], rss))
            for workers in (1, 2):
                result, rss = run_child(["--inner", "celery", str(args.documents), str(workers),
                                         target, redis_url])
                rows.append((f"celery, {workers} worker{'s' if workers > 1 else ''}",
                             result["documents"], result["seconds"],
                             result["documents"] / result["seconds"], rss))
        finally:
            if database_url:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"{'run':22s} {'docs':>6s} {'seconds':>8s} {'docs/s':>8s} {'x in-proc':>9s} {'peak MB':>8s}")
    for name, documents, seconds, rate, rss in rows:
        print(f"{name:22s} {documents:6d} {seconds:8.2f} {rate:8.1f} {rate / inprocess:9.2f} {rss:8.1f}")
    celery = {name: rate for name, _, _, rate, _ in rows if name.startswith("celery")}
    if len(celery) == 2:
        one, two = celery["celery, 1 worker"], celery["celery, 2 workers"]
        print(f"2 workers / 1 worker: {two / one:.2f}x")
    print(f"(max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB)")


if __name__ == "__main__":
    main()
