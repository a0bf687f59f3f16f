"""Fixtures for the pages: the service's app on SQLite (and PostgreSQL when
TEST_DATABASE_URL is set), its small world of two institutions, and a logged-in client.

The migrated database with its world is made once per session and backend, and copied for
each test (a file on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL): making the world
hashes six passwords."""
from __future__ import annotations

import copy
import os
import re
import shutil
import uuid

import pg_databases
import pytest
from service.conftest import PASSWORD, make_world

from formservice.app import create_app

__all__ = ["PASSWORD", "csrf_token", "log_in"]


def _backends():
    if os.environ.get("TEST_DATABASE_URL"):
        return ["sqlite", "postgresql"]
    return ["sqlite"]


def _seed(url: str, instance) -> object:
    """Migrate the database at `url`, make the world in it; the world (its ids)."""
    app = create_app({"ENV": "testing", "DATABASE_URL": url, "INSTANCE_PATH": str(instance),
                      "SECRET_KEY": "test-secret"})
    world = make_world(app)
    app.extensions["formservice"].engine.dispose()  # SQLite: the WAL is checkpointed
    return world


@pytest.fixture(scope="session")
def web_pg_template(tmp_path_factory):
    """A PostgreSQL database with the schema and the world, copied for each test."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield None
        return
    admin = pg_databases.admin_engine(url)
    name = f"fs_web_template_{os.getpid()}"
    pg_databases.create(admin, name)
    world = _seed(pg_databases.url_of(url, name), tmp_path_factory.mktemp("web-pg"))
    yield name, world
    pg_databases.drop(admin, name)
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite database with the schema and the world, copied for each test."""
    folder = tmp_path_factory.mktemp("web-sqlite")
    path = folder / "formservice.sqlite3"
    return path, _seed(f"sqlite:///{path}", folder / "instance")


@pytest.fixture(params=_backends())
def seeded(request, tmp_path):
    """(database URL, world): a fresh copy of the seeded database of this backend."""
    if request.param == "sqlite":
        path, world = request.getfixturevalue("sqlite_template")
        copy_path = tmp_path / "formservice.sqlite3"
        shutil.copyfile(path, copy_path)
        yield f"sqlite:///{copy_path}", world
        return
    template, world = request.getfixturevalue("web_pg_template")
    url = os.environ["TEST_DATABASE_URL"]
    admin = pg_databases.admin_engine(url)
    name = f"fs_web_{uuid.uuid4().hex[:12]}"
    pg_databases.create(admin, name, template)
    yield pg_databases.url_of(url, name), world
    pg_databases.drop(admin, name)
    admin.dispose()


@pytest.fixture
def database_url(seeded):
    return seeded[0]


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    return {"ENV": "testing", "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "test-secret",
            "SESSION_COOKIE_SECURE": False, "MUNICIPALITY": "Testkommune"}


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    yield app
    app.extensions["formservice"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app, seeded):
    """Two institutions A and B with a case each, and a user of every kind (already in
    the database: see `seeded`)."""
    return copy.deepcopy(seeded[1])


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def log_in(client, username: str, password: str = PASSWORD):
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def staff_a(client, world):
    """The client, logged in as staff of institution A."""
    log_in(client, "staff_a")
    return client
