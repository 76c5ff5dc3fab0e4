"""The sensor commands end to end, as a user runs them (subprocess: exit codes and stdout)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from spinecoach.cli import main

SPINECOACH = str(Path(sys.executable).with_name("spinecoach"))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SPINECOACH, *args], capture_output=True, text=True, check=False, timeout=120
    )


def test_simulate_then_analyze_then_orient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = tmp_path / "bends.parquet"
    sim = ["simulate", "recording", "--scenario", "forward-bends", "--seed", "2", "--out", str(rec)]
    assert main(sim) == 0
    reps = json.loads(capsys.readouterr().out)["sets"][0]["reps"]
    angles = tmp_path / "angles.csv"
    res = _run("sensors", "analyze", str(rec), "--angles-out", str(angles))  # the installed command
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    result = json.loads(res.stdout)  # JSON, as stdout is not a terminal
    assert result["reps"]["rep_count"] == reps
    assert result["calibration"]["grade"] == "good"
    frame = pd.read_csv(angles)
    assert list(frame.columns) == ["t", "flexion_deg", "lateral_deg", "rotation_deg"]
    assert len(frame) == result["samples"]
    quat = tmp_path / "q.csv"
    assert main(["sensors", "orient", str(rec), "--sensor", "sacrum", "--out", str(quat)]) == 0
    q = pd.read_csv(quat)
    assert list(q.columns) == ["t", "w", "x", "y", "z"]
    norms = (q[["w", "x", "y", "z"]] ** 2).sum(axis=1)
    assert norms.between(0.999, 1.001).all()


def test_bad_recording_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("t,lumbar_acc_x\n0,1\n")
    res = _run("sensors", "analyze", str(bad))
    assert res.returncode == 2
    assert res.stdout == ""
    assert res.stderr.strip() == f"error: {bad}: missing column lumbar_acc_y"


def test_missing_file_and_unknown_sensor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sensors", "analyze", str(tmp_path / "none.csv")]) == 2
    assert "file not found" in capsys.readouterr().err
    rec = tmp_path / "r.csv"
    assert (
        main(
            [
                "simulate",
                "recording",
                "--scenario",
                "standing",
                "--seconds",
                "12",
                "--out",
                str(rec),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        main(["sensors", "orient", str(rec), "--sensor", "thigh", "--out", str(tmp_path / "q.csv")])
        == 2
    )
    assert "--sensor thigh: not in" in capsys.readouterr().err


def test_unknown_scenario_and_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["simulate", "recording", "--scenario", "juggling", "--out", str(tmp_path / "x.csv")])
        == 2
    )
    assert "scenario 'juggling' is unknown" in capsys.readouterr().err
    assert main(["sensors", "analyze", str(tmp_path / "x.csv"), "--format", "movesense"]) == 2
    assert "--format 'movesense' is unknown" in capsys.readouterr().err


def test_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = tmp_path / "sit.csv"
    assert main(["simulate", "recording", "--scenario", "sit-stand", "--out", str(rec)]) == 0
    capsys.readouterr()
    assert main(["sensors", "analyze", str(rec), "--text"]) == 0
    out = capsys.readouterr().out
    assert "calibration: good" in out
    assert "slouch" in out


def test_schema_recording(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "recording"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["properties"]["lumbar_gyr_x"]["unit"] == "rad/s"
    assert schema["properties"]["sacrum_acc_z"]["unit"] == "m/s^2"
    assert "t" in schema["required"]


def test_xsens_dot_export_is_read(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = shared_data / "xsens-dot"
    if not folder.is_dir():
        pytest.skip("no Xsens DOT exports")
    moving = next(folder.glob("yao_*.csv"))
    out = tmp_path / "yao.csv"
    assert (
        main(
            [
                "sensors",
                "orient",
                str(moving),
                "--format",
                "xsens-dot",
                "--sensor",
                "lumbar",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert payload["samples"] == 5900  # 5,901 rows less the start-up row of zeros
    assert payload["sample_rate_hz"] == pytest.approx(120.0, abs=0.1)
    still = next(folder.glob("bei_*.csv"))
    # placement is undocumented: this sensor was worn z down, which calibration must refuse
    assert main(["sensors", "analyze", str(still), "--format", "xsens-dot"]) == 2
    assert "x axis is 90 deg from vertical" in capsys.readouterr().err


def test_help_lists_every_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    from spinecoach.simulate.recording import SCENARIOS

    assert main(["simulate", "recording", "--help"]) == 0
    text = "".join(capsys.readouterr().out.split())  # help text wraps lines anywhere
    for scenario in SCENARIOS:
        assert scenario in text


def test_progress_bar_only_for_long_files_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from spinecoach.commands import sensors as cmd

    with cmd._progress("analysing big.parquet", file_bytes=10**9) as advance:
        advance(5, 10)  # stderr is not a terminal under pytest: nothing is drawn
    assert capsys.readouterr().err == ""
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    with cmd._progress("analysing small.csv", file_bytes=1000) as advance:
        advance(5, 10)
    assert capsys.readouterr().err == ""
    with cmd._progress("analysing big.parquet", file_bytes=10**9) as advance:
        advance(10, 10)
    assert "analysing big.parquet" in capsys.readouterr().err


def test_two_xsens_dot_exports_become_one_recording(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = shared_data / "xsens-dot"
    if not folder.is_dir():
        pytest.skip("no Xsens DOT exports")
    upper, lower = next(folder.glob("bei_*.csv")), next(folder.glob("yao_*.csv"))
    out = tmp_path / "dot.parquet"
    args = ["sensors", "convert", "--lumbar", str(upper), "--sacrum", str(lower), "--out", str(out)]
    assert main(args) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["sensors"] == ["lumbar", "sacrum"]
    assert payload["samples"] == 1952  # the shorter export, less its start-up row
    frame = pd.read_parquet(out)
    assert frame.columns[0] == "t"
    assert frame["lumbar_gyr_x"].abs().max() < 1.0  # rad/s now: the upper-back sensor was still
