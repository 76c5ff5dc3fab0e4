"""Malformed recordings: each problem is one line on stderr, exit 2, naming the row/column."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinecoach.cli import main
from spinecoach.sensors.files import write_recording
from spinecoach.sensors.monitor import analyze
from spinecoach.simulate.recording import simulate_recording

Frame = pd.DataFrame


@pytest.fixture(scope="module")
def clean() -> Frame:
    rec = simulate_recording("forward-bends", seed=1).recording
    return pd.DataFrame(rec.columns())


def _run(
    tmp_path: Path, frame: Frame, capsys: pytest.CaptureFixture[str], name: str = "rec.csv"
) -> str:
    path = tmp_path / name
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    code = main(["sensors", "analyze", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    return err


def _edit(fn: Callable[[Frame], Frame | None]) -> Callable[[Frame], Frame]:
    def apply(frame: Frame) -> Frame:
        copy = frame.copy()
        out = fn(copy)
        return copy if out is None else out

    return apply


def _set(row: int, col: str, value: float) -> Callable[[Frame], Frame]:
    return _edit(lambda f: f.__setitem__(col, f[col].where(f.index != row - 1, value)))


def _clip(f: Frame) -> None:
    f.loc[2000:2005, "lumbar_acc_x"] = 39.2266


def _as_g(f: Frame) -> None:
    for c in [c for c in f.columns if "_acc_" in c]:
        f[c] = f[c] / 9.81


def _deg(f: Frame) -> None:
    for c in [c for c in f.columns if "_gyr_" in c]:
        f[c] = np.degrees(f[c])


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_set(300, "t", 2.9), r"row 300 column t: time goes backwards"),
        (_set(300, "t", 2.98), r"row 300 column t: duplicate time stamp"),
        (
            _set(1234, "lumbar_gyr_y", float("nan")),
            r"row 1234 column lumbar_gyr_y: nan is not a finite",
        ),
        (
            _set(77, "sacrum_acc_z", float("inf")),
            r"row 77 column sacrum_acc_z: inf is not a finite",
        ),
        (_edit(_clip), r"row 2001 column lumbar_acc_x: clipped at 39.23"),
        (_edit(_as_g), r"columns (lumbar|sacrum)_acc_\*: .*looks like g"),
        (_edit(_deg), r"column (sacrum|lumbar)_gyr_.: .* rad/s is impossible .* deg/s"),
        (_edit(lambda f: f.drop(columns="sacrum_gyr_z")), r"missing column sacrum_gyr_z"),
        (_edit(lambda f: f.assign(heart_rate=70.0)), r"column 'heart_rate' is not part"),
        (_edit(lambda f: f.drop(columns="t")), r"missing column t"),
        (
            _edit(lambda f: f.assign(t=f["t"] * 100)),
            r"column t: sample rate 1.0 Hz is outside 25-1000",
        ),
        (_edit(lambda f: f.assign(t=f["t"] / 20)), r"column t: sample rate 2000.0 Hz is outside"),
        (
            _edit(lambda f: f.iloc[800:].reset_index(drop=True)),
            r"no calibration period: rows 1-500 .* not quiet standing",
        ),
        (_edit(lambda f: f.iloc[:300]), r"recording too short: 3.0 s"),
        (_edit(lambda f: f.iloc[:700]), r"recording too short: 7.0 s; needs at least 10 s"),
        (
            _edit(lambda f: f.drop(columns=[c for c in f.columns if c.startswith("lumbar")])),
            r"no lumbar sensor",
        ),
        (_set(12, "lumbar_acc_x", "abc"), r"row 12 column lumbar_acc_x: 'abc' is not a number"),  # type: ignore[arg-type]
    ],
)
def test_malformed_recording_names_row_or_column(
    tmp_path: Path,
    clean: Frame,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[Frame], Frame],
    expected: str,
) -> None:
    err = _run(tmp_path, edit(clean), capsys)
    assert re.search(expected, err), err


def test_malformed_parquet_too(
    tmp_path: Path, clean: Frame, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _run(tmp_path, _set(4321, "sacrum_gyr_x", float("nan"))(clean), capsys, "rec.parquet")
    assert "row 4321 column sacrum_gyr_x" in err


def test_upside_down_sensor_is_named(
    tmp_path: Path, clean: Frame, capsys: pytest.CaptureFixture[str]
) -> None:
    flipped = clean.copy()
    for q in ("acc", "gyr"):
        flipped[f"lumbar_{q}_x"] *= -1
        flipped[f"lumbar_{q}_z"] *= -1
    err = _run(tmp_path, flipped, capsys)
    assert re.search(r"sensor lumbar: its x axis is 1[78]\d deg from vertical", err), err


def test_short_gap_is_bridged_and_long_gap_splits(tmp_path: Path, clean: Frame) -> None:
    frame = clean.drop(index=range(2000, 2003)).copy()  # 30 ms missing: bridged
    frame.loc[frame.index >= 3000, "t"] += 5.0  # 5 s gap: split
    path = tmp_path / "gaps.csv"
    frame.to_csv(path, index=False)
    from spinecoach.sensors.files import read_recording

    result = analyze(read_recording(path))
    assert [(g.row, g.split) for g in result.gaps] == [(2001, False), (2998, True)]
    assert result.gaps[1].length_s == pytest.approx(5.0, abs=0.02)
    assert any("split the recording" in w and "row 2998" in w for w in result.warnings)
    assert any("short gap" in w for w in result.warnings)


def test_gap_in_the_middle_of_a_set_splits_it(tmp_path: Path) -> None:
    syn = simulate_recording("forward-bends", seed=1)
    frame = pd.DataFrame(syn.recording.columns())
    middle = int(np.searchsorted(frame["t"], 28.0))
    frame.loc[middle:, "t"] += 30.0
    path = tmp_path / "split.parquet"
    frame.to_parquet(path)
    from spinecoach.sensors.files import read_recording

    result = analyze(read_recording(path))
    assert sum(s.count for s in result.reps.sets) + len(result.movements) >= 7
    assert all(s.end_s < 28.5 or s.start_s > 57.5 for s in result.reps.sets)


def test_separate_calibration_recording(
    tmp_path: Path, clean: Frame, capsys: pytest.CaptureFixture[str]
) -> None:
    standing = simulate_recording("standing", seconds=10, seed=1).recording
    cal_path = tmp_path / "cal.csv"
    write_recording(standing, cal_path)
    moving = clean.iloc[900:].reset_index(drop=True)
    rec_path = tmp_path / "moving.csv"
    moving.to_csv(rec_path, index=False)
    assert main(["sensors", "analyze", str(rec_path), "--calibration", str(cal_path)]) == 0
    out = capsys.readouterr().out
    assert '"source": "calibration recording"' in out


def test_slow_movement_with_gyro_in_deg_s_is_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Below 35 rad/s a deg/s gyro passes the range check; the tilt comparison catches it."""
    rec = simulate_recording("lateral-bends", seed=1).recording
    frame = pd.DataFrame(rec.columns())
    assert np.degrees(frame["lumbar_gyr_z"].abs().max()) < 35
    _deg(frame)
    err = _run(tmp_path, frame, capsys)
    assert re.search(
        r"columns lumbar_gyr_\*: the gyro turns 5\d times as far as the accelerometer tilts", err
    ), err
    path = tmp_path / "slow.csv"
    frame.to_csv(path, index=False)
    assert (
        main(
            ["sensors", "orient", str(path), "--sensor", "lumbar", "--out", str(tmp_path / "q.csv")]
        )
        == 2
    )
    assert "looks like deg/s" in capsys.readouterr().err


