"""Fixtures for the service: an app on SQLite and on a real PostgreSQL, and a small world
of two institutions, their staff, a caseworker, an administrator and stored case data."""
from __future__ import annotations
import formtools

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pg_databases
import pytest
from sqlalchemy import create_engine

from formservice.app import create_app
from formservice.storage import db as storage

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
PASSWORD = "en-lang-adgangskode-til-test"


def _backends():
    if os.environ.get("TEST_DATABASE_URL"):
        return ["sqlite", "postgresql"]
    if os.environ.get("CI"):
        raise RuntimeError("CI must set TEST_DATABASE_URL (scripts/start-test-services.sh)")
    return ["sqlite"]


@pytest.fixture(scope="session")
def pg_template():
    """A migrated PostgreSQL database that each test's database is copied from."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield None
        return
    admin = pg_databases.admin_engine(url)
    name = f"fs_template_{os.getpid()}"
    pg_databases.create(admin, name)
    engine = create_engine(pg_databases.url_of(url, name))
    storage.migrate(engine)
    engine.dispose()
    yield name
    pg_databases.drop(admin, name)
    admin.dispose()


@pytest.fixture(params=_backends())
def database_url(request, tmp_path, pg_template):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'formservice.sqlite3'}"
        return
    url = os.environ["TEST_DATABASE_URL"]
    admin = pg_databases.admin_engine(url)
    name = f"fs_test_{uuid.uuid4().hex[:12]}"
    pg_databases.create(admin, name, pg_template)
    yield pg_databases.url_of(url, name)
    pg_databases.drop(admin, name)
    admin.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url,
                      "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "test-secret",
                      "SESSION_COOKIE_SECURE": False, "MUNICIPALITY": "Testkommune"})
    yield app
    app.extensions["formservice"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class World:
    """Two institutions A and B with a case each, and one user of every kind."""
    tokens: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    institutions: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)
    stored: dict = field(default_factory=dict)  # per case: meeting, consent, network_map, document ids

    def auth(self, who: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who in self.tokens else {}


def make_world(app) -> World:
    from formservice.services import accounts
    from formservice.storage.models import Case
    world = World()
    with app.test_request_context():
        session = formtools.session()
        spec = {
            "staff_a": ("staff", ["Børnehuset A"]),
            "staff_b": ("staff", ["Skolen B"]),
            "staff_ab": ("staff", ["Børnehuset A", "Skolen B"]),
            "caseworker_a": ("caseworker", []),
            "caseworker_none": ("caseworker", []),
            "admin": ("admin", []),
        }
        for username, (role, institutions) in spec.items():
            user = accounts.create_user(session, username, username.replace("_", " ").title(),
                                        role, PASSWORD, institutions)
            world.users[username] = user.id
            world.tokens[username] = accounts.create_token(session, user, "test")
            for inst in user.institutions:
                world.institutions[inst.name[-1]] = inst.id
        for key, child in (("A", "Alma Nørgaard Sørensen"), ("B", "Bo Bæk")):
            case = Case(institution_id=world.institutions[key], child_name=child,
                        caseworker_id=world.users["caseworker_a"] if key == "A" else None)
            session.add(case)
            session.flush()
            world.cases[key] = case.id
        session.commit()
    return world


@pytest.fixture
def world(app):
    return make_world(app)
