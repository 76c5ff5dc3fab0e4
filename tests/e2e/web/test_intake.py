"""Intake entry in Debian's Chromium: the forms end as the API's assessment; bad values stay on
the page next to their field and nothing is saved; a red flag stops the program and asks for
referral; the load a patient logs shows on the clinician's page."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pytest
from tests.e2e.web.conftest import PASSWORD, PHONE, SCREENSHOTS

from spinecoach.clinical.intake import Intake
from spinecoach.services import accounts, intake, patients, programs
from spinecoach.services.actors import SYSTEM, Actor, Role
from spinecoach.simulate import random_intake
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.web.intake_form import form_values

pytestmark = pytest.mark.slow

CLINICIAN = "clinician-intake"
"""These tests' own clinician: the patients they add stay off the story clinicians' lists."""


@pytest.fixture(scope="module")
def own_clinician(clinic: Any) -> Actor:
    account = accounts.create_user(
        UnitOfWork(clinic.engine),
        SYSTEM,
        username=CLINICIAN,
        password=PASSWORD,
        roles=[Role.CLINICIAN],
        display_name=CLINICIAN,
    )
    return account.actor()


def _new_patient(clinic: Any, clinician: Actor, name: str) -> str:
    record = patients.register_patient(UnitOfWork(clinic.engine), clinician, {"display_name": name})
    return record.id


def _fill(page: Any, values: dict[str, Any]) -> None:
    """Type each value into its input the way a person would (select, tick, type)."""
    for name, value in values.items():
        if isinstance(value, list):
            for each in value:
                page.check(f"input[name='{name}'][value='{each}']")
            continue
        field = page.locator(f"[name='{name}']")
        if field.count() > 1:  # radio buttons
            page.check(f"input[name='{name}'][value='{value}']")
            continue
        tag = field.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if tag.startswith("select"):
            field.select_option(value)
        elif tag == "input:checkbox":
            field.check()
        else:
            field.fill(value)


def _submit(page: Any) -> Any:
    with page.expect_navigation() as navigation:
        page.click("text=Save intake and assess")
    return navigation.value


def _story_intake() -> dict[str, Any]:
    """A full intake: every questionnaire, movement and endurance tests, findings, health."""
    document = random_intake(np.random.default_rng(12), red_flag_rate=0.0, skip_rate=0.05)
    raw = document.model_dump(mode="json", exclude_none=True)
    raw["patient"]["equipment"] = sorted({*raw["patient"]["equipment"], "pulley", "mat"})
    raw["patient"]["load_steps_kg"] = {"pulley": 1.25}
    today = dt.date.today()
    raw["health"] = {
        "as_of": (today - dt.timedelta(days=2)).isoformat(),
        "osteoporosis": True,
        "falls_risk": True,
        "spinal_surgery": {
            "type": "microdiscectomy",
            "date": (today - dt.timedelta(days=20)).isoformat(),
            "restricted_loads": ["flexion"],
        },
        "notes": "type 2 diabetes, well controlled",
    }
    raw["questionnaires"]["rmdq"] = [1, 0, 1, 1, 0, 0, 1, None] + [0, 1] * 8
    raw["questionnaires"]["fabq"] = [None, 4, 5, 3, 6, 2, 3, 1, 4, 5, 2, 3, 0, 1, 4, 2]
    raw["movement_tests"] = {"flexion": "peripheralizes", "extension": "centralizes"}
    return Intake.model_validate(raw).model_dump(mode="json")


def _comparable(assessment: dict[str, Any]) -> dict[str, Any]:
    """The assessment without the patient's record id; equipment is a set (the form lists it
    in its own order)."""
    patient = assessment["patient"]
    return {
        **assessment,
        "patient": {**patient, "id": "-", "equipment": sorted(patient["equipment"])},
    }


def test_intake_entered_in_the_forms_is_the_assessment_the_api_gives(
    new_page: Any, own_clinician: Actor, clinic: Any, log_in: Any, screenshot: Any
) -> None:
    clinician = own_clinician
    by_form = _new_patient(clinic, clinician, "Form Intake")
    by_api = _new_patient(clinic, clinician, "Api Intake")
    document = _story_intake()

    page = new_page()
    log_in(page, CLINICIAN)
    page.goto(f"/clinic/patients/{by_form}")
    page.click("#new-intake")
    assert page.url.endswith(f"/clinic/patients/{by_form}/intake")
    _fill(page, form_values(document))
    page.locator("#questionnaires").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('questionnaires').scrollIntoView()")
    screenshot(page, "intake-form")
    response = _submit(page)
    assert response.status == 200, page.locator("#error-summary").all_inner_texts()
    assert page.locator("#intake-saved").is_visible()

    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "spinecoach_csrf")
    api = page.request.post(
        f"/api/patients/{by_api}/intakes",
        data=json.dumps(document),
        headers={"content-type": "application/json", "x-csrf-token": csrf},
    )
    assert api.status == 201, api.text()

    form_assessment = intake.list_assessments(UnitOfWork(clinic.engine), clinician, by_form)
    api_assessment = intake.list_assessments(UnitOfWork(clinic.engine), clinician, by_api)
    assert len(form_assessment) == len(api_assessment) == 1
    assert _comparable(form_assessment[0].document) == _comparable(api_assessment[0].document)
    form_program = programs.list_versions(UnitOfWork(clinic.engine), clinician, by_form)
    api_program = programs.list_versions(UnitOfWork(clinic.engine), clinician, by_api)
    assert [e.id for e in programs.program_of(form_program[-1]).exercises] == [
        e.id for e in programs.program_of(api_program[-1]).exercises
    ]

    section = page.locator("#assessment")
    text = section.inner_text()
    stratum = form_assessment[0].document["scores"]["start_back"]["stratum"]
    assert f"{stratum} risk" in text
    assert "Oswestry (ODI)" in text
    assert "Fear-avoidance (FABQ)" in text
    assert "Screened, none positive." in text
    assert page.locator("#directional-preference").inner_text().startswith("extension")
    assert "peripheralizes with flexion" in page.locator("#directional-preference").inner_text()
    assert page.locator("#endurance-table tbody tr").count() == 4
    assert "Osteoporosis" in text
    assert "the surgeon restricts flexion" in text
    section.screenshot(path=str(SCREENSHOTS / "assessment-section.png"))

    phone = new_page(viewport=PHONE)
    log_in(phone, CLINICIAN)
    phone.goto(f"/clinic/patients/{by_form}/intake")
    # a new intake starts from the last one's profile and health, not its answers
    assert phone.locator("#age").input_value() == str(document["patient"]["age"])
    assert phone.locator("#osteoporosis").is_checked()
    assert phone.locator("#odi_1").input_value() == ""
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the intake page scrolls sideways on a phone ({width} px)"
    phone.evaluate("document.getElementById('start_back').scrollIntoView()")
    screenshot(phone, "intake-form-phone")
    phone.goto(f"/clinic/patients/{by_form}")
    assert phone.locator("#assessment").bounding_box()["width"] <= PHONE["width"]
    phone.locator("#assessment").screenshot(path=str(SCREENSHOTS / "assessment-section-phone.png"))


def test_bad_intake_values_are_shown_next_to_the_field_and_nothing_is_saved(
    new_page: Any, own_clinician: Actor, clinic: Any, log_in: Any, screenshot: Any
) -> None:
    clinician = own_clinician
    pid = _new_patient(clinic, clinician, "Bad Form Intake")
    page = new_page()
    log_in(page, CLINICIAN)
    page.goto(f"/clinic/patients/{pid}/intake")
    _fill(
        page,
        {
            "age": "12",
            "sex": "female",
            "odi_3": "7",
            "odi_1": "2",
            "start_back_2": "yes",
            "extensor_s": "300",
            "psfs_activity_1": "gardening",
            "psfs_score_1": "4",
            "pregnancy_weeks": "20",
        },
    )
    response = _submit(page)
    assert response.status == 422
    assert page.locator("#error-summary").is_visible()
    targets = page.locator("#error-summary a").evaluate_all("links => links.map(a => a.hash)")
    assert len(targets) == 5, targets
    for target in targets:
        assert page.locator(target).count() == 1, f"the summary links to {target}: not on the page"
    for name, words in (
        ("age", "greater than or equal to 16"),
        ("odi_3", "odi item 3: 7 is outside 0-5"),
        ("start_back_2", "valid integer"),
        ("extensor_s", "less than or equal to 240"),
    ):
        error = page.locator(f"#{name}-error")
        assert words in error.inner_text(), (name, error.all_inner_texts())
        assert page.locator(f"#{name}").get_attribute("aria-describedby") == f"{name}-error"
        assert page.locator(f"#{name}").get_attribute("aria-invalid") == "true"
    # the values typed are still there, and nothing was stored
    assert page.locator("#age").input_value() == "12"
    assert page.locator("#psfs_activity_1").input_value() == "gardening"
    assert page.locator("#sex").input_value() == "female"
    screenshot(page, "intake-errors")
    assert intake.list_intakes(UnitOfWork(clinic.engine), clinician, pid) == []
    assert programs.list_versions(UnitOfWork(clinic.engine), clinician, pid) == []

    # a fix of the age alone: the health section now says what it needs (as_of with pregnancy)
    _fill(page, {"age": "30", "odi_3": "3", "start_back_2": "1", "extensor_s": "100"})
    response = _submit(page)
    assert response.status == 422
    assert "as_of is required" in page.locator("#health_as_of-error").inner_text()
    assert intake.list_intakes(UnitOfWork(clinic.engine), clinician, pid) == []


def test_a_red_flag_entered_stops_the_program_and_asks_for_referral(
    new_page: Any, own_clinician: Actor, clinic: Any, log_in: Any
) -> None:
    clinician = own_clinician
    pid = _new_patient(clinic, clinician, "Red Flag Intake")
    page = new_page()
    log_in(page, CLINICIAN)
    page.goto(f"/clinic/patients/{pid}/intake")
    _fill(page, {"age": "52", "sex": "male", "nprs": "6", "red_flags": ["ces_saddle_anaesthesia"]})
    _submit(page)
    referral = page.locator("#referral")
    assert referral.is_visible()
    assert "cauda equina" in referral.inner_text()
    assert patients.get_patient(UnitOfWork(clinic.engine), clinician, pid).status == "stopped"
    version = programs.list_versions(UnitOfWork(clinic.engine), clinician, pid)[-1]
    assert programs.program_of(version).status == "referral"


def test_the_load_a_patient_logs_shows_on_the_clinicians_page(
    new_page: Any, own_clinician: Actor, clinic: Any, log_in: Any
) -> None:
    clinician = own_clinician
    pid = _new_patient(clinic, clinician, "Pulley Patient")
    raw = random_intake(np.random.default_rng(5), red_flag_rate=0.0, skip_rate=0.0)
    document = raw.model_dump(mode="json")
    document["patient"]["equipment"] = ["mat", "pulley", "chair", "wall"]
    outcome = intake.submit_intake(
        UnitOfWork(clinic.engine), clinician, pid, document, overrides={"pin": ["pallof_press"]}
    )
    version = outcome.version
    if version.status == "proposed":
        programs.approve_version(UnitOfWork(clinic.engine), clinician, version.id)
    ids = [e.id for e in programs.program_of(version).exercises]
    assert "pallof_press" in ids, ids
    accounts.create_user(
        UnitOfWork(clinic.engine),
        SYSTEM,
        username="patient-pulley",
        password=PASSWORD,
        roles=[Role.PATIENT],
        display_name="patient-pulley",
        patient_id=pid,
    )
    at = ids.index("pallof_press")

    patient = new_page(viewport=PHONE)
    log_in(patient, "patient-pulley")
    patient.fill("#pain_before", "3")
    patient.fill("#pain_after", "3")
    patient.fill(f"#load_kg_{at}", "250")
    patient.click("text=Save session")
    patient.wait_for_load_state()
    assert "less than or equal to 200" in patient.locator(f"#load_kg_{at}-error").inner_text()
    assert patient.locator(f"#load_kg_{at}").input_value() == "250"
    card = patient.locator("article.exercise").nth(at)
    card.screenshot(path=str(SCREENSHOTS / "patient-load-error-phone.png"))
    patient.fill(f"#load_kg_{at}", "7.5")
    patient.click("text=Save session")
    patient.wait_for_load_state()
    assert patient.locator("#saved").is_visible()

    page = new_page()
    log_in(page, CLINICIAN)
    page.goto(f"/clinic/patients/{pid}")
    loads = page.locator("tr.session-row td.loads").all_inner_texts()
    assert loads == ["Anti-rotation press with cable 7.5 kg"], loads


def test_intake_pages_pass_axe_and_the_keyboard(
    new_page: Any, own_clinician: Actor, clinic: Any, log_in: Any
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    clinician = own_clinician
    pid = _new_patient(clinic, clinician, "Axe Intake")
    page = new_page()
    log_in(page, CLINICIAN)
    page.goto(f"/clinic/patients/{pid}/intake")
    found: dict[str, list[str]] = {}

    def serious(where: str) -> None:
        violations = Axe().run(page).response["violations"]
        found[where] = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]

    serious("intake")
    # keyboard only: type the age, tab on to the sex choice, and reach the save button
    page.focus("#age")
    page.keyboard.type("44")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "sex"
    page.keyboard.press("ArrowDown")
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Save intake and assess":
            break
    else:
        raise AssertionError("the save button is not reachable with Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#intake-saved").is_visible()
    serious("patient page with assessment")
    page.goto(f"/clinic/patients/{pid}/intake")
    page.fill("#age", "200")
    _submit(page)
    serious("intake with errors")
    assert {k: v for k, v in found.items() if v} == {}


def test_intake_pages_are_for_the_patients_own_clinician(
    new_page: Any, own_clinician: Actor, clinic: Any, log_in: Any
) -> None:
    other = new_page()
    log_in(other, CLINICIAN)
    not_theirs = clinic.ids["checkin"]  # clinician-b's patient
    assert other.goto(f"/clinic/patients/{not_theirs}/intake").status == 404
    csrf = next(c["value"] for c in other.context.cookies() if c["name"] == "spinecoach_csrf")
    posted = other.request.post(
        f"/clinic/patients/{not_theirs}/intake",
        form={"csrf_token": csrf, "age": "40", "sex": "male", "red_flags_asked": "yes"},
    )
    assert posted.status == 404
    forged = other.request.post(
        f"/clinic/patients/{clinic.ids['calm']}/intake",
        form={"csrf_token": "forged", "age": "40", "sex": "male"},
    )
    assert forged.status == 403
    patient = new_page()
    log_in(patient, "patient-calm")
    assert patient.goto(f"/clinic/patients/{clinic.ids['calm']}/intake").status == 403
    owner = clinic.clinician_of["checkin"]
    assert len(intake.list_intakes(UnitOfWork(clinic.engine), owner, not_theirs)) == 1
    calm = clinic.ids["calm"]
    assert (
        len(intake.list_intakes(UnitOfWork(clinic.engine), clinic.clinician_of["calm"], calm)) == 1
    )
