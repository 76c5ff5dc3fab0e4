"""The clinician home with many patients in Debian's Chromium: alerts first, fifty to a page,
search by name and filter by alert kind with their counts, all without JavaScript too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from spinecoach.services import accounts, intake, patients, programs, sessions
from spinecoach.services.actors import SYSTEM, Role
from spinecoach.simulate import random_intake
from spinecoach.store.unit_of_work import UnitOfWork

pytestmark = pytest.mark.slow

CLINICIAN = "clinician-many"
PASSWORD = "a long demo passphrase 42"
MANY = 73


@pytest.fixture(scope="module")
def many(clinic: Any) -> str:
    """73 patients of one clinician, the one named 'Zed Flare' flared up (alerts)."""
    engine = clinic.engine
    clinician = accounts.create_user(
        UnitOfWork(engine),
        SYSTEM,
        username=CLINICIAN,
        password=PASSWORD,
        roles=[Role.CLINICIAN],
        display_name=CLINICIAN,
    ).actor()
    for i in range(MANY - 1):
        patients.register_patient(UnitOfWork(engine), clinician, {"display_name": f"Many {i:03d}"})
    flared = patients.register_patient(
        UnitOfWork(engine), clinician, {"display_name": "Zed Flare"}
    ).id
    document = random_intake(np.random.default_rng(2), red_flag_rate=0.0, skip_rate=0.0)
    version = intake.submit_intake(UnitOfWork(engine), clinician, flared, document).version
    assert version is not None
    if version.status == "proposed":
        version = programs.approve_version(UnitOfWork(engine), clinician, version.id)
    program = programs.program_of(version)
    sessions.log_session(
        UnitOfWork(engine),
        clinician,
        flared,
        {
            "date": dt.date.today().isoformat(),
            "pain_before": 3,
            "pain_after": 8,
            "exercises": [
                {"id": e.id, "sets": e.dose.sets, "completed": True} for e in program.exercises
            ],
        },
    )
    return flared


def _names(page: Any) -> list[str]:
    return [n.strip() for n in page.locator("tr.patient-row td:first-child a").all_inner_texts()]


def test_home_pages_fifty_at_a_time_alerts_first(
    new_page: Any, many: str, log_in: Any, screenshot: Any
) -> None:
    page = new_page()
    log_in(page, CLINICIAN)
    names = _names(page)
    assert len(names) == 50
    assert names[0] == "Zed Flare"  # alerts first, though last by name
    assert names[1:4] == ["Many 000", "Many 001", "Many 002"]
    assert f"{MANY} patients, 1 with open alerts" in page.locator("#patient-counts").inner_text()
    assert f"Showing 1–50 of {MANY} patients, page 1 of 2" in page.locator("#matching").inner_text()
    flare_count = page.locator(".counts a", has_text="Flare-up")
    assert flare_count.inner_text() == "Flare-up: 1"
    screenshot(page, "clinician-home-paged")
    page.click("nav.pager >> text=Next →")
    second = _names(page)
    assert len(second) == MANY - 50
    assert not set(second) & set(names)
    assert "page 2 of 2" in page.locator("#matching").inner_text()


def test_home_search_and_filter_show_their_counts(new_page: Any, many: str, log_in: Any) -> None:
    page = new_page()
    log_in(page, CLINICIAN)
    page.fill("#q", "many 06")
    with page.expect_navigation():
        page.click("form[role=search] button")
    assert _names(page) == [f"Many {i:03d}" for i in range(60, 70)]
    assert "Showing 1–10 of 10 matching patients" in page.locator("#matching").inner_text()
    page.fill("#q", "")
    page.select_option("#kind", "flare_up")
    with page.expect_navigation():
        page.click("form[role=search] button")
    assert _names(page) == ["Zed Flare"]
    page.goto("/clinic?q=nobody+at+all")
    assert "No patient matches." in page.locator("#matching").inner_text()
    page.goto("/clinic?page=not-a-number")
    assert len(_names(page)) == 50


def test_home_paging_works_without_javascript(browser: Any, clinic: Any, many: str) -> None:
    context = browser.new_context(java_script_enabled=False, base_url=clinic.url)
    try:
        page = context.new_page()
        page.goto("/login")
        page.fill("#username", CLINICIAN)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.fill("#q", "Many 07")
        with page.expect_navigation():
            page.click("form[role=search] button")
        assert _names(page)[0] == "Many 070"
        page.goto("/clinic?page=2")
        assert len(_names(page)) == MANY - 50
    finally:
        context.close()
