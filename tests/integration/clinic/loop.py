"""Builders shared by the clinic service tests: example documents and a patient on a program."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

from spinecoach.clinical import Intake, assess
from spinecoach.exercises import load_catalogue
from spinecoach.prescription import prescribe
from spinecoach.prescription.program import Program
from spinecoach.services import intake as intake_service
from spinecoach.services import patients, programs
from spinecoach.services.actors import Actor
from spinecoach.store.records import VersionRecord
from spinecoach.store.unit_of_work import UnitOfWork

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
START = dt.datetime(2026, 1, 4, 18, 0, tzinfo=dt.UTC)


def example(name: str) -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / name).read_text(encoding="utf-8")))


@functools.cache
def _first_program() -> Program:
    """What ``submit_intake`` proposes for the desk-worker intake (the same pure functions)."""
    intake = Intake.model_validate(example("desk-worker.intake.json"))
    assessment = assess(intake)
    return prescribe(assessment, assessment.patient, load_catalogue())


def sessions_of(name: str = "desk-worker.sessions.json") -> list[dict[str, Any]]:
    """The example's sessions (dates, pain, effort) doing every exercise of the first program
    in full, so they stay valid whatever the prescription rules choose."""
    done = [
        {
            "id": e.id,
            "sets": e.dose.sets,
            "reps": e.dose.reps,
            "hold_s": e.dose.hold_s,
            "load_kg": e.dose.load_kg,
            "duration_min": e.dose.duration_min,
            "completed": True,
            "rpe": 3,
        }
        for e in _first_program().exercises
    ]
    return [{**s, "exercises": [dict(d) for d in done]} for s in example(name)["sessions"]]


def exercise_id() -> str:
    """An exercise of the first program (for recordings)."""
    return _first_program().exercises[0].id


def on_program(
    uow: UnitOfWork, clinician: Actor, name: str = "Ann", intake: str = "desk-worker.intake.json"
) -> tuple[str, VersionRecord]:
    """A registered patient whose first program version the clinician approved at START."""
    patient = patients.register_patient(uow, clinician, {"display_name": name}, now=START)
    result = intake_service.submit_intake(uow, clinician, patient.id, example(intake), now=START)
    approved = programs.approve_version(uow, clinician, result.version.id, now=START)
    return patient.id, approved
