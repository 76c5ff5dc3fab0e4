"""The charts in Debian's Chromium: the patient page draws adherence, posture time-in-zones by
day and stillness over sessions; a recording's page draws its flexion trace, reps, holds and
calibration. Each chart is an SVG image with a title and a description, and words beside it.

Its own clinician and patient, sessions over three weeks and three synthetic recordings
processed through the services (the same analysis as ``spinecoach sensors analyze``).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from tests.e2e.web.conftest import patient_on_program, session_document, user

from spinecoach.sensors.files import write_recording
from spinecoach.services import recordings, sessions
from spinecoach.services.actors import Role
from spinecoach.settings import ServiceSettings
from spinecoach.simulate.recording import simulate_recording
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.web import views

pytestmark = pytest.mark.slow

CLINICIAN = "clinician-charts"
PATIENT = "patient-charts"


@dataclass
class Charted:
    patient_id: str
    recording: dict[str, str]
    """recording ids by scenario: day, forward-bends, bird-dog"""


@pytest.fixture(scope="module")
def charted(clinic: Any, tmp_path_factory: pytest.TempPathFactory) -> Charted:
    engine = clinic.engine
    folder = tmp_path_factory.mktemp("chart-recordings")
    settings = ServiceSettings(data_dir=folder / "data")
    clinician = user(engine, CLINICIAN, [Role.CLINICIAN])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    patient_id, program = patient_on_program(engine, clinician, "Chart Patient", 1, now=start)
    user(engine, PATIENT, [Role.PATIENT], patient_id=patient_id)
    today = dt.date.today()
    logged = [
        sessions.log_session(
            UnitOfWork(engine),
            clinician,
            patient_id,
            session_document(program, today - dt.timedelta(d)),
        )
        for d in (15, 13, 8, 6, 4, 1)
    ]
    found: dict[str, str] = {}
    for scenario, kind in (("day", "day"), ("forward-bends", "exercise"), ("bird-dog", "exercise")):
        path = folder / f"{scenario}.csv"
        seconds = 240.0 if scenario == "day" else None
        write_recording(simulate_recording(scenario, seconds=seconds, seed=5).recording, path)
        stored = recordings.upload_recording(
            UnitOfWork(engine),
            clinician,
            settings,
            patient_id,
            path.read_bytes(),
            filename=path.name,
            kind=kind,  # type: ignore[arg-type]
            session_id=logged[-1].id if kind == "exercise" else None,
            exercise_id=program.exercises[0].id if kind == "exercise" else None,
        )
        done = recordings.process_recording(UnitOfWork(engine), settings, stored.id)
        assert done.status == "processed", done.failure_reason
        found[scenario] = stored.id
    return Charted(patient_id, found)


def _svgs(page: Any, scope: str) -> dict[str, str]:
    """Each chart's SVG text in ``scope``, by its figure's title."""
    found = {}
    for figure in page.locator(f"{scope} figure.chart").all():
        src = figure.locator("img").get_attribute("src")
        assert src.startswith("data:image/svg+xml;base64,")
        found[figure.get_attribute("data-chart")] = base64.b64decode(src.split(",", 1)[1]).decode()
    return found


def _marks(svg: str, kind: str) -> int:
    """How many marks of ``kind`` (rect, line, symbol, rule, tick) the chart draws."""
    groups = re.findall(rf'<g class="mark-{kind} role-mark[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    return sum(len(re.findall(r'role="graphics-symbol"', g)) for g in groups)


def _check_accessible(svg: str, title: str) -> None:
    assert re.search(r"<svg[^>]*><title>[^<]+</title><desc>[^<]+</desc>", svg), svg[:300]
    assert title.split(maxsplit=1)[0].lower() in svg[:400].lower()


def test_the_patient_page_draws_adherence_posture_and_stillness(
    new_page: Any, charted: Charted, log_in: Any, screenshot: Any
) -> None:
    page = new_page()
    log_in(page, CLINICIAN)
    page.goto(f"/clinic/patients/{charted.patient_id}")
    svgs = _svgs(page, "#care-charts")
    assert set(svgs) == {"Adherence", "Posture time in zones", "Stillness during holds"}, set(svgs)
    for title, svg in svgs.items():
        _check_accessible(svg, title)
    # adherence: one bar per program week with sessions, and the target rule
    assert _marks(svgs["Adherence"], "rect") >= 3
    assert _marks(svgs["Adherence"], "rule") == 1
    # posture: stacked bars of the four zones, named in the legend
    for zone in ("neutral", "mild", "moderate", "severe"):
        assert f">{zone}<" in svgs["Posture time in zones"]
    assert _marks(svgs["Posture time in zones"], "rect") >= 1
    # stillness: the session's mean stillness with the limit that allows progression
    assert "mark-symbol" in svgs["Stillness during holds"]
    assert _marks(svgs["Stillness during holds"], "rule") == 1
    words = page.locator("#care-charts figcaption").all_inner_texts()
    assert any("week 1:" in w for w in words), words
    page.locator("#care-charts").scroll_into_view_if_needed()
    screenshot(page, "patient-charts")


def test_my_progress_draws_the_same_care_charts_in_plain_words(
    new_page: Any, charted: Charted, log_in: Any
) -> None:
    page = new_page()
    log_in(page, PATIENT)
    page.goto(f"/patients/{charted.patient_id}/progress")
    svgs = _svgs(page, "main")
    plain = set(views.PLAIN_CARE_TITLES.values())
    assert plain <= set(svgs), set(svgs)
    assert _marks(svgs["Sessions done each week"], "rect") >= 3
    text = page.locator("main").inner_text()
    assert "week 1:" in text
    for jargon in ("Adherence.", "rule", "STarT", "stratum"):
        assert jargon not in text


def test_a_recording_page_draws_its_analysis(
    new_page: Any, charted: Charted, log_in: Any, screenshot: Any, phone: dict[str, int]
) -> None:
    page = new_page()
    log_in(page, CLINICIAN)
    page.goto(f"/clinic/patients/{charted.patient_id}")
    rows = page.locator("tr.recording-row a")
    assert rows.count() == 3
    page.goto(f"/clinic/recordings/{charted.recording['forward-bends']}")
    assert page.locator("#recording-status").inner_text() == "processed"
    svgs = _svgs(page, "main")
    assert {"Lumbar flexion over time", "Repetitions", "Calibration quality"} <= set(svgs)
    for title, svg in svgs.items():
        _check_accessible(svg, title)
    assert _marks(svgs["Lumbar flexion over time"], "line") == 1
    reps = int(page.locator("th:text-is('Repetitions') + td").inner_text())
    assert reps >= 5
    assert _marks(svgs["Repetitions"], "rect") == reps
    assert ">good<" in svgs["Calibration quality"]
    screenshot(page, "recording-reps")

    page.goto(f"/clinic/recordings/{charted.recording['bird-dog']}")
    svgs = _svgs(page, "main")
    assert "Stillness during holds" in svgs
    holds = int(page.locator("th:text-is('Holds') + td").inner_text())
    assert holds >= 1
    assert _marks(svgs["Stillness during holds"], "rect") == holds
    screenshot(page, "recording-holds")
    from axe_playwright_python.sync_playwright import Axe

    serious = [
        v["id"]
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []

    small = new_page(viewport=phone)
    log_in(small, CLINICIAN)
    small.goto(f"/clinic/recordings/{charted.recording['forward-bends']}")
    small.locator("figure.chart").first.scroll_into_view_if_needed()
    screenshot(small, "recording-phone")


def test_a_recording_of_another_clinicians_patient_is_not_found(
    new_page: Any, charted: Charted, log_in: Any
) -> None:
    page = new_page()
    log_in(page, "clinician-a")
    response = page.goto(f"/clinic/recordings/{charted.recording['day']}")
    assert response.status == 404
    assert page.locator("figure.chart").count() == 0