@settings(max_examples=60, deadline=None)
@given(
    row=st.integers(min_value=1, max_value=5300),
    column=st.sampled_from(
        [f"{s}_{q}_{a}" for s in ("lumbar", "sacrum") for q in ("acc", "gyr") for a in "xyz"]
    ),
    bad=st.sampled_from([float("nan"), float("inf"), float("-inf")]),
    block=st.integers(min_value=50, max_value=6000),
)
def test_any_bad_sample_is_named_by_row_and_column(
    clean: Frame, row: int, column: str, bad: float, block: int
) -> None:
    from spinecoach.errors import SensorDataError
    from spinecoach.sensors.recording import Recording, SensorSamples
    from spinecoach.sensors.validation import RecordingValidator

    frame = clean.copy()
    frame.loc[row - 1, column] = bad

    def block3(sensor: str, quantity: str) -> np.ndarray:
        return frame[[f"{sensor}_{quantity}_{a}" for a in "xyz"]].to_numpy()

    sensors = {s: SensorSamples(block3(s, "acc"), block3(s, "gyr")) for s in ("lumbar", "sacrum")}
    rec = Recording(frame["t"].to_numpy(), sensors)
    validator = RecordingValidator(100.0)

    def check_in_blocks() -> None:
        for start in range(0, len(rec), block):
            validator.check(rec.slice(start, start + block))

    with pytest.raises(SensorDataError, match=rf"^row {row} column {column}: "):
        check_in_blocks()


def test_deg_s_gyro_is_caught_in_a_later_block_when_the_start_is_still() -> None:
    """The unit check keeps looking until a block has enough tilting to decide."""
    from spinecoach.errors import SensorDataError
    from spinecoach.sensors.monitor import LumbarMonitor
    from spinecoach.sensors.recording import Recording, SensorSamples
    from spinecoach.sensors.settings import SensorSettings

    rec = simulate_recording("lateral-bends", seed=1).recording
    scale = np.where(np.arange(len(rec)) < 800, 1.0, np.degrees(1.0))[:, None]
    in_deg = Recording(
        rec.t, {n: SensorSamples(s.acc, s.gyr * scale) for n, s in rec.sensors.items()}
    )
    monitor = LumbarMonitor(SensorSettings(flexion_axis_from_bend=False))
    monitor.feed(in_deg.slice(0, 800))  # 8 s of standing: nothing to compare yet
    assert monitor.samples_processed == 800

    def feed_rest() -> None:
        for start in range(800, len(in_deg), 500):
            monitor.feed(in_deg.slice(start, start + 500))

    with pytest.raises(SensorDataError, match=r"rows \d+-\d+\); it looks like deg/s"):
        feed_rest()


def test_still_start_with_gyro_in_deg_s_gets_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.DataFrame(simulate_recording("standing", seconds=30, seed=2).recording.columns())
    _deg(frame)
    err = _run(tmp_path, frame, capsys)
    assert "no calibration period: rows 1-500" in err
    assert "the accelerometer is still, so is the gyro in deg/s? give rad/s" in err
