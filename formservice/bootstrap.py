"""Assembles the dependencies once: settings and the municipality's profile, the form
options, the database engine and sessions, and the batch runner. The Flask app, the
command line and the queue workers all start here; services never import entry points.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from .config import Profile, load_config
from .forms import options
from .services.runners import CeleryRunner, InProcessRunner
from .services.unit_of_work import UnitOfWork
from .storage import db


@dataclass
class Services:
    config: dict
    profile: Profile
    engine: Engine
    sessions: sessionmaker
    runner: object | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    @property
    def runner_name(self) -> str:
        return self.runner.name

    def dispose(self) -> None:
        self.engine.dispose()


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
    engine = db.make_engine(settings["DATABASE_URL"])
    if migrate if migrate is not None else settings.get("AUTO_MIGRATE", True):
        db.migrate(engine)
    db.protect_sqlite_file(settings["DATABASE_URL"])
    services = Services(settings, profile, engine, db.session_factory(engine))
    if runner:
        services.runner = (CeleryRunner(settings["CELERY_BROKER_URL"], settings["CELERY_QUEUE"])
                           if settings.get("CELERY_BROKER_URL")
                           else InProcessRunner(services.sessions, profile,
                                                settings.get("BATCH_THREADS", 2)))
    return services
