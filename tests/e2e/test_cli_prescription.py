"""`spinecoach prescribe` end to end: JSON and text output, options, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spinecoach.cli import main

ROOT = Path(__file__).resolve().parents[2]
SPINECOACH = Path(sys.executable).parent / "spinecoach"
DESK = str(ROOT / "examples" / "desk-worker.intake.json")


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("error: ")
    return captured.err


def test_prescribe_prints_the_program_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prescribe", DESK, "--format", "json"]) == 0
    program = json.loads(capsys.readouterr().out)
    assert program["patient_id"] == "desk-worker"
    assert program["status"] == "active"
    assert program["exercises"]
    for item in program["exercises"]:
        assert {"id", "name", "purpose", "mode", "loads", "level", "dose", "reasons"} <= set(item)


def test_prescribe_text_is_a_handout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prescribe", DESK, "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Exercise program for desk-worker")
    assert "Why it is in your program:" in out


def test_json_and_text_flags_work_as_on_every_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["prescribe", DESK, "--text"]) == 0
    assert capsys.readouterr().out.startswith("Exercise program for desk-worker")
    assert main(["prescribe", DESK, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["patient_id"] == "desk-worker"
    assert main(["prescribe", DESK, "--json", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["patient_id"] == "desk-worker"
    assert main(["prescribe", DESK, "--text", "--format", "json"]) == 2  # a contradiction
    assert "--format json contradicts --text" in capsys.readouterr().err


def test_equipment_and_minutes_replace_the_intake(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["prescribe", DESK, "--equipment", "none", "--minutes", "10", "--format", "json"]) == 0
    )
    program = json.loads(capsys.readouterr().out)
    assert program["minutes_per_session"] == 10
    assert sum(e["minutes"] for e in program["exercises"]) <= 10
    equipment_excluded = [
        e for e in program["excluded"] if any(r["rule"] == "safety.equipment" for r in e["reasons"])
    ]
    assert equipment_excluded


def test_overrides_file_is_applied(capsys: pytest.CaptureFixture[str]) -> None:
    overrides = str(ROOT / "examples" / "desk-worker.overrides.json")
    assert main(["prescribe", DESK, "--overrides", overrides, "--format", "json"]) == 0
    program = json.loads(capsys.readouterr().out)
    pinned = [e["id"] for e in program["exercises"] if e["pinned"]]
    assert "open_book" in pinned


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--equipment", "mat,barbell"], "error: --equipment: 'barbell' is unknown"),
        (["--minutes", "3"], "error: minutes: 3 is too short for a session"),
        (["--minutes", "many"], "Invalid value for '--minutes'"),
        (["--format", "pdf"], "'pdf' is not one of"),
    ],
)
def test_bad_options_are_one_line_errors(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prescribe", DESK, *args]) == 2
    assert expected in _one_line_error(capsys)


def test_override_naming_an_unknown_exercise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overrides = tmp_path / "overrides.json"
    overrides.write_text(json.dumps({"pin": ["bird_dogg"]}))
    assert main(["prescribe", DESK, "--overrides", str(overrides)]) == 2
    err = _one_line_error(capsys)
    assert "overrides.pin: exercise 'bird_dogg' is unknown; did you mean: bird_dog" in err


def test_override_dose_outside_bounds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("doses:\n  bird_dog:\n    hold_s: 60\n")
    assert main(["prescribe", DESK, "--overrides", str(overrides)]) == 2
    assert "overrides.doses.bird_dog.hold_s: 60 is outside" in _one_line_error(capsys)


def test_malformed_overrides_document_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overrides = tmp_path / "overrides.json"
    overrides.write_text(json.dumps({"contraindications": ["sore_toe"]}))
    assert main(["prescribe", DESK, "--overrides", str(overrides)]) == 2
    assert "field 'contraindications.0'" in _one_line_error(capsys)


def test_missing_intake_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prescribe", "no-such-intake.json"]) == 2
    assert "file not found" in _one_line_error(capsys)


def test_subprocess_json_by_default_when_piped() -> None:
    done = subprocess.run(
        [str(SPINECOACH), "prescribe", DESK], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["patient_id"] == "desk-worker"


def test_subprocess_impossible_budget_exits_2_with_one_line() -> None:
    done = subprocess.run(
        [str(SPINECOACH), "prescribe", DESK, "--minutes", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert (
        done.stderr
        == "error: minutes: 2 is too short for a session; at least 5 minutes are needed\n"
    )


def test_subprocess_unknown_equipment_exits_2() -> None:
    done = subprocess.run(
        [str(SPINECOACH), "prescribe", DESK, "--equipment", "rowing_machine"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: --equipment: 'rowing_machine' is unknown")
    assert done.stderr.count("\n") == 1


def test_schema_overrides_is_published(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "overrides"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"pin", "exclude", "doses", "contraindications"} <= set(schema["properties"])


def test_same_program_whatever_the_hash_seed() -> None:
    overrides = str(ROOT / "examples" / "desk-worker.overrides.json")
    outputs = set()
    for seed in ("1", "2"):
        done = subprocess.run(
            [str(SPINECOACH), "prescribe", DESK, "--overrides", overrides],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_budget_that_cannot_hold_the_pinned_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overrides = tmp_path / "overrides.json"
    overrides.write_text(json.dumps({"doses": {"walking_brisk": {"duration_min": 40}}}))
    assert main(["prescribe", DESK, "--overrides", str(overrides), "--minutes", "10"]) == 2
    err = _one_line_error(capsys)
    assert err.startswith("error: minutes: 10 minutes cannot hold this program")


def test_handout_is_plain_words_for_the_patient(capsys: pytest.CaptureFixture[str]) -> None:
    pregnancy = str(ROOT / "examples" / "pregnancy.intake.json")
    assert main(["prescribe", pregnancy, "--handout"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Exercise program for pregnancy")
    assert "[" not in out  # no rule ids
    assert "Left out" not in out
    assert "When to stop" in out
    assert main(["prescribe", pregnancy, "--format", "text"]) == 0
    clinician = capsys.readouterr().out
    assert "[health.pregnancy.position]" in clinician or "health.pregnancy" in clinician
    assert "Left out, and why" in clinician


def test_a_bad_health_section_is_one_line_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = json.loads(Path(DESK).read_text(encoding="utf-8"))
    raw["health"] = {"pregnancy_weeks": "twenty"}
    bad = tmp_path / "bad.intake.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    assert main(["prescribe", str(bad), "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert "health.pregnancy_weeks" in err
    assert err.count("\n") == 1
