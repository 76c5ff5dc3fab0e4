"""The API through HTTP: an app on a fresh, migrated database, and accounts of every role.

Tests use SQLite unless they ask for ``any_clinic`` (then they run on SQLite and on the real
PostgreSQL server at 127.0.0.1:5432, skipping with the reason when none answers). The clinic is
built once per test session and copied for each test (a file copy, or a PostgreSQL template).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from spinecoach.api import create_app
from spinecoach.services import accounts, patients
from spinecoach.services.actors import SYSTEM, Role
from spinecoach.settings import ServiceSettings
from spinecoach.store.engine import make_engine
from spinecoach.store.migrate import upgrade
from spinecoach.store.unit_of_work import UnitOfWork

PG_SERVER = os.environ.get("SPINECOACH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[sa.Engine]:
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"no PostgreSQL server at {PG_SERVER}: {str(exc.orig).splitlines()[0]}")
    yield admin
    admin.dispose()


def fresh_pg_database(admin: sa.Engine) -> str:
    name = f"spinecoach_api_{uuid.uuid4().hex[:12]}"
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return name


def drop_pg_database(admin: sa.Engine, name: str) -> None:
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'clinic.db'}"


@pytest.fixture
def settings_factory(tmp_path: Path) -> Any:
    def make(url: str, **fields: Any) -> ServiceSettings:
        fields.setdefault("totp_required_for", frozenset())
        return ServiceSettings(data_dir=tmp_path / "data", database_url=url, workers=1, **fields)

    return make


@dataclass
class Clinic:
    """A running API and the people in it."""

    app: FastAPI
    engine: sa.Engine
    settings: ServiceSettings
    ids: dict[str, str]
    """user ids by username, patient ids by ``patient:<name>``."""

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def client(self, username: str | None = None, **login: Any) -> TestClient:
        """A client logged in as ``username`` (by cookie), CSRF header set; None: anonymous."""
        client = TestClient(self.app, base_url="http://testserver")
        if username is not None:
            body = {"username": username, "password": PASSWORD, **login}
            response = client.post("/api/auth/login", json=body)
            assert response.status_code == 200, response.text
            client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        return client


def populate(engine: sa.Engine) -> dict[str, str]:
    """An admin, two clinicians, and two patients with accounts: dr_a has ann, dr_b has bob."""
    upgrade(engine)
    ids: dict[str, str] = {}

    def user(name: str, roles: set[Role], patient_id: str | None = None) -> None:
        account = accounts.create_user(
            UnitOfWork(engine),
            SYSTEM,
            username=name,
            password=PASSWORD,
            roles=roles,
            display_name=name.title(),
            patient_id=patient_id,
        )
        ids[name] = account.id

    user("admin", {Role.ADMIN})
    user("dr_a", {Role.CLINICIAN})
    user("dr_b", {Role.CLINICIAN})
    for name, clinician in (("ann", "dr_a"), ("bob", "dr_b")):
        patient = patients.register_patient(
            UnitOfWork(engine), SYSTEM, {"display_name": name.title(), "birth_year": 1980}
        )
        ids[f"patient:{name}"] = patient.id
        accounts.assign_clinician(
            UnitOfWork(engine), SYSTEM, clinician_id=ids[clinician], patient_id=patient.id
        )
        user(name, {Role.PATIENT}, patient.id)
    return ids


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The populated clinic built once as a SQLite file; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "clinic.db"
    engine = make_engine(f"sqlite:///{path}")
    ids = populate(engine)
    engine.dispose()  # the last connection to close folds the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path, ids


@pytest.fixture(scope="session")
def pg_template(pg_server: sa.Engine) -> Iterator[tuple[str, dict[str, str]]]:
    """The populated clinic built once as a PostgreSQL template database."""
    name = fresh_pg_database(pg_server)
    engine = make_engine(f"{PG_SERVER}/{name}")
    ids = populate(engine)
    engine.dispose()
    yield name, ids
    drop_pg_database(pg_server, name)


def build_clinic(settings: ServiceSettings, ids: dict[str, str] | None = None) -> Clinic:
    """The API on ``settings``' database; populated here unless ``ids`` says it was copied."""
    engine = make_engine(settings.url)
    if ids is None:
        ids = populate(engine)
    app = create_app(settings, engine=engine)
    return Clinic(app=app, engine=engine, settings=settings, ids=ids)


@pytest.fixture
def clinic_factory(
    request: pytest.FixtureRequest, tmp_path: Path, settings_factory: Any
) -> Iterator[Any]:
    """``make(kind="sqlite", **settings)`` -> a fresh copy of the populated clinic."""
    made: list[tuple[Clinic, str | None]] = []

    def make(kind: str = "sqlite", **fields: Any) -> Clinic:
        if kind == "sqlite":
            template, ids = request.getfixturevalue("sqlite_template")
            target = tmp_path / f"clinic-{len(made)}.db"
            shutil.copyfile(template, target)
            built = build_clinic(settings_factory(f"sqlite:///{target}", **fields), dict(ids))
            made.append((built, None))
            return built
        admin: sa.Engine = request.getfixturevalue("pg_server")
        template_name, ids = request.getfixturevalue("pg_template")
        name = f"spinecoach_api_{uuid.uuid4().hex[:12]}"
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
        built = build_clinic(settings_factory(f"{PG_SERVER}/{name}", **fields), dict(ids))
        made.append((built, name))
        return built

    yield make
    for built, pg_name in made:
        built.engine.dispose()
        if pg_name is not None:
            drop_pg_database(request.getfixturevalue("pg_server"), pg_name)


@pytest.fixture
def clinic(clinic_factory: Any) -> Clinic:
    """The clinic on SQLite (the quick default)."""
    built: Clinic = clinic_factory("sqlite")
    return built


@pytest.fixture(params=["sqlite", "postgresql"])
def any_clinic(request: pytest.FixtureRequest, clinic_factory: Any) -> Clinic:
    """The clinic on SQLite and on PostgreSQL."""
    built: Clinic = clinic_factory(request.param)
    return built
