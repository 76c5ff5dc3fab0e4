"""The clinic's pages in Debian's Chromium: the stories of the clinician and the patient."""

from __future__ import annotations

from typing import Any

import pytest

from spinecoach.services import programs, sessions
from spinecoach.store.unit_of_work import UnitOfWork

pytestmark = pytest.mark.slow


def _row_names(page: Any) -> list[str]:
    return [
        name.strip() for name in page.locator("tr.patient-row td:first-child a").all_inner_texts()
    ]


def test_login_page_security_headers(new_page: Any, clinic: Any) -> None:
    page = new_page()
    response = page.goto("/login")
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert page.locator("input[name=login_token]").count() == 1


def test_wrong_password_is_refused_on_the_form(new_page: Any) -> None:
    page = new_page()
    page.goto("/login")
    page.fill("#username", "clinician-a")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert page.locator("#login-error").is_visible()
    assert page.url.endswith("/login")


def test_clinician_sees_flare_first_opens_diff_and_approves(
    new_page: Any, clinic: Any, log_in: Any, screenshot: Any
) -> None:
    page = new_page()
    log_in(page, "clinician-a")
    assert page.url.endswith("/clinic")
    names = _row_names(page)
    assert names[0] == "Flare Patient", names
    assert "Calm Patient" in names
    first_alerts = page.locator("tr.patient-row").first.locator(".alert").all_inner_texts()
    assert any(text.startswith("Flare-up:") for text in first_alerts), first_alerts
    screenshot(page, "clinician-home")

    page.click("text=Flare Patient")
    assert "/clinic/patients/" in page.url
    screenshot(page, "patient-page")
    page.locator("table a", has_text="Version 2").click()
    assert page.locator("#version-status").inner_text() == "proposed"
    assert page.locator("table.diff-table tbody tr").count() >= 1
    screenshot(page, "version-diff")
    page.fill("#note", "Reviewed the flare-up; lower dose agreed.")
    page.click("button[value=approve]")
    page.wait_for_load_state()
    assert page.locator("#version-status").inner_text() == "approved"
    versions = programs.list_versions(
        UnitOfWork(clinic.engine), clinic.clinician_of["flare"], clinic.ids["flare"]
    )
    assert [v.status for v in versions][-1] == "approved"


def test_patient_logs_a_session_and_the_clinician_sees_it(
    new_page: Any, clinic: Any, log_in: Any, screenshot: Any, phone: dict[str, int]
) -> None:
    patient = new_page(viewport=phone)
    log_in(patient, "patient-calm")
    assert patient.url.endswith(f"/patients/{clinic.ids['calm']}/today")
    screenshot(patient, "patient-today-phone")
    patient.fill("#pain_before", "2")
    patient.fill("#pain_after", "1")
    patient.click("text=Save session")
    patient.wait_for_load_state()
    assert patient.locator("#saved").is_visible()

    clinician = new_page()
    log_in(clinician, "clinician-a")
    clinician.goto(f"/clinic/patients/{clinic.ids['calm']}")
    rows = clinician.locator("tr.session-row").all_inner_texts()
    assert any("2 → 1" in row for row in rows), rows


def test_red_flag_check_in_shows_emergency_and_stops_the_program(
    new_page: Any, clinic: Any, log_in: Any, screenshot: Any, phone: dict[str, int]
) -> None:
    page = new_page(viewport=phone)
    log_in(page, "patient-checkin")
    page.click("text=Morning check-in")
    page.fill("#next_morning_pain", "4")
    assert not page.locator("#emergency-now").is_visible()
    page.check("#flag-ces_saddle_anaesthesia")
    assert page.locator("#emergency-now").is_visible()  # at once, before sending
    page.click("text=Send answers")
    page.wait_for_load_state()
    assert "emergency care" in page.locator("#emergency").inner_text()
    assert page.locator("#stopped").is_visible()
    screenshot(page, "patient-emergency-phone")
    page.click("text=Back to today")
    assert page.locator("#program-stopped").is_visible()
    assert page.locator("text=Save session").count() == 0


