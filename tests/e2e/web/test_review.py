"""The clinician's program review in Debian's Chromium: edit a proposed version (pin, exclude,
change a dose), a refused edit says why next to what it refused and saves nothing, approve.

Its own clinician and patients (built through the services), so the other page tests' story is
left as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from tests.e2e.web.conftest import patient_on_program, session_document, user

from spinecoach.services import programs, sessions
from spinecoach.services.actors import Actor, Role
from spinecoach.store.unit_of_work import UnitOfWork

pytestmark = pytest.mark.slow

CLINICIAN = "clinician-review"


@dataclass
class Story:
    clinician: Actor
    steady: str
    """a patient whose next version (pain settled) awaits approval"""
    flared: str
    """a patient whose next version (pain 3 -> 8) awaits approval"""


@pytest.fixture(scope="module")
def story(clinic: Any) -> Story:
    engine = clinic.engine
    clinician = user(engine, CLINICIAN, [Role.CLINICIAN])
    today = dt.date.today()
    steady, program = patient_on_program(engine, clinician, "Steady Reviewpatient", 11)
    sessions.log_session(UnitOfWork(engine), clinician, steady, session_document(program, today))
    programs.propose_next_version(UnitOfWork(engine), clinician, steady)
    flared, program = patient_on_program(engine, clinician, "Flared Reviewpatient", 2)
    sessions.log_session(
        UnitOfWork(engine), clinician, flared, session_document(program, today, 3, 8)
    )
    programs.propose_next_version(UnitOfWork(engine), clinician, flared)
    return Story(clinician, steady, flared)


def _versions(clinic: Any, story: Story, pid: str) -> list[Any]:
    return programs.list_versions(UnitOfWork(clinic.engine), story.clinician, pid)


def _open_proposed(page: Any, clinic: Any, story: Story, pid: str) -> Any:
    proposed = [v for v in _versions(clinic, story, pid) if v.status == "proposed"]
    assert len(proposed) == 1
    page.goto(f"/clinic/versions/{proposed[0].id}")
    assert page.locator("#version-status").inner_text() == "proposed"
    return proposed[0]


def test_clinician_pins_excludes_changes_a_dose_and_approves(
    new_page: Any, clinic: Any, story: Story, log_in: Any, screenshot: Any
) -> None:
    page = new_page()
    log_in(page, CLINICIAN)
    version = _open_proposed(page, clinic, story, story.steady)
    exercises = programs.program_of(version).exercises
    assert len(exercises) >= 3
    pinned, dropped, dosed = exercises[0], exercises[1], exercises[2]
    page.check(f"input[name='choice-{pinned.id}'][value=pin]")
    page.check(f"input[name='choice-{dropped.id}'][value=exclude]")
    new_sets = dosed.dose.sets - 1 if dosed.dose.sets > 1 else dosed.dose.sets + 1
    page.fill(f"#dose-{dosed.id}-sets", str(new_sets))
    page.fill("#edit-note", "Wrist sore on hands and knees; one set fewer.")
    page.locator("#edit-h").evaluate("heading => heading.scrollIntoView()")
    screenshot(page, "version-edit")
    with page.expect_navigation():
        page.click("#save-edit")
    assert page.locator("#edited").is_visible()
    assert page.locator("#version-status").inner_text() == "proposed"

    edited = next(v for v in _versions(clinic, story, story.steady) if v.status == "proposed")
    assert edited.version == version.version + 1
    assert edited.basis == "edit"
    program = programs.program_of(edited)
    by_id = {e.id: e for e in program.exercises}
    assert by_id[pinned.id].pinned
    assert dropped.id not in by_id
    assert dropped.id in {e.id for e in program.excluded}
    assert by_id[dosed.id].dose.sets == new_sets
    assert by_id[dosed.id].pinned
    # the diff against the version in use shows what the edit did
    removed = page.locator("table.diff-table tr.removed").all_inner_texts()
    assert any(dropped.name in row for row in removed), removed

    page.fill("#note", "Edited and approved.")
    page.click("button[value=approve]")
    page.wait_for_load_state()
    assert page.locator("#version-status").inner_text() == "approved"
    statuses = {v.version: v.status for v in _versions(clinic, story, story.steady)}
    assert statuses[version.version] == "superseded"
    assert statuses[edited.version] == "approved"


def test_a_refused_edit_says_why_next_to_it_and_saves_nothing(  # noqa: PLR0917 (fixtures)
    new_page: Any, clinic: Any, story: Story, log_in: Any, screenshot: Any, phone: dict[str, int]
) -> None:
    page = new_page()
    log_in(page, CLINICIAN)
    version = _open_proposed(page, clinic, story, story.flared)
    before = [(v.id, v.status) for v in _versions(clinic, story, story.flared)]
    first = programs.program_of(version).exercises[0]
    # pain rose in the window: a dose may not go up
    harder = first.dose.sets + 1
    page.fill(f"#dose-{first.id}-sets", str(harder))
    page.fill("#edit-note", "try more sets")
    page.click("#save-edit")
    page.wait_for_load_state()
    error = page.locator(f"#err-dose-{first.id}-sets")
    assert error.is_visible()
    assert "Refused" in error.inner_text()
    assert first.name in error.inner_text()
    assert "pain rose" in error.inner_text()
    assert page.locator(f"#dose-{first.id}-sets").get_attribute("aria-invalid") == "true"
    assert page.locator(f"#dose-{first.id}-sets").input_value() == str(harder)
    assert page.locator("#edit-note").input_value() == "try more sets"
    assert page.locator("#edit-refused").is_visible()
    error.scroll_into_view_if_needed()
    screenshot(page, "version-edit-refused")
    assert [(v.id, v.status) for v in _versions(clinic, story, story.flared)] == before

    # a dose out of range is named at its box too, and nothing is saved
    page.fill(f"#dose-{first.id}-sets", "0")
    page.click("#save-edit")
    page.wait_for_load_state()
    assert "sets" in page.locator(f"#err-dose-{first.id}-sets").inner_text()
    assert [(v.id, v.status) for v in _versions(clinic, story, story.flared)] == before

    phone_page = new_page(viewport=phone)
    log_in(phone_page, CLINICIAN)
    phone_page.goto(f"/clinic/versions/{version.id}")
    phone_page.locator("#edit").scroll_into_view_if_needed()
    screenshot(phone_page, "version-edit-phone")


def test_the_edit_form_works_without_javascript(
    browser: Any, clinic: Any, story: Story, log_in: Any
) -> None:
    context = browser.new_context(java_script_enabled=False, base_url=clinic.url)
    try:
        page = context.new_page()
        log_in(page, CLINICIAN)
        version = _open_proposed(page, clinic, story, story.flared)
        first = programs.program_of(version).exercises[0]
        page.check(f"input[name='choice-{first.id}'][value=exclude]")
        with page.expect_navigation():
            page.click("#save-edit")
        assert page.locator("#edited").is_visible()
        edited = next(v for v in _versions(clinic, story, story.flared) if v.status == "proposed")
        assert first.id not in {e.id for e in programs.program_of(edited).exercises}
    finally:
        context.close()


def test_clinician_writes_a_note_and_sees_it_on_the_patient_page(
    new_page: Any, clinic: Any, story: Story, log_in: Any
) -> None:
    page = new_page()
    log_in(page, CLINICIAN)
    page.goto(f"/clinic/patients/{story.steady}")
    page.fill("#note-text", "   ")
    page.click("#note-form button[type=submit]")
    page.wait_for_load_state()
    assert "empty" in page.locator("#note-error").inner_text()
    assert page.locator("li.note").count() == 0
    page.fill("#note-text", "Phoned: sleeping better.\nReview in two weeks.")
    with page.expect_navigation():
        page.click("#note-form button[type=submit]")
    notes = page.locator("li.note").all_inner_texts()
    assert len(notes) == 1
    assert "Phoned: sleeping better." in notes[0]
    assert CLINICIAN in notes[0]


def test_review_pages_have_no_serious_accessibility_violation(
    new_page: Any, clinic: Any, story: Story, log_in: Any
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = new_page()
    log_in(page, CLINICIAN)
    version = _open_proposed(page, clinic, story, story.flared)
    first = programs.program_of(version).exercises[0]
    page.fill(f"#dose-{first.id}-sets", "0")
    page.click("#save-edit")
    page.wait_for_load_state()
    assert page.locator(f"#err-dose-{first.id}-sets").is_visible()
    pages = {"version with a refused edit": page}
    home = new_page()
    log_in(home, CLINICIAN)
    pages["home"] = home
    record = new_page()
    log_in(record, CLINICIAN)
    record.goto(f"/clinic/patients/{story.steady}")
    pages["patient"] = record
    found = {}
    for name, p in pages.items():
        violations = Axe().run(p).response["violations"]
        found[name] = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
    assert found == {name: [] for name in pages}, found
