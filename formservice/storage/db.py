"""The database: the engine, the session factory and the migrations (no Flask here: the
entry points get sessions through a unit of work, services/unit_of_work.py).

SQLite (the embedded default) gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE,
so parallel requests wait their turn instead of failing with "database is locked".

On PostgreSQL the schema may belong to another role than the service's (DATABASE_OWNER_URL,
docs/OPERATIONS.md): `migrate(owner_engine, service_role=...)` then grants the service's
role what it needs and no more — the audit log only INSERT and SELECT; only the owner may
ALTER a table, disable its triggers, or (in `audit_deletion`, for retention) delete from
the audit log.
"""
from __future__ import annotations

import contextlib
import re
from pathlib import Path

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               isolation_level=None, pool_size=10, max_overflow=20)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def migrate(engine: Engine, *, service_role: str | None = None) -> None:
    """Bring the schema to the newest migration (creates it on first start). With
    `service_role` (PostgreSQL, the engine the owner's), grant that role its rights, in the
    same transaction."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        if service_role and connection.dialect.name == "postgresql":
            grant_service_role(connection, service_role)


def role_of(url: str) -> str | None:
    """The user name of a database URL (PostgreSQL: the role it logs in as)."""
    return make_url(url).username


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # noqa: BLE001 - no table yet: nothing migrated
            return None


# What the service's role may do: read and change case data, but the audit log only
# append to and read; nothing of the schema itself (ALTER, DROP, triggers belong to the
# owner), no TRUNCATE, no REFERENCES or TRIGGER on any table.
APPEND_ONLY = ("audit_events",)
READ_ONLY = ("alembic_version",)


def grant_service_role(connection: Connection, role: str) -> None:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]{0,62}", role):
        raise ValueError(f"unusable role name {role!r}")
    owner = connection.execute(text("SELECT current_user")).scalar()
    if role == owner:
        return
    schema = connection.execute(text("SELECT current_schema()")).scalar()
    quoted = f'"{role}"'
    tables = connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = :schema AND tableowner = current_user"),
        {"schema": schema}).scalars().all()
    connection.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {quoted}'))
    connection.execute(text(f'REVOKE CREATE ON SCHEMA "{schema}" FROM {quoted}'))
    for table in tables:
        connection.execute(text(f'REVOKE ALL ON TABLE "{table}" FROM {quoted}'))
        rights = ("SELECT, INSERT" if table in APPEND_ONLY else
                  "SELECT" if table in READ_ONLY else "SELECT, INSERT, UPDATE, DELETE")
        connection.execute(text(f'GRANT {rights} ON TABLE "{table}" TO {quoted}'))
    connection.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {quoted}'))


@contextlib.contextmanager
def audit_deletion(connection: Connection):
    """Within the caller's transaction, let the audit log's rows be deleted (retention) and
    make it append-only again before the transaction ends. PostgreSQL: only the table's
    owner may (ALTER TABLE ... DISABLE TRIGGER); the lock it takes holds other writers
    of the log until the commit."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        yield
        connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change"))
        return
    connection.execute(text("DROP TRIGGER audit_events_no_delete"))
    yield
    connection.execute(text(
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"))


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def protect_sqlite_file(url: str) -> None:
    """An SQLite database holds every document: readable by the service's user only."""
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return
    path = Path(url[len("sqlite:///"):])
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate.exists():
            candidate.chmod(0o600)
