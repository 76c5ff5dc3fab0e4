"""Builders shared by the clinic service tests: example documents and a patient on a program."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from spinecoach.services import intake as intake_service
from spinecoach.services import patients, programs
from spinecoach.services.actors import Actor
from spinecoach.store.records import VersionRecord
from spinecoach.store.unit_of_work import UnitOfWork

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
START = dt.datetime(2026, 1, 4, 18, 0, tzinfo=dt.UTC)


def example(name: str) -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / name).read_text(encoding="utf-8")))


def sessions_of(name: str = "desk-worker.sessions.json") -> list[dict[str, Any]]:
    return list(example(name)["sessions"])


def on_program(
    uow: UnitOfWork, clinician: Actor, name: str = "Ann", intake: str = "desk-worker.intake.json"
) -> tuple[str, VersionRecord]:
    """A registered patient whose first program version the clinician approved at START."""
    patient = patients.register_patient(uow, clinician, {"display_name": name}, now=START)
    result = intake_service.submit_intake(uow, clinician, patient.id, example(intake), now=START)
    approved = programs.approve_version(uow, clinician, result.version.id, now=START)
    return patient.id, approved
