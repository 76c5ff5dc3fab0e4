"""An upgrade from the first schema keeps the clinic's data, on both databases.

0004 adds a column to ``recordings`` (on SQLite a batch copy of the table): the rows, their
JSON and their foreign keys must come through it.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from spinecoach.store import tables as t
from spinecoach.store.engine import make_engine
from spinecoach.store.migrate import current_revision, head_revision, upgrade

PG_SERVER = os.environ.get("SPINECOACH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A database with no schema at all (a clinic that ran the first release)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    request.getfixturevalue("pg_url")  # skips with a reason when PostgreSQL is not running
    name = f"spinecoach_upgrade_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"{PG_SERVER}/{name}")
    yield engine
    engine.dispose()
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_upgrading_from_the_first_schema_keeps_every_row(empty_engine: sa.Engine) -> None:
    upgrade(empty_engine, "0001")
    assert current_revision(empty_engine) == "0001"
    metrics = {"duration_s": 61.5, "reps": 8, "time_in_zones_s": {"neutral": 40.0}}
    with empty_engine.begin() as c:  # only the columns 0001 has
        c.execute(
            t.patients.insert().values(
                id="p1", display_name="Ann Old", birth_year=1970, created_at=NOW, created_by="c1"
            )
        )
        c.execute(
            t.recordings.insert().values(
                id="r1",
                patient_id="p1",
                kind="exercise",
                file_format="csv",
                filename="set.csv",
                sha256="a" * 64,
                size_bytes=1234,
                recorded_on=NOW.date(),
                status="processed",
                metrics=metrics,
                uploaded_at=NOW,
                uploaded_by="c1",
            )
        )
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    with empty_engine.connect() as c:
        patient = c.execute(sa.select(t.patients)).one()
        recording = c.execute(sa.select(t.recordings)).one()
        present = set(sa.inspect(c).get_table_names())
        for new_table in (t.paired_devices, t.legal_holds, t.notes):
            assert c.execute(sa.select(sa.func.count()).select_from(new_table)).scalar_one() == 0
    assert (patient.id, patient.display_name, patient.birth_year) == ("p1", "Ann Old", 1970)
    assert (recording.id, recording.patient_id, recording.filename) == ("r1", "p1", "set.csv")
    assert recording.metrics == metrics
    assert recording.detail is None  # processed before 0004: no charts until reprocessed
    assert set(t.metadata.tables) <= present
