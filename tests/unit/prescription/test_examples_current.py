"""The committed example programs are what the engine prescribes today.

After a deliberate change to the engine or the catalogue, regenerate them with
``SPINECOACH_UPDATE_EXAMPLES=1 .venv/bin/pytest tests/unit/prescription/test_examples_current.py``
and review the diff like any other change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spinecoach.clinical import Intake, assess
from spinecoach.documents import dump_json, load_document
from spinecoach.exercises import Catalogue
from spinecoach.prescription import Overrides, prescribe
from spinecoach.prescription.program import Program

ROOT = Path(__file__).resolve().parents[3]
CASES = sorted(
    p.name.removesuffix(".intake.json") for p in (ROOT / "examples").glob("*.intake.json")
)


def test_every_example_intake_has_a_case() -> None:
    assert {"desk-worker", "older-adult-stenosis", "red-flag"} <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_example_program_is_current(case: str, examples_dir: Path, catalogue: Catalogue) -> None:
    assessment = assess(load_document(examples_dir / f"{case}.intake.json", Intake))
    program = prescribe(assessment, assessment.patient, catalogue)
    expected = dump_json(program) + "\n"
    path = examples_dir / f"{case}.program.json"
    if os.environ.get("SPINECOACH_UPDATE_EXAMPLES") == "1":
        path.write_text(expected, encoding="utf-8")
    assert path.exists(), f"{path.name} is missing; regenerate the examples"
    assert path.read_text(encoding="utf-8") == expected, f"{path.name} is out of date"
    assert load_document(path, Program) == program


def test_desk_worker_overrides_example_applies(examples_dir: Path, catalogue: Catalogue) -> None:
    assessment = assess(load_document(examples_dir / "desk-worker.intake.json", Intake))
    overrides = load_document(examples_dir / "desk-worker.overrides.json", Overrides)
    program = prescribe(assessment, assessment.patient, catalogue, overrides)
    by_id = {e.id: e for e in program.exercises}
    excluded = {e.id: [r.rule for r in e.reasons] for e in program.excluded}
    assert by_id["open_book"].pinned
    assert excluded["mcgill_curl_up"][0] == "override.refused_safety"
    assert excluded["dead_bug_heel_tap"][0] == "override.excluded"
    assert by_id["tra_drawing_in"].dose.hold_s == 8
    for item in program.exercises:
        assert "wrist_pain" not in catalogue.get(item.id).contraindications
