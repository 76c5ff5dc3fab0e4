"""`spinecoach score`, `assess` and `demo` end to end: JSON out, readable text, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from spinecoach.cli import main
from spinecoach.clinical import Assessment, Intake
from spinecoach.commands import demo as demo_module

SPINECOACH = Path(sys.executable).parent / "spinecoach"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


# --- score ------------------------------------------------------------------------------------


def test_score_odi_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "score", "odi", "2", "2", "2", "2", "2", "2", "1", "1", "1", "1")
    assert code == 0
    assert json.loads(out) == {
        "instrument": "odi",
        "scorable": True,
        "percent": 32.0,
        "answered": 10,
        "band": "moderate",
    }


def test_score_odi_with_a_skipped_section(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "score", "odi", *["2", "2", "2", "2", "2", "2", "2", "-", "1", "1"])
    assert code == 0
    assert json.loads(out)["percent"] == 35.56


def test_score_start_back_high(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "score", "start_back", *["0", "0", "0", "0", "1", "1", "1", "1", "3"]
    )
    result = json.loads(out)
    assert (code, result["total"], result["psychosocial"], result["stratum"]) == (0, 5, 5, "high")
    assert "psychologically informed" in result["matched_care"]


def test_score_psfs_names_and_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "score", "psfs", "walking=4", "6", "tying shoes=5")
    result = json.loads(out)
    assert code == 0
    assert result["activities"] == {"walking": 4, "activity 2": 6, "tying shoes": 5}
    assert result["mean"] == 5


def test_score_rmdq_fabq_and_nprs(capsys: pytest.CaptureFixture[str]) -> None:
    assert json.loads(run(capsys, "score", "rmdq", *(["1"] * 5 + ["0"] * 19))[1])["score"] == 5
    fabq = json.loads(run(capsys, "score", "fabq", *(["6"] * 16))[1])
    assert (fabq["physical_activity"], fabq["work"], fabq["work_elevated"]) == (24, 42, True)
    assert json.loads(run(capsys, "score", "nprs", "7")[1]) == {
        "instrument": "nprs",
        "scorable": True,
        "score": 7,
    }


def test_score_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "score", "--text", "odi", *["2", "2", "2", "2", "2", "2", "2", "-", "1", "1"]
    )
    assert code == 0
    assert out == "ODI 35.56 %: moderate disability (9 of 10 sections answered)\n"
    _, out, _ = run(
        capsys, "score", "--text", "start_back", *["1", "1", "1", "1", "0", "0", "0", "0", "0"]
    )
    assert out.startswith("STarT Back medium risk: total 4/9")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["rmdq", *(["1"] * 2 + ["0"] * 22)], "RMDQ 2/24 (recovered range)"),
        (["nprs", "4"], "NPRS 4/10"),
        (["psfs", "walking=4", "stairs=7"], "PSFS mean 5.5/10 (walking 4, stairs 7)"),
        (["fabq", *(["6"] * 16)], "FABQ physical activity 24/24 elevated, work 42/42 elevated"),
    ],
)
def test_score_text_per_instrument(
    capsys: pytest.CaptureFixture[str], args: list[str], line: str
) -> None:
    code, out, _ = run(capsys, "score", "--text", *args)
    assert code == 0
    assert out == line + "\n"


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["score", "odi", "1", "2"], ["odi: 2 answers given; 10 are expected", "0-5"]),
        (
            ["score", "odi", *["1", "1", "7", "1", "1", "1", "1", "1", "1", "1"]],
            ["odi item 3: 7 is outside 0-5"],
        ),
        (
            ["score", "odi", *["1", "1", "x", "1", "1", "1", "1", "1", "1", "1"]],
            ["odi item 3: 'x'", "0-5"],
        ),
        (
            ["score", "start_back", *["0", "0", "0", "0", "0", "0", "0", "0", "5"]],
            ["start_back item 9", "0-4"],
        ),
        (["score", "nprs", "-1"], ["nprs item 1: -1 is outside 0-10"]),
        (["score", "nprs", "4", "5"], ["nprs: 2 answers given", "0-10"]),
        (["score", "psfs", "walking=11"], ["psfs item 1: 11 is outside 0-10"]),
        (["score", "psfs", "walking=-"], ["psfs item 1", "0-10"]),
        (["score", "psfs"], ["psfs: 0 activities given; 1-5"]),
        (["score", "pain", "3"], ["instrument 'pain' is unknown", "start_back, odi"]),
    ],
)
def test_score_bad_input(
    capsys: pytest.CaptureFixture[str], args: list[str], fragments: list[str]
) -> None:
    code, out, err = run(capsys, *args)
    assert out == ""
    assert_one_line_error(code, err, *fragments)


# --- assess -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", ["desk-worker", "manual-worker", "runner", "older-adult-stenosis", "red-flag"]
)
def test_assess_examples_json(
    capsys: pytest.CaptureFixture[str], examples_dir: Path, case: str
) -> None:
    code, out, _ = run(capsys, "assess", str(examples_dir / f"{case}.intake.json"))
    assert code == 0
    assessment = Assessment.model_validate_json(out)
    assert assessment.patient.id == case
    assert assessment.findings


def test_assess_text_shows_the_red_flag_first(
    capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    code, out, _ = run(capsys, "assess", "--text", str(examples_dir / "red-flag.intake.json"))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Assessment of red-flag: 52 y, male, driver"
    assert lines[2] == "Red flags: EMERGENCY (EXERCISE BLOCKED)"
    assert "ces_saddle_anaesthesia" in out
    assert "Findings (rule: conclusion [source])" in out


def test_assess_yaml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "p.intake.yaml"
    path.write_text(
        "patient:\n  id: p1\n  age: 30\n  sex: female\nquestionnaires:\n"
        "  odi: [2, 2, 2, 2, 2, 2, 1, 1, 1, 1]\nmovement_tests:\n  flexion: centralizes\n"
    )
    code, out, _ = run(capsys, "assess", str(path))
    result = json.loads(out)
    assert code == 0
    assert result["scores"]["odi"]["percent"] == 32.0
    assert result["movement"]["directional_preference"] == "flexion"


@pytest.mark.parametrize(
    ("name", "text", "fragments"),
    [
        ("bad.json", '{"patient": {"id": "p", ', ["malformed JSON at line 1"]),
        ("bad.yaml", "patient: [1, 2\n", ["malformed YAML"]),
        (
            "noage.json",
            '{"patient": {"id": "p", "sex": "male"}}',
            ["field 'patient.age'", "required"],
        ),
        ("nopatient.json", '{"red_flags": []}', ["field 'patient'"]),
        (
            "flag.json",
            '{"patient": {"id": "p", "age": 40, "sex": "male"}, "red_flags": ["bladder"]}',
            ["red flag 'bladder' is unknown", "valid ids: ces_bladder"],
        ),
        (
            "odi.json",
            '{"patient": {"id": "p", "age": 40, "sex": "male"}, "questionnaires": {"odi": [1, 9]}}',
            ["questionnaires.odi", "odi: 2 answers given; 10 are expected"],
        ),
        (
            "range.json",
            '{"patient": {"id": "p", "age": 40, "sex": "male"},'
            ' "questionnaires": {"fabq": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,8]}}',
            ["fabq item 16: 8 is outside 0-6"],
        ),
    ],
)
def test_assess_bad_documents(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    text: str,
    fragments: list[str],
) -> None:
    path = tmp_path / name
    path.write_text(text)
    code, out, err = run(capsys, "assess", str(path))
    assert out == ""
    assert_one_line_error(code, err, name, *fragments)


def test_assess_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "assess", str(tmp_path / "absent.json"))
    assert_one_line_error(code, err, "absent.json: file not found")


# --- demo -------------------------------------------------------------------------------------


def test_demo_walks_the_desk_worker(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo")
    assert code == 0
    assert "1. Intake" in out
    assert "2. Assessment" in out
    assert "Assessment of desk-worker" in out
    assert "Directional preference: extension" in out


def test_demo_continues_to_the_program_and_a_course(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--weeks", "4")
    assert code == 0
    program = out[out.index("3. Program") : out.index("4. A simulated 4-week course")]
    assert "Exercise program for desk-worker" in program
    assert "Why it is in your program" in program
    assert "Loads flexion, a direction that makes this patient's pain worse" in program
    course = out[out.index("4. A simulated 4-week course") :]
    assert "Simulated course for desk-worker" in course
    assert "change from baseline" in course
    code, again, _ = run(capsys, "demo", "--weeks", "4")
    assert again == out


def test_demo_falls_back_to_the_packaged_copy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo_module, "_checkout_examples", lambda: tmp_path)
    code, out, _ = run(capsys, "demo")
    assert code == 0
    assert "package copy of desk-worker.intake.json" in out
    assert "Assessment of desk-worker" in out


def test_packaged_example_matches_the_repository_one(examples_dir: Path) -> None:
    shipped = (
        Path(demo_module.__file__).parents[1] / "clinical" / "examples" / demo_module.DEMO_EXAMPLE
    )
    assert shipped.read_text() == (examples_dir / demo_module.DEMO_EXAMPLE).read_text()


# --- through the installed command ------------------------------------------------------------


def _spinecoach(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SPINECOACH), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_installed_command_scores_and_fails_cleanly(tmp_path: Path) -> None:
    ok = _spinecoach("score", "start_back", *["1", "1", "1", "1", "0", "0", "0", "0", "0"])
    assert ok.returncode == 0
    assert json.loads(ok.stdout)["stratum"] == "medium"
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    failed = _spinecoach("assess", str(bad))
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert failed.stderr.startswith("error: ")
    assert failed.stderr.count("\n") == 1
    unknown = _spinecoach("score", "odx", "1")
    assert unknown.returncode == 2
    assert "instrument 'odx' is unknown" in unknown.stderr


def test_installed_demo_runs() -> None:
    done = _spinecoach("demo")
    assert done.returncode == 0
    assert "Assessment of desk-worker" in done.stdout


# --- simulate patients ------------------------------------------------------------------------


def test_simulate_patients_lists_valid_intakes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "simulate", "patients", "--count", "4", "--seed", "5")
    assert code == 0
    intakes = [Intake.model_validate(raw) for raw in json.loads(out)]
    assert [i.patient.id for i in intakes] == ["sim-00000", "sim-00001", "sim-00002", "sim-00003"]
    _, again, _ = run(capsys, "simulate", "patients", "--count", "4", "--seed", "5")
    assert again == out


def test_simulate_patients_writes_files_that_assess(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "cohort"
    code, out, err = run(
        capsys, "simulate", "patients", "--count", "3", "--red-flag-rate", "1", "--out", str(folder)
    )
    assert code == 0
    assert out == ""
    assert "wrote 3 intakes" in err
    paths = sorted(folder.glob("*.intake.json"))
    assert len(paths) == 3
    code, out, _ = run(capsys, "assess", str(paths[0]))
    assert code == 0
    assert Assessment.model_validate_json(out).red_flags.hits


def test_simulate_patients_bad_count(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "simulate", "patients", "--count", "0")
    assert out == ""
    assert_one_line_error(code, err, "--count")


# --- skipped items are never the best case (issue: missing data read as good news) ----------


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["start_back", *["-"] * 9], "STarT Back not scorable: items 1, 2, 3, 4, 5, 6, 7, 8 and 9"),
        (["rmdq", *["-"] * 24], "RMDQ not scorable: 24 of 24 items skipped"),
        (["fabq", *["-"] * 16], "FABQ not scorable"),
        (["odi", *["-"] * 3, *["1"] * 7], "ODI not scorable: 3 of 10 sections skipped"),
    ],
)
def test_all_skipped_is_not_scorable_not_the_best_score(
    capsys: pytest.CaptureFixture[str], args: list[str], text: str
) -> None:
    code, out, err = run(capsys, "score", *args)
    payload = json.loads(out)
    assert (code, err, payload["scorable"], payload["instrument"]) == (0, "", False, args[0])
    assert "stratum" not in payload
    assert "score" not in payload
    assert "percent" not in payload
    code, out, _ = run(capsys, "score", "--text", *args)
    assert out.startswith(text)
    assert "low risk" not in out
    assert "0/24" not in out
    assert "recovered" not in out


def _desk_intake(tmp_path: Path, examples_dir: Path, change: object) -> Path:
    doc = json.loads((examples_dir / "desk-worker.intake.json").read_text())
    change(doc)  # type: ignore[operator]
    path = tmp_path / "changed.intake.json"
    path.write_text(json.dumps(doc))
    return path


def test_incomplete_start_back_is_physio_led_phase_one_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, examples_dir: Path
) -> None:
    def skip_5_to_9(doc: dict[str, Any]) -> None:
        doc["questionnaires"]["start_back"][4:9] = [None] * 5

    path = _desk_intake(tmp_path, examples_dir, skip_5_to_9)
    code, out, _ = run(capsys, "prescribe", str(path))
    program = json.loads(out)
    assert (code, program["care_pathway"], program["phase"]) == (0, "physio_led", 1)
    assert program["advice"][0]["rule"] == "stratum.not_scorable"
    assert "items 5, 6, 7, 8 and 9 skipped" in program["advice"][0]["text"]
    assert program["phase_reasons"][0]["rule"] == "phase.1.unstratified"


def test_absent_start_back_is_physio_led_phase_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, examples_dir: Path
) -> None:
    path = _desk_intake(tmp_path, examples_dir, lambda d: d["questionnaires"].pop("start_back"))
    program = json.loads(run(capsys, "prescribe", str(path))[1])
    assert (program["care_pathway"], program["phase"]) == ("physio_led", 1)
    assert program["advice"][0]["rule"] == "stratum.missing"


def test_intake_without_a_red_flag_screen_gets_no_program_but_screen_first(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, examples_dir: Path
) -> None:
    def only_patient(doc: dict[str, Any]) -> None:
        for key in [k for k in doc if k != "patient"]:
            del doc[key]

    path = _desk_intake(tmp_path, examples_dir, only_patient)
    assessment = json.loads(run(capsys, "assess", str(path))[1])
    assert assessment["red_flags"]["screened"] is False
    assert assessment["findings"][0]["rule"] == "red_flags.not_screened"
    _code, out, _ = run(capsys, "assess", "--text", str(path))
    assert "Red flags: NOT SCREENED" in out
    assert "Red flags: screened" not in out
    program = json.loads(run(capsys, "prescribe", str(path))[1])
    assert (program["status"], program["exercises"]) == ("referral", [])
    assert program["referral"]["kind"] == "screen_first"
    assert program["phase_reasons"][0]["rule"] == "red_flag.not_screened"
    text = run(capsys, "prescribe", "--text", str(path))[1]
    assert "SCREEN FIRST" in text
    assert "red-flag questions" in text


def test_an_empty_red_flag_list_is_a_screen_with_none_positive(
    capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    out = run(capsys, "assess", "--text", str(examples_dir / "desk-worker.intake.json"))[1]
    assert "Red flags: screened, none reported" in out
    program = json.loads(run(capsys, "prescribe", str(examples_dir / "desk-worker.intake.json"))[1])
    assert program["status"] == "active"