def test_a_patient_cannot_open_another_patients_pages(
    new_page: Any, clinic: Any, log_in: Any
) -> None:
    page = new_page()
    log_in(page, "patient-calm")
    other = clinic.ids["flare"]
    for path in (
        f"/patients/{other}/today",
        f"/patients/{other}/progress",
        f"/patients/{other}/checkin",
        f"/clinic/patients/{other}",
    ):
        response = page.goto(path)
        assert response.status in (403, 404), (path, response.status)
        assert "Flare Patient" not in page.content()
    assert page.goto(f"/patients/{other}/today").status == 404


def test_a_clinician_cannot_open_another_clinicians_patient(
    new_page: Any, clinic: Any, log_in: Any
) -> None:
    page = new_page()
    log_in(page, "clinician-a")
    assert page.goto(f"/clinic/patients/{clinic.ids['form']}").status == 404


def test_bad_values_are_shown_beside_the_field_and_nothing_is_saved(
    new_page: Any, clinic: Any, log_in: Any, screenshot: Any
) -> None:
    pid = clinic.ids["form"]
    before = len(
        sessions.list_sessions(UnitOfWork(clinic.engine), clinic.clinician_of["form"], pid)
    )
    page = new_page()
    log_in(page, "patient-form")
    page.fill("#pain_before", "14")
    page.fill("#pain_after", "two")
    page.click("text=Save session")
    page.wait_for_load_state()
    assert "less than or equal to 10" in page.locator("#pain_before-error").inner_text()
    assert "integer" in page.locator("#pain_after-error").inner_text()
    assert page.locator("#pain_before").get_attribute("aria-invalid") == "true"
    assert page.locator("#pain_before").input_value() == "14"  # what was typed is kept
    after = len(sessions.list_sessions(UnitOfWork(clinic.engine), clinic.clinician_of["form"], pid))
    assert after == before
    page.locator("#pain_before").scroll_into_view_if_needed()
    screenshot(page, "form-errors")


def test_a_form_post_without_the_csrf_token_is_refused(
    new_page: Any, clinic: Any, log_in: Any
) -> None:
    page = new_page()
    log_in(page, "patient-form")
    response = page.request.post(
        f"/patients/{clinic.ids['form']}/sessions",
        form={"pain_before": "2", "pain_after": "2", "csrf_token": "forged"},
    )
    assert response.status == 403


def test_progress_in_plain_words(new_page: Any, clinic: Any, log_in: Any) -> None:
    page = new_page()
    log_in(page, "patient-form")
    page.click("text=My progress")
    text = page.locator("main").inner_text()
    assert "My progress" in text
    for jargon in ("stratum", "startback", "rule"):
        assert jargon not in text.lower()


def test_clinician_uploads_a_recording_with_a_progress_bar(
    new_page: Any, clinic: Any, log_in: Any, tmp_path: Any
) -> None:
    from spinecoach.sensors.files import write_recording
    from spinecoach.services import recordings
    from spinecoach.simulate.recording import simulate_recording

    path = tmp_path / "day.csv"
    write_recording(simulate_recording("day", seconds=120.0, seed=3).recording, path)
    page = new_page()
    log_in(page, "clinician-b")
    page.goto(f"/clinic/patients/{clinic.ids['form']}")
    page.set_input_files("#file", str(path))
    page.select_option("#kind", "day")
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.click("text=Upload")
    try:
        page.wait_for_selector("#uploaded")
    except Exception:
        raise AssertionError(
            (messages, page.url, page.locator("#recordings").inner_html()[:3000])
        ) from None
    assert page.locator("#upload-progress").count() == 1
    rows = page.locator("tr.recording-row").all_inner_texts()
    assert any("day.csv" in row for row in rows), rows
    stored = recordings.list_recordings(
        UnitOfWork(clinic.engine), clinic.clinician_of["form"], clinic.ids["form"]
    )
    assert [r.filename for r in stored] == ["day.csv"]


def test_an_unreadable_upload_is_named_beside_the_file_field(
    new_page: Any, clinic: Any, log_in: Any, tmp_path: Any
) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    page = new_page()
    log_in(page, "clinician-a")
    page.goto(f"/clinic/patients/{clinic.ids['calm']}")
    page.set_input_files("#file", str(path))
    page.click("text=Upload")
    page.wait_for_selector("#upload-error")
    assert page.locator("#upload-error").inner_text()
