"""Accessibility of the main pages: axe-core run in the page, and keyboard-only use."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.slow


def _serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_no_serious_violation(new_page: Any, clinic: Any, log_in: Any) -> None:
    anonymous = new_page()
    anonymous.goto("/login")
    found = {"/login": _serious(anonymous)}
    clinician = new_page()
    log_in(clinician, "clinician-a")
    for path in (
        "/clinic",
        f"/clinic/patients/{clinic.ids['calm']}",
    ):
        clinician.goto(path)
        found[path] = _serious(clinician)
    clinician.goto(f"/clinic/patients/{clinic.ids['calm']}")
    clinician.locator("table a", has_text="Version 1").click()
    found["version"] = _serious(clinician)
    patient = new_page()
    log_in(patient, "patient-form")
    pid = clinic.ids["form"]
    for path in (f"/patients/{pid}/today", f"/patients/{pid}/checkin", f"/patients/{pid}/progress"):
        patient.goto(path)
        found[path] = _serious(patient)
    patient.goto(f"/patients/{pid}/today")
    patient.fill("#pain_before", "11")
    patient.click("text=Save session")
    patient.wait_for_load_state()
    found["today with errors"] = _serious(patient)
    assert {k: v for k, v in found.items() if v} == {}


def _tab_to(page: Any, predicate: str, limit: int = 200) -> None:
    """Press Tab until the focused element matches ``predicate`` (a JS expression on ``el``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate}; }})()"):
            return
    raise AssertionError(f"keyboard focus never reached: {predicate}")


def test_keyboard_only_login_and_patient_log(new_page: Any, clinic: Any) -> None:
    page = new_page()
    page.goto("/login")
    _tab_to(page, "el.id === 'username'")
    page.keyboard.type("patient-form")
    page.keyboard.press("Tab")
    page.keyboard.type("a long demo passphrase 42")
    page.keyboard.press("Enter")
    page.wait_for_url("**/today")
    _tab_to(page, "el.id === 'pain_before'")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    _tab_to(page, "el.tagName === 'BUTTON' && el.textContent.includes('Save session')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#saved").is_visible(), page.locator("main").inner_text()[:500]


def test_keyboard_only_clinician_reaches_a_patient_and_a_version(
    new_page: Any, clinic: Any, log_in: Any
) -> None:
    page = new_page()
    log_in(page, "clinician-b")
    _tab_to(page, "el.tagName === 'A' && el.textContent.includes('Form Patient')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/clinic/patients/**")
    _tab_to(page, "el.tagName === 'A' && el.textContent.trim() === 'Version 1'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/clinic/versions/**")
    assert page.locator("h1").inner_text().startswith("Version 1")
