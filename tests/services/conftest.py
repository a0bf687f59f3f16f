"""Fixtures for the use cases, run without Flask: the services assembled by bootstrap on
SQLite and on a real PostgreSQL, a world of users and cases, and actors."""
from __future__ import annotations

import pytest
from service.conftest import PASSWORD, database_url, pg_template  # noqa: F401 (fixtures)

from formservice import bootstrap
from formservice.config import Profile
from formservice.services import accounts
from formservice.services.unit_of_work import SYSTEM, Actor
from formservice.storage.models import Case, User

__all__ = ["PASSWORD"]


@pytest.fixture
def built(database_url, tmp_path):
    services = bootstrap.build({"ENV": "testing", "DATABASE_URL": database_url,
                                "INSTANCE_PATH": str(tmp_path / "instance"),
                                "SECRET_KEY": "test", "MUNICIPALITY": "Testkommune"},
                               runner=False)
    yield services
    services.dispose()


@pytest.fixture
def profile():
    return Profile(name="Testkommune")


@pytest.fixture
def people(built):
    """Two institutions' staff and cases: {"staff_a": Actor, ..., "case_a": id, "case_b": id}."""
    made = {}
    uow = built.uow()
    for username, institutions in (("staff_a", ["Børnehuset A"]), ("staff_b", ["Skolen B"])):
        accounts.new_user(uow, SYSTEM, username, username.title(), "staff", PASSWORD, institutions)
    with uow:
        for key, child in (("a", "Alma Nørgaard Sørensen"), ("b", "Bo Bæk")):
            user = uow.session.query(User).filter_by(username=f"staff_{key}").one()
            case = Case(institution_id=user.institutions[0].id, child_name=child)
            uow.session.add(case)
            uow.session.flush()
            made[f"case_{key}"] = case.id
        uow.commit()
    return made


def actor_of(built, username: str) -> Actor:
    """A fresh actor (its user loaded in a session of its own, as a request would)."""
    with built.sessions() as session:
        user = session.query(User).filter_by(username=username).one()
        user.institutions  # loaded before the session closes
        session.expunge(user)
    return Actor(user, "10.0.0.1", "TEST", "/test")
