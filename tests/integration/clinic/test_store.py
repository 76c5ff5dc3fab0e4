"""The store on both databases: migrations, pragmas, one transaction per unit of work."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from spinecoach.store.migrate import current_revision, head_revision
from spinecoach.store.records import PatientRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.tables import metadata
from spinecoach.store.unit_of_work import UnitOfWork

NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _patient(name: str = "Ann") -> PatientRecord:
    return PatientRecord(new_id(), name, 1970, "active", NOW, "c1")


def test_migrated_to_head_with_every_table(engine: sa.Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as c:
        present = set(sa.inspect(c).get_table_names())
    assert set(metadata.tables) <= present


def test_sqlite_runs_in_wal_with_foreign_keys(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_block_left_without_commit_writes_nothing(uow: UnitOfWork) -> None:
    record = _patient()

    def fail_half_way() -> None:
        with uow:
            uow.patients.add(record)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_half_way()
    with uow:
        assert uow.patients.get(record.id) is None
        uow.patients.add(record)
        uow.commit()
    with uow:
        got = uow.patients.get(record.id)
    assert got is not None
    assert got.created_at == NOW
    assert got.created_at.tzinfo is not None


def test_foreign_keys_are_enforced(uow: UnitOfWork) -> None:
    with pytest.raises(sa.exc.IntegrityError), uow:
        uow.patients.assign("no-such-patient", "c1", "admin", NOW)


def test_clinician_view_lists_only_assigned_patients(uow: UnitOfWork) -> None:
    mine, theirs = _patient("Ann"), _patient("Bob")
    with uow:
        uow.patients.add(mine)
        uow.patients.add(theirs)
        uow.patients.assign(mine.id, "c1", "admin", NOW)
        uow.patients.assign(theirs.id, "c2", "admin", NOW)
        uow.commit()
    with uow:
        assert [p.id for p in uow.patients.find(clinician_id="c1")] == [mine.id]
        assert [p.id for p in uow.patients.find()] == [mine.id, theirs.id]
        assert uow.patients.assign(mine.id, "c1", "admin", NOW) is False


def test_migrations_match_the_tables(engine: sa.Engine) -> None:
    """A table changed without a migration shows up here (on both databases)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as c:
        context = MigrationContext.configure(c, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
