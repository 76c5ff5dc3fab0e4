"""`spinecoach catalogue` end to end: list, filter, show, illustration, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from spinecoach.cli import main
from spinecoach.commands.catalogue import describe_dose
from spinecoach.exercises import Exercise, load_catalogue

SPINECOACH = Path(sys.executable).parent / "spinecoach"


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    captured = capsys.readouterr()
    assert captured.err == ""
    return json.loads(captured.out)


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("error: ")
    return captured.err


def test_bare_catalogue_lists_every_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "--json"]) == 0
    listed = _json(capsys)
    assert isinstance(listed, list)
    assert [item["id"] for item in listed] == load_catalogue().ids
    assert {"id", "name", "ladder", "level", "phase", "purpose", "mode", "loads"} <= set(listed[0])


def test_list_subcommand_filters_by_every_tag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "list", "--tag", "big3", "--tag", "side_bridge", "--json"]) == 0
    listed = _json(capsys)
    assert isinstance(listed, list)
    assert listed
    assert all({"big3", "side_bridge"} <= set(item["tags"]) for item in listed)


def test_filters_by_purpose_and_equipment(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["catalogue", "--purpose", "strength", "--equipment", "pulley", "--json"]
    assert main(argv) == 0
    listed = _json(capsys)
    assert isinstance(listed, list)
    ids = {item["id"] for item in listed}
    assert "chop_standing" in ids
    assert "kettlebell_deadlift" not in ids  # needs a kettlebell, which was not offered
    assert all(item["purpose"] == "strength" for item in listed)
    assert all(set(item["equipment"]) <= {"pulley"} for item in listed)


def test_text_is_a_table_with_a_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "--tag", "directional_extension", "--text"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["id", "name", "ladder"]
    assert lines[1].startswith("prone_lying")
    assert lines[-1] == "4 exercises"


def test_no_match_is_not_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "--tag", "pulley", "--equipment", "chair", "--text"]) == 0
    assert capsys.readouterr().out.strip() == "no exercises match"


def test_show_gives_the_whole_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "show", "mcgill_curl_up", "--json"]) == 0
    shown = _json(capsys)
    assert isinstance(shown, dict)
    assert shown["id"] == "mcgill_curl_up"
    assert shown["dose"]["pyramid"] == [6, 4, 2]
    assert shown["education"]
    assert shown["easier"] == "curl_up_head_lift"


def test_show_text_reads_like_a_handout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "show", "pallof_press", "--text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Anti-rotation press with cable  (pallof_press)")
    assert "dose: 2 sets of 10 reps at 5 kg, per side, rest 60 s (load steps of 1.25 kg)" in out
    assert "  1. " in out
    assert "why it matters: " in out


@pytest.mark.parametrize(
    ("exercise_id", "expected"),
    [
        ("bird_dog_holds", "dose: 3 sets of 6, then 4, then 2 holds of 10 s, per side, rest 30 s"),
        ("prone_lying", "dose: 1 set of 1 hold of 120 s"),
        ("walking_brisk", "dose: 1 set of 20 min"),
    ],
)
def test_show_text_states_the_dose(
    capsys: pytest.CaptureFixture[str], exercise_id: str, expected: str
) -> None:
    assert main(["catalogue", "show", exercise_id, "--text"]) == 0
    assert expected in capsys.readouterr().out.splitlines()


def test_show_writes_the_illustration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "bird_dog.svg"
    assert main(["catalogue", "show", "bird_dog", "--svg-out", str(out_file), "--json"]) == 0
    shown = _json(capsys)
    assert isinstance(shown, dict)
    assert shown["illustration"] == str(out_file)
    root = ET.fromstring(out_file.read_text(encoding="utf-8"))
    assert root.findtext("{http://www.w3.org/2000/svg}title") == "Bird dog, opposite arm and leg"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["catalogue", "--tag", "bigg3"], "tag 'bigg3' is unknown; did you mean: big3"),
        (["catalogue", "list", "--equipment", "barbell"], "equipment 'barbell' is unknown"),
        (["catalogue", "--purpose", "fun"], "purpose 'fun' is unknown"),
        (["catalogue", "--mode", "isometric"], "mode 'isometric' is unknown"),
        (["catalogue", "show", "bird_dgo"], "exercise 'bird_dgo' is unknown; did you mean"),
        (
            ["catalogue", "--tag", "big3", "show", "bird_dog"],
            "filters only narrow a list: 'catalogue show' takes none",
        ),
        (["catalogue", "--phase-max", "7"], "--phase-max"),
        (["catalogue", "show"], "Missing argument 'ID'"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert main(argv) == 2
    assert expected in _one_line_error(capsys)


def test_unwritable_svg_path_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing-folder" / "x.svg"
    assert main(["catalogue", "show", "bird_dog", "--svg-out", str(target)]) == 2
    assert f"--svg-out {target}: cannot write" in _one_line_error(capsys)


def test_installed_command_prints_json_when_piped() -> None:
    done = subprocess.run(
        [str(SPINECOACH), "catalogue", "--tag", "side_bridge"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert [item["id"] for item in listed][:2] == ["side_bridge_wall", "side_bridge_knees"]


def test_installed_command_unknown_id_exits_2_without_traceback() -> None:
    done = subprocess.run(
        [str(SPINECOACH), "catalogue", "show", "no_such_drill"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: exercise 'no_such_drill' is unknown")
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("exercise", list(load_catalogue()), ids=lambda e: e.id)
def test_every_dose_reads_in_plain_words(exercise: Exercise) -> None:
    words = describe_dose(exercise.dose)
    assert words.startswith(f"{exercise.dose.sets} set")
    assert "None" not in words
    assert ("per side" in words) == exercise.dose.per_side
