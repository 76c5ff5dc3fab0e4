"""`spinecoach adapt`, `spinecoach outcomes` and `spinecoach simulate course` end to end."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from spinecoach.cli import main

SPINECOACH = Path(sys.executable).parent / "spinecoach"


@pytest.fixture(scope="module")
def program_file(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Path:
    """The desk worker's program, prescribed from the example intake."""
    from spinecoach.clinical import assess
    from spinecoach.clinical.intake import Intake
    from spinecoach.documents import dump_json, load_document
    from spinecoach.exercises import load_catalogue
    from spinecoach.prescription.prescribe import prescribe

    intake = load_document(examples_dir / "desk-worker.intake.json", Intake)
    program = prescribe(assess(intake), intake.patient, load_catalogue())
    path = tmp_path_factory.mktemp("program") / "desk-worker.program.json"
    path.write_text(dump_json(program), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _edited(examples_dir: Path, tmp_path: Path, edit: Any) -> Path:
    raw = json.loads((examples_dir / "desk-worker.sessions.json").read_text())
    edit(raw)
    path = tmp_path / "sessions.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_adapt_prints_the_next_version_with_changes(
    capsys: pytest.CaptureFixture[str], program_file: Path, examples_dir: Path
) -> None:
    code, out, err = run(
        capsys,
        "adapt",
        str(program_file),
        str(examples_dir / "desk-worker.sessions.json"),
        "--json",
    )
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["program"]["version"] == 2
    assert result["program"]["approved_by"] is None
    actions = {c["action"] for c in result["changes"]}
    assert "progress" in actions
    assert all("from" in c and c["reasons"] for c in result["changes"])


def test_adapt_readable_text_and_settings_file(
    capsys: pytest.CaptureFixture[str], program_file: Path, examples_dir: Path
) -> None:
    code, out, _ = run(
        capsys,
        "adapt",
        str(program_file),
        str(examples_dir / "desk-worker.sessions.json"),
        "--settings",
        str(examples_dir / "desk-worker.settings.json"),
        "--text",
    )
    assert code == 0
    assert out.startswith("Program desk-worker version 2")
    assert "at 4/10 or below" in out  # the clinic's stricter ceiling from the settings file


@pytest.mark.parametrize(
    ("example", "status"),
    [("desk-worker-flare", "paused"), ("desk-worker-red-flag", "referral")],
)
def test_adapt_example_cases(
    capsys: pytest.CaptureFixture[str],
    program_file: Path,
    examples_dir: Path,
    example: str,
    status: str,
) -> None:
    code, out, _ = run(
        capsys, "adapt", str(program_file), str(examples_dir / f"{example}.sessions.json")
    )
    assert code == 0
    result = json.loads(out)
    assert result["program"]["status"] == status
    if status == "referral":
        assert result["program"]["exercises"] == []
        assert result["program"]["referral"]["urgency"] == "emergency"


def _set_first(key: str, value: Any) -> Any:
    def edit(raw: dict[str, Any]) -> None:
        raw["sessions"][0][key] = value

    return edit


def _unknown_exercise(raw: dict[str, Any]) -> None:
    raw["sessions"][1]["exercises"][0]["id"] = "plank_on_one_hand"


def _out_of_order(raw: dict[str, Any]) -> None:
    raw["sessions"][2]["date"] = "2026-01-01"


@pytest.mark.parametrize(
    "case",
    [
        (_unknown_exercise, r"sessions\.1\.exercises\.0\.id 'plank_on_one_hand'.*not in program"),
        (
            _set_first("pain_after", 11),
            r"field 'sessions\.0\.pain_after'.*less than or equal to 10",
        ),
        (_set_first("pain_before", -2), r"field 'sessions\.0\.pain_before'"),
        (_out_of_order, r"strictly increasing date order"),
        (_set_first("red_flags", ["sore_toe"]), r"red flag 'sore_toe' is unknown"),
    ],
)
def test_bad_sessions_give_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    program_file: Path,
    examples_dir: Path,
    tmp_path: Path,
    case: tuple[Any, str],
) -> None:
    edit, message = case
    sessions = _edited(examples_dir, tmp_path, edit)
    code, out, err = run(capsys, "adapt", str(program_file), str(sessions))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert re.search(message, err), err


