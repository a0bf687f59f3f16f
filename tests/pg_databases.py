"""Per-test PostgreSQL databases: made from a migrated template, dropped afterwards."""
from __future__ import annotations

import time

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError


def admin_engine(url: str):
    return create_engine(url, isolation_level="AUTOCOMMIT")


def url_of(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def create(admin, name: str, template: str | None = None) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'
                                + (f' TEMPLATE "{template}"' if template else "")))


def drop(admin, name: str, attempts: int = 20) -> None:
    """DROP DATABASE ... WITH (FORCE), retried: a non-superuser may not end an autovacuum
    worker that happens to be busy in the database, which is over in a moment."""
    for attempt in range(attempts):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)
