"""The web app in a real browser: a uvicorn server on a fresh SQLite clinic, Debian's Chromium.

The clinic is built through the services (no demo shortcuts): two clinicians; a patient who
flared up (pain 3 -> 8) and whose next version awaits approval; a calm patient; a patient with a
session waiting for its check-in; a patient for the bad-form test. Each test worker builds its
own clinic and server once. The browser tests skip, saying why, only when no Chromium exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from tests.screenshots import SCREENSHOTS
from tests.serving import served

from spinecoach.services import accounts, intake, patients, programs, sessions
from spinecoach.services.actors import SYSTEM, Actor, Role
from spinecoach.settings import ServiceSettings
from spinecoach.simulate import random_intake
from spinecoach.store.engine import make_engine
from spinecoach.store.migrate import upgrade
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.web.app import create_web_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PASSWORD = "a long demo passphrase 42"
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class Clinic:
    url: str
    engine: Any
    ids: dict[str, str] = field(default_factory=dict)
    """patient ids by role in the story: flare, calm, checkin, form"""
    clinician_of: dict[str, Actor] = field(default_factory=dict)
    """each story patient's clinician (to check the record through the services)"""


def user(engine: Any, username: str, roles: list[Role], patient_id: str | None = None) -> Actor:
    """An account with the shared test password; its actor."""
    account = accounts.create_user(
        UnitOfWork(engine),
        SYSTEM,
        username=username,
        password=PASSWORD,
        roles=roles,
        display_name=username,
        patient_id=patient_id,
    )
    return account.actor()


def patient_on_program(
    engine: Any, clinician: Actor, name: str, seed: int, now: dt.datetime | None = None
) -> tuple[str, Any]:
    """A patient registered by ``clinician`` with a random intake (no red flag) and its first
    program approved (at ``now``); the patient's id and the program."""
    record = patients.register_patient(UnitOfWork(engine), clinician, {"display_name": name})
    document = random_intake(np.random.default_rng(seed), red_flag_rate=0.0, skip_rate=0.0)
    outcome = intake.submit_intake(UnitOfWork(engine), clinician, record.id, document, now=now)
    assert outcome.version is not None
    version = outcome.version
    if version.status == "proposed":
        version = programs.approve_version(UnitOfWork(engine), clinician, version.id, now=now)
    return record.id, programs.program_of(version)


def session_document(program: Any, day: dt.date, before: int = 2, after: int = 2) -> dict[str, Any]:
    """A session log of ``program`` on ``day``: every exercise done, pain before and after."""
    return {
        "date": day.isoformat(),
        "pain_before": before,
        "pain_after": after,
        "exercises": [
            {"id": e.id, "sets": e.dose.sets, "completed": True} for e in program.exercises
        ],
    }


def build_clinic(engine: Any) -> tuple[dict[str, str], dict[str, Actor]]:
    """The story's clinic (see the module docstring); patient ids by role, and the accounts."""
    first = user(engine, "clinician-a", [Role.CLINICIAN])
    second = user(engine, "clinician-b", [Role.CLINICIAN])
    today = dt.date.today()
    ids: dict[str, str] = {}
    clinician_of: dict[str, Actor] = {}
    for role, clinician, seed in (
        ("calm", first, 1),
        ("flare", first, 2),
        ("checkin", second, 3),
        ("form", second, 4),
    ):
        pid, program = patient_on_program(engine, clinician, f"{role.title()} Patient", seed)
        ids[role] = pid
        clinician_of[role] = clinician
        user(engine, f"patient-{role}", [Role.PATIENT], patient_id=pid)
        if role == "flare":
            sessions.log_session(
                UnitOfWork(engine), clinician, pid, session_document(program, today, 3, 8)
            )
            programs.propose_next_version(UnitOfWork(engine), clinician, pid)
        if role == "checkin":
            sessions.log_session(
                UnitOfWork(engine), clinician, pid, session_document(program, today, 2, 2)
            )
    return ids, clinician_of


@contextmanager
def serving(settings: ServiceSettings, engine: sa.Engine) -> Iterator[str]:
    """The web app on a free local port in a thread, for as long as the block runs; its URL."""
    with served(create_web_app(settings, engine=engine), start_timeout_s=30) as url:
        yield url


@pytest.fixture(scope="session")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    data = tmp_path_factory.mktemp("web-clinic")
    # every test logs in from 127.0.0.1: the per-address login limit is the API tests' business
    settings = ServiceSettings(
        data_dir=data, totp_required_for=frozenset(), login_attempts_per_minute=1000
    )
    engine = make_engine(settings.url)
    upgrade(engine)
    ids, clinician_of = build_clinic(engine)
    with serving(settings, engine) as url:
        yield Clinic(url, engine, ids, clinician_of)
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium when run as root"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pages_of(browser: Any, base_url: str) -> Iterator[Any]:
    """Yields ``make(viewport=None)``: a page in a fresh browser context (no cookies) on
    ``base_url`` per call; the contexts are closed afterwards."""
    contexts: list[Any] = []

    def make(viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(viewport=viewport or DESKTOP, base_url=base_url)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(browser: Any, clinic: Clinic) -> Iterator[Any]:
    """A fresh browser context (no cookies) per call: ``new_page(viewport=PHONE)``."""
    yield from pages_of(browser, clinic.url)


def _log_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert not page.url.endswith("/login"), page.locator("main").inner_text()[:300]


def _screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


@pytest.fixture
def log_in() -> Any:
    """``log_in(page, username)`` through the login form."""
    return _log_in


@pytest.fixture
def screenshot() -> Any:
    """``screenshot(page, name)``: a small PNG (``make screenshots``: under docs/screenshots/ for
    the README)."""
    return _screenshot


@pytest.fixture
def phone() -> dict[str, int]:
    return PHONE
