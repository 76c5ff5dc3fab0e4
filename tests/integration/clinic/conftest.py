"""The store and service suite runs on SQLite and on the real PostgreSQL server.

PostgreSQL: a fresh database per test session (per xdist worker) on 127.0.0.1:5432, dropped at
the end; the tests skip with the reason when no server answers. Each test starts from empty
tables (migrated once per session, truncated between tests).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from spinecoach.services.actors import Actor, Role
from spinecoach.settings import ServiceSettings
from spinecoach.store.engine import make_engine
from spinecoach.store.migrate import upgrade
from spinecoach.store.tables import metadata
from spinecoach.store.unit_of_work import UnitOfWork

PG_SERVER = os.environ.get("SPINECOACH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def _pg_admin() -> sa.Engine:
    return sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    admin = _pg_admin()
    name = f"spinecoach_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"no PostgreSQL server at {PG_SERVER}: {str(exc.orig).splitlines()[0]}")
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'clinic.db'}"


_MIGRATED: dict[str, sa.Engine] = {}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test runs once per database."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    """A migrated engine with empty tables."""
    engine = _MIGRATED.get(database_url)
    if engine is None:
        engine = make_engine(database_url)
        upgrade(engine)
        _MIGRATED[database_url] = engine
    _empty(engine)
    return engine


def _empty(engine: sa.Engine) -> None:
    names = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as c:  # DELETE beats TRUNCATE on tables this small
        for n in names:
            c.exec_driver_sql(f'DELETE FROM "{n}"')


@pytest.fixture
def uow(engine: sa.Engine) -> UnitOfWork:
    return UnitOfWork(engine)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> ServiceSettings:
    return ServiceSettings(data_dir=tmp_path / "data", database_url=database_url, workers=1)


@pytest.fixture
def clinician() -> Actor:
    return Actor("c1" + "0" * 30, "dr_a", frozenset({Role.CLINICIAN}), remote_addr="127.0.0.1")


@pytest.fixture
def other_clinician() -> Actor:
    return Actor("c2" + "0" * 30, "dr_b", frozenset({Role.CLINICIAN}))


@pytest.fixture
def admin() -> Actor:
    return Actor("a1" + "0" * 30, "admin", frozenset({Role.ADMIN}))


def simulated_file(
    folder: Path, name: str, scenario: str, seed: int, seconds: float | None = None
) -> bytes:
    """The bytes of a simulated recording written as ``name`` (its suffix picks the format)."""
    from spinecoach.sensors.files import write_recording
    from spinecoach.simulate.recording import simulate_recording

    path = folder / name
    write_recording(simulate_recording(scenario, seed=seed, seconds=seconds).recording, path)
    return path.read_bytes()


@pytest.fixture(scope="session")
def bird_dog_csv(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A wobbly bird dog set (CSV), uploaded by the recording and archive tests."""
    return simulated_file(tmp_path_factory.mktemp("rec"), "bird-dog.csv", "bird-dog-wobbly", 3)
