"""Assembles the dependencies once: settings and the municipality's profile, the form
options, the database engine and sessions, and the batch runner. The Flask app, the
command line and the queue workers all start here; services never import entry points.

The service connects as DATABASE_URL. With DATABASE_OWNER_URL set, the migrations (on
start, and `formservice db migrate`) run as that role, which owns the schema and grants
DATABASE_URL's role its rights; so does retention, which deletes from the audit log.
Without it, everything runs as DATABASE_URL.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from .config import Profile, load_config
from .documents import sandbox
from .forms import options
from .services.batches import produce_chunk, resume_stalled
from .services.runners import CeleryRunner, InProcessRunner, worker_name
from .services.unit_of_work import UnitOfWork
from .storage import db

log = logging.getLogger("formservice.batches")


@dataclass
class Services:
    config: dict
    profile: Profile
    engine: Engine
    sessions: sessionmaker
    runner: object | None = None
    sweeper: threading.Thread | None = None
    owner_engine: Engine | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    def owner_uow(self) -> UnitOfWork:
        """A unit of work as the schema's owner (DATABASE_OWNER_URL), else the service's."""
        if not self.config.get("DATABASE_OWNER_URL"):
            return self.uow()
        if self.owner_engine is None:
            self.owner_engine = db.make_engine(self.config["DATABASE_OWNER_URL"])
        return UnitOfWork(db.session_factory(self.owner_engine))

    @property
    def runner_name(self) -> str:
        return self.runner.name

    @property
    def lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.config.get("BATCH_LEASE_SECONDS", 30))

    def resume_stalled(self) -> list[int]:
        """Batches of this runner that stopped moving (their producer died) go on."""
        return self.resume_stalled_with(self.runner)

    def resume_stalled_with(self, runner) -> list[int]:
        return resume_stalled(self.sessions, runner, lease=self.lease)

    def start_sweeper(self, runner=None) -> None:
        """Look for stalled batches now and every BATCH_SWEEP_SECONDS while this runs, and
        give them to `runner` (this process's own by default)."""
        stop = self._stop = threading.Event()
        interval = self.config.get("BATCH_SWEEP_SECONDS", 10)

        def sweep():
            while True:
                try:
                    self.resume_stalled_with(runner or self.runner)
                except Exception:  # the service goes on; the next sweep tries again
                    log.exception("looking for stalled batches failed")
                if stop.wait(interval):
                    return
        self.sweeper = threading.Thread(target=sweep, name="batch-sweeper", daemon=True)
        self.sweeper.start()

    def dispose(self) -> None:
        if self.sweeper is not None:
            self._stop.set()
            self.sweeper.join(timeout=5)
        if self.runner is not None:
            self.runner.shutdown()
        self.engine.dispose()
        if self.owner_engine is not None:
            self.owner_engine.dispose()


def migrate_database(settings: dict, engine: Engine | None = None) -> None:
    """The schema to the newest migration: as the owner (DATABASE_OWNER_URL) when there is
    one, granting the service's role its rights; else as DATABASE_URL (`engine`, if given)."""
    owner_url = settings.get("DATABASE_OWNER_URL")
    if not owner_url and engine is not None:
        db.migrate(engine)
        return
    own = db.make_engine(owner_url or settings["DATABASE_URL"])
    try:
        db.migrate(own, service_role=db.role_of(settings["DATABASE_URL"]) if owner_url else None)
    finally:
        own.dispose()


def _bound_uploads(settings: dict) -> None:
    """The limits of the worker processes that read uploads (changed only when they differ:
    changing them replaces the running workers)."""
    wanted = {"workers": settings.get("PARSE_WORKERS", sandbox.WORKERS),
              "memory_limit": settings.get("PARSE_MEMORY_MB", 300) * 1024 * 1024,
              "cpu_seconds": settings.get("PARSE_CPU_SECONDS", sandbox.CPU_SECONDS)}
    wanted["wall_seconds"] = 2 * wanted["cpu_seconds"]
    wanted.update(scan_workers=settings.get("SCAN_WORKERS", sandbox.SCAN_WORKERS),
                  scan_memory_limit=settings.get("SCAN_MEMORY_MB", 640) * 1024 * 1024,
                  scan_cpu_seconds=settings.get("SCAN_CPU_SECONDS", sandbox.SCAN_CPU_SECONDS))
    wanted["scan_wall_seconds"] = 1.5 * wanted["scan_cpu_seconds"]
    current = {"workers": sandbox.WORKERS, "memory_limit": sandbox.MEMORY_LIMIT,
               "cpu_seconds": sandbox.CPU_SECONDS, "wall_seconds": sandbox.WALL_SECONDS,
               "scan_workers": sandbox.SCAN_WORKERS, "scan_memory_limit": sandbox.SCAN_MEMORY_LIMIT,
               "scan_cpu_seconds": sandbox.SCAN_CPU_SECONDS,
               "scan_wall_seconds": sandbox.SCAN_WALL_SECONDS}
    if wanted != current:
        sandbox.configure(**wanted)


def apply_profile(profile: Profile) -> None:
    """The form options of the municipality (meeting types, CPR) for this process."""
    options.configure(meeting_types=profile.meeting_types, cpr_enabled=profile.cpr_enabled)


def build(config: dict | None = None, *, migrate: bool | None = None,
          runner: bool = True) -> Services:
    """Everything a process needs. `config`: settings that win over the environment
    (upper-case keys, as load_config). Migrates the database unless AUTO_MIGRATE is off."""
    settings = config if config is not None and "PROFILE" in config else load_config(config)
    profile = settings["PROFILE"]
    apply_profile(profile)
    _bound_uploads(settings)
    engine = db.make_engine(settings["DATABASE_URL"])
    if migrate if migrate is not None else settings.get("AUTO_MIGRATE", True):
        migrate_database(settings, engine)
    db.protect_sqlite_file(settings["DATABASE_URL"])
    services = Services(settings, profile, engine, db.session_factory(engine))
    if runner:
        chunk = settings.get("BATCH_CHUNK", 50)
        if settings.get("CELERY_BROKER_URL"):
            services.runner = CeleryRunner(settings["CELERY_BROKER_URL"], settings["CELERY_QUEUE"],
                                           chunk=chunk)
        else:
            services.runner = InProcessRunner(
                services.sessions, profile, threads=settings.get("BATCH_THREADS", 2), chunk=chunk,
                lease=services.lease, processes=settings.get("BATCH_PROCESSES", 0),
                initializer=_pool_start, initargs=(settings,), task=_pool_produce)
    return services


# --- a process of the in-process pool (FORMSERVICE_BATCH_PROCESSES) --------------------------

_pool_services: Services | None = None


def _pool_start(settings: dict) -> None:
    global _pool_services
    _pool_services = build(settings, migrate=False, runner=False)


def _pool_produce(chunk: list[int]) -> int:
    return produce_chunk(_pool_services.sessions, chunk, _pool_services.profile,
                         worker=worker_name("pool"), lease=_pool_services.lease)
