"""Engine creation: SQLite with WAL and foreign keys on, or PostgreSQL through psycopg 3."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

__all__ = ["make_engine"]

SQLITE_BUSY_TIMEOUT_MS = 15_000
"""How long a writer waits for another writer's lock before giving up (SQLite)."""


def make_engine(url: str, *, echo: bool = False) -> sa.Engine:
    """An engine for ``url``; a SQLite file's folder is created, and WAL and FKs switched on.

    A plain ``postgresql://`` URL is read as psycopg 3 (``postgresql+psycopg://``).
    """
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo)
    return sa.create_engine(parsed, echo=echo, pool_pre_ping=True)


def _sqlite_engine(url: sa.URL, echo: bool) -> sa.Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (pysqlite's own transaction handling is off), so
        # every unit of work is one real transaction; BEGIN IMMEDIATE takes the write lock
        # up front and a writer waits instead of failing half-way.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # deleted rows are overwritten with zeros, so an erased patient does not linger in the
        # file's free pages (deletes are rare here; the cost is a little extra writing)
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
