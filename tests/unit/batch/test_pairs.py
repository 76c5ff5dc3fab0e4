"""Xsens DOT exports in pairs: two one-sensor files started together in a patient's folder,
one on the lumbar spine and one on the sacrum, are one recording of a cohort, analysed as
`sensors convert` + `sensors analyze` would analyse them."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from spinecoach.batch.cohort import Job, analysis_version, analyze_jobs, analyze_recording
from spinecoach.batch.features import feature_row
from spinecoach.batch.recordings import checksum, find_recordings
from spinecoach.errors import InputError
from spinecoach.sensors.files import read_recording, write_recording
from spinecoach.sensors.recording import Recording, merge_sensors
from spinecoach.simulate.recording import simulate_recording

LUMBAR = "lumbar_D4CA6EF17860_20261102_090000.csv"
SACRUM = "sacrum_D4CA6EF177E4_20261102_090000.csv"


def _export(rec: Recording, sensor: str, tag: str, path: Path) -> Path:
    """One sensor of ``rec`` as the Xsens DOT app writes it (gyro in deg/s, clock in µs)."""
    samples = rec.sensors[sensor]
    clock = 4_000_000_000 + np.round(rec.t * 1e6).astype(np.int64)
    lines = [
        "sep=,",
        f"DeviceTag:,{tag}",
        "FirmwareVersion:,2.0.0",
        "",
        "PacketCounter,SampleTimeFine,Euler_X,Euler_Y,Euler_Z,Acc_X,Acc_Y,Acc_Z,Gyr_X,Gyr_Y,Gyr_Z",
    ]
    gyr = np.degrees(samples.gyr)
    for i in range(len(rec)):
        a, g = samples.acc[i], gyr[i]
        lines.append(
            f"{i},{clock[i] % 2**32},0,0,0,{a[0]:.9f},{a[1]:.9f},{a[2]:.9f},"
            f"{g[0]:.9f},{g[1]:.9f},{g[2]:.9f}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def pair(tmp_path: Path) -> Path:
    """A cohort with one pair of exports (tags lumbar and sacrum) and one lone export."""
    rec = simulate_recording("forward-bends", seed=3).recording
    folder = tmp_path / "cohort"
    _export(rec, "lumbar", "lumbar", folder / "P001" / LUMBAR)
    _export(rec, "sacrum", "sacrum", folder / "P001" / SACRUM)
    _export(rec, "lumbar", "yao", folder / "P002" / "yao_D4CA6EF177E4_20261102_090000.csv")
    return folder


def test_two_exports_started_together_are_one_recording(pair: Path) -> None:
    found = {f.recording: f for f in find_recordings(pair)}
    both = found[f"P001/{LUMBAR}+{SACRUM}"]
    assert set(found) == {both.recording, "P002/yao_D4CA6EF177E4_20261102_090000.csv"}
    assert (both.patient, both.day, both.file_format) == ("P001", "2026-11-02", "xsens-dot")
    assert both.paths == (str(pair / "P001" / LUMBAR), str(pair / "P001" / SACRUM))
    assert both.size_bytes == sum(Path(p).stat().st_size for p in both.paths)
    assert found["P002/yao_D4CA6EF177E4_20261102_090000.csv"].sacrum is None


def test_a_pair_is_analysed_as_convert_then_analyze(pair: Path, tmp_path: Path) -> None:
    (both,) = [f for f in find_recordings(pair) if f.sacrum]
    (row,) = analyze_jobs([Job(both, None, analysis_version())])
    assert row["status"] == "ok", row["reason"]
    assert set(row["sensors"].split(",")) == {"lumbar", "sacrum"}
    assert row["checksum"] == checksum(*both.paths)

    converted = merge_sensors(
        {
            "lumbar": read_recording(both.path, "xsens-dot", sensor_name="lumbar"),
            "sacrum": read_recording(str(both.sacrum), "xsens-dot", sensor_name="sacrum"),
        }
    )
    write_recording(converted, tmp_path / "both.parquet")
    direct = feature_row(analyze_recording(tmp_path / "both.parquet"))
    assert {k: row[k] for k in direct} == direct


def test_a_changed_sacrum_file_changes_the_pairs_checksum(pair: Path) -> None:
    (both,) = [f for f in find_recordings(pair) if f.sacrum]
    before = checksum(*both.paths)
    with Path(str(both.sacrum)).open("a", encoding="utf-8") as fh:
        fh.write("")  # unchanged
    assert checksum(*both.paths) == before
    Path(str(both.sacrum)).write_text(Path(str(both.sacrum)).read_text() + "\n")
    assert checksum(*both.paths) != before


def test_placement_from_placements_csv_and_unplaced_exports_stay_alone(pair: Path) -> None:
    folder = pair / "P003"
    folder.mkdir()
    for name in (LUMBAR, SACRUM):
        shutil.copy(
            pair / "P001" / name, folder / name.replace("lumbar", "up").replace("sacrum", "low")
        )
    (pair / "placements.csv").write_text("device,sensor\nup,lumbar\nD4CA6EF177E4,Sacrum\n")
    names = {f.recording for f in find_recordings(pair)}
    assert "P003/up_D4CA6EF17860_20261102_090000.csv+low_D4CA6EF177E4_20261102_090000.csv" in names
    assert "placements.csv" not in names

    (pair / "placements.csv").unlink()
    names = {f.recording for f in find_recordings(pair)}
    assert {
        "P003/up_D4CA6EF17860_20261102_090000.csv",
        "P003/low_D4CA6EF177E4_20261102_090000.csv",
    } <= names


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("device\nup\n", "needs the columns device,sensor"),
        ("device,sensor\nup,neck\n", "line 2: sensor 'neck' is not lumbar or sacrum"),
        ("device,sensor\nup,lumbar\n,sacrum\n", "line 3: device is empty"),
    ],
)
def test_a_bad_placements_file_is_named(pair: Path, text: str, message: str) -> None:
    (pair / "placements.csv").write_text(text)
    with pytest.raises(InputError, match=message):
        find_recordings(pair)


def test_real_exports_paired_by_placements(shared_data: Path, tmp_path: Path) -> None:
    """The two real exports (recorded together, tags bei and yao) as one recording."""
    source = shared_data / "xsens-dot"
    folder = tmp_path / "cohort"
    (folder / "P001").mkdir(parents=True)
    names = ["bei_D4CA6EF17860_20210830_170505.csv", "yao_D4CA6EF177E4_20210830_170505.csv"]
    for name in names:
        shutil.copy(source / name, folder / "P001" / name)
    (folder / "placements.csv").write_text("device,sensor\nbei,lumbar\nyao,sacrum\n")

    (both,) = find_recordings(folder)
    assert both.recording == f"P001/{names[0]}+{names[1]}"
    assert both.day == "2021-08-30"
    (row,) = analyze_jobs([Job(both, None, analysis_version())])
    assert row["recording"] == both.recording
    if row["status"] == "ok":  # 16 s of the two sensors together: analysed, with warnings
        assert set(row["sensors"].split(",")) == {"lumbar", "sacrum"}
        assert row["samples"] == min(
            len(read_recording(folder / "P001" / n, "xsens-dot")) for n in names
        )
    else:  # or refused with the reason sensors analyze would give
        assert row["reason"]
        assert "internal error" not in row["reason"]
