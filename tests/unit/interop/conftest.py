"""Patient records built from the repository's example documents."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from spinecoach.clinical import Intake
from spinecoach.documents import load_document
from spinecoach.exercises import Catalogue, load_catalogue
from spinecoach.interop import PatientRecord, SensorSummary, program_versions
from spinecoach.outcomes.timeline import Timeline
from spinecoach.prescription.program import Program
from spinecoach.sessions import SessionLog

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"
START = dt.date(2026, 1, 5)


def sensor_summaries() -> list[SensorSummary]:
    raw = json.loads((DATA / "desk-worker.sensors.json").read_text(encoding="utf-8"))
    return [SensorSummary.model_validate(item) for item in raw]


def desk_worker_record(sessions: str = "desk-worker.sessions.json") -> PatientRecord:
    """The desk worker's whole course: intake, program, sessions, timeline and sensors."""
    intake = load_document(EXAMPLES / "desk-worker.intake.json", Intake)
    program = load_document(EXAMPLES / "desk-worker.program.json", Program)
    return PatientRecord.from_intake(
        intake,
        clinic_name="Riverside Physiotherapy",
        intake_date=START,
        programs=program_versions([program], START),
        sessions=[load_document(EXAMPLES / sessions, SessionLog)],
        timeline=load_document(EXAMPLES / "desk-worker.timeline.json", Timeline),
        sensors=sensor_summaries(),
        name="Alex Example",
        birth_date=dt.date(1991, 8, 14),
        as_of=dt.date(2026, 3, 30),
    )


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def record() -> PatientRecord:
    return desk_worker_record()


@pytest.fixture(scope="session")
def flagged_record() -> PatientRecord:
    """The same course with a red flag raised at a session check-in."""
    return desk_worker_record("desk-worker-red-flag.sessions.json")
