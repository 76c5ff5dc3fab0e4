"""The intake document refuses answers its instruments cannot score, with the field named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spinecoach.clinical import Intake, assess
from spinecoach.documents import load_document, parse_document
from spinecoach.errors import DocumentError

PATIENT = {"id": "p1", "age": 40, "sex": "female"}


def _doc(**sections: Any) -> dict[str, Any]:
    return {"patient": PATIENT, **sections}


@pytest.mark.parametrize(
    ("sections", "match"),
    [
        ({"questionnaires": {"odi": [1] * 9}}, r"questionnaires\.odi'.*odi: 9 answers given"),
        ({"questionnaires": {"odi": [1, 1, 7] + [1] * 7}}, r"odi item 3: 7 is outside 0-5"),
        ({"questionnaires": {"start_back": [0] * 8 + [9]}}, r"start_back item 9: 9 is outside"),
        ({"questionnaires": {"rmdq": [2] + [0] * 23}}, r"rmdq item 1: 2 is outside 0-1"),
        ({"questionnaires": {"fabq": [0] * 15 + [7]}}, r"fabq item 16: 7 is outside 0-6"),
        ({"questionnaires": {"nprs": 12}}, r"questionnaires\.nprs"),
        (
            {"questionnaires": {"psfs": [{"activity": "a", "score": 1}] * 2}},
            r"psfs activity 'a' is listed twice",
        ),
        ({"red_flags": ["saddle"]}, r"field 'red_flags'.*red flag 'saddle' is unknown"),
        ({"movement_tests": {"flexion": "sore"}}, r"movement_tests\.flexion"),
        ({"endurance": {"extensor_s": 300}}, r"endurance\.extensor_s"),
    ],
)
def test_bad_sections_name_the_field(sections: dict[str, Any], match: str) -> None:
    with pytest.raises(DocumentError, match=match) as caught:
        parse_document(_doc(**sections), Intake)
    assert "\n" not in str(caught.value)


def test_missing_patient_is_named() -> None:
    with pytest.raises(DocumentError, match=r"field 'patient': Field required"):
        parse_document({"questionnaires": {}}, Intake)


def test_odi_with_too_many_gaps_is_valid_but_unscored() -> None:
    intake = parse_document(_doc(questionnaires={"odi": [None] * 5 + [2] * 5}), Intake)
    result = assess(intake)
    assert result.scores.odi is None
    assert any(f.rule == "odi.not_scorable" for f in result.findings)


def test_yaml_intake_loads(tmp_path: Path) -> None:
    path = tmp_path / "p.intake.yaml"
    path.write_text("patient: {id: p1, age: 40, sex: male}\nquestionnaires:\n  nprs: 4\n")
    assert assess(load_document(path, Intake)).scores.nprs == 4


def test_every_example_is_a_valid_intake(examples_dir: Path) -> None:
    paths = sorted(examples_dir.glob("*.intake.json"))
    names = {p.name.removesuffix(".intake.json") for p in paths}
    assert {
        "desk-worker",
        "manual-worker",
        "runner",
        "older-adult-stenosis",
        "red-flag",
    } <= names
    for path in paths:
        intake = load_document(path, Intake)
        assert intake.patient.id == path.name.removesuffix(".intake.json")
        json.loads(path.read_text())  # plain JSON, no comments


def test_examples_tell_their_story(examples_dir: Path) -> None:
    def load(case: str) -> Any:
        return assess(load_document(examples_dir / f"{case}.intake.json", Intake))

    red = load("red-flag")
    assert (red.red_flags.urgency, red.red_flags.exercise_blocked) == ("emergency", True)
    older = load("older-adult-stenosis")
    assert older.movement.directional_preference == "flexion"
    assert "extension" in older.movement.provoking
    assert older.classification.tbc[0].subgroup == "specific_exercise_flexion"
    desk = load("desk-worker")
    assert desk.movement.directional_preference == "extension"
    assert desk.classification.hicks.meets_rule
    manual = load("manual-worker")
    assert manual.scores.fabq is not None
    assert manual.scores.fabq.work_elevated
    assert manual.classification.tbc[0].subgroup == "manipulation"
    runner = load("runner")
    assert runner.scores.start_back is not None
    assert runner.scores.start_back.stratum == "low"
    for case in (desk, manual, runner, older):
        assert not case.red_flags.exercise_blocked