def test_malformed_files_and_settings(
    capsys: pytest.CaptureFixture[str], program_file: Path, examples_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"patient_id": "desk-worker", "sessions": [', encoding="utf-8")
    code, _, err = run(capsys, "adapt", str(program_file), str(broken))
    assert code == 2
    assert "malformed JSON at line 1" in err
    code, _, err = run(capsys, "adapt", str(program_file), str(tmp_path / "missing.json"))
    assert (code, "file not found" in err) == (2, True)
    settings = tmp_path / "settings.json"
    settings.write_text('{"progress_max_nprs": 9}', encoding="utf-8")
    sessions = str(examples_dir / "desk-worker.sessions.json")
    code, _, err = run(capsys, "adapt", str(program_file), sessions, "--settings", str(settings))
    assert code == 2
    assert "progress_max_nprs must be below flare_peak_nprs" in err


def test_outcomes_summary(capsys: pytest.CaptureFixture[str], examples_dir: Path) -> None:
    timeline = str(examples_dir / "desk-worker.timeline.json")
    code, out, _ = run(capsys, "outcomes", timeline, "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["felt_better"] is True
    assert summary["functioned_better"] is True
    assert summary["recovered"] == {"rmdq": True, "nprs": False}
    assert summary["adherence"]["alert"] is True
    code, out, _ = run(capsys, "outcomes", timeline, "--text")
    assert "felt better (pain):        yes" in out
    assert "ALERT non-adherence" in out


def test_outcomes_bad_timeline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "timeline.json"
    bad.write_text(json.dumps({"patient_id": "p", "measurements": []}), encoding="utf-8")
    code, _, err = run(capsys, "outcomes", str(bad))
    assert code == 2
    assert "field 'measurements'" in err


def test_simulate_course_writes_the_whole_course(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, examples_dir: Path
) -> None:
    out_file = tmp_path / "course.json"
    code, out, _ = run(
        capsys, "simulate", "course", "--weeks", "4", "--seed", "3", "--out", str(out_file)
    )
    assert code == 0
    written = json.loads(out_file.read_text())
    assert len(written["log"]) == 4
    # stdout says what was written, not the document again
    assert json.loads(out) == {
        "patient_id": written["intake"]["patient"]["id"],
        "weeks": 4,
        "out": str(out_file),
    }
    intake = str(examples_dir / "desk-worker.intake.json")
    code, out, _ = run(capsys, "simulate", "course", "--weeks", "2", "--intake", intake, "--text")
    assert code == 0
    assert out.startswith("Simulated course for desk-worker")


def test_simulate_course_rejects_bad_weeks(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "simulate", "course", "--weeks", "0")
    assert code == 2
    assert "--weeks 0 is out of range" in err


@pytest.mark.parametrize("command", [["simulate", "course"], ["seed-demo"]])
def test_a_negative_seed_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, _, err = run(capsys, *command, "--seed", "-1")
    assert code == 2
    assert err.startswith("error: ")
    assert "--seed" in err
    assert err.count("\n") == 1


def test_example_session_logs_match_the_prescribed_program(
    program_file: Path, examples_dir: Path
) -> None:
    from spinecoach.documents import load_document
    from spinecoach.prescription.program import Program
    from spinecoach.sessions.model import SessionLog, check_against_program

    program = load_document(program_file, Program)
    for path in sorted(examples_dir.glob("desk-worker*.sessions.json")):
        check_against_program(load_document(path, SessionLog), program)


def test_installed_command_exit_codes(program_file: Path, examples_dir: Path) -> None:
    sessions = str(examples_dir / "desk-worker.sessions.json")
    ok = subprocess.run(
        [str(SPINECOACH), "adapt", str(program_file), sessions],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0
    assert json.loads(ok.stdout)["program"]["version"] == 2
    bad = subprocess.run(
        [str(SPINECOACH), "adapt", str(program_file), str(program_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.startswith("error: ")
    assert bad.stderr.count("\n") == 1
    assert "Traceback" not in bad.stderr


def test_simulated_course_with_a_pain_profile(
    capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    intake = str(examples_dir / "desk-worker.intake.json")
    code, out, _ = run(
        capsys,
        "simulate",
        "course",
        "--intake",
        intake,
        "--weeks",
        "3",
        "--pain-profile",
        "rises",
        "--json",
    )
    assert code == 0
    course = json.loads(out)
    assert course["pain_profile"] == "rises"
    assert all(c["action"] != "progress" for w in course["log"] for c in w["changes"])
    code, _, err = run(capsys, "simulate", "course", "--weeks", "2", "--pain-profile", "bad")
    assert code == 2
    assert "--pain-profile 'bad' is unknown" in err
