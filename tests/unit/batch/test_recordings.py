"""Finding a cohort's recordings: which files, whose, which day, which format, which content."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import xxhash

from spinecoach.batch.recordings import HASH_CHUNK_BYTES, checksum, find_recordings
from spinecoach.errors import InputError

CANONICAL = "t,lumbar_acc_x,lumbar_acc_y,lumbar_acc_z,lumbar_gyr_x,lumbar_gyr_y,lumbar_gyr_z\n"
XSENS = (
    "DeviceTag:,yao\nFirmware Version:,2.0.0\n\n"
    "PacketCounter,SampleTimeFine,Acc_X,Acc_Y,Acc_Z,Gyr_X,Gyr_Y,Gyr_Z\n"
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_patient_day_and_format_from_the_layout(tmp_path: Path) -> None:
    _write(tmp_path / "P001" / "2026-11-02" / "walk.csv", CANONICAL + "0,1,2,3,4,5,6\n" * 50)
    _write(tmp_path / "P001" / "clinic" / "20261103_tests.csv", "\ufeff" + CANONICAL)
    _write(tmp_path / "yao_D4CA6EF177E4_20210830_170505.csv", XSENS)
    _write(tmp_path / "P002" / "data.parquet", "not parquet at all")
    _write(tmp_path / "P002" / "readme.txt", "ignored: not a recording suffix")
    _write(tmp_path / ".hidden.csv", CANONICAL)
    _write(tmp_path / ".out.parquet.parts" / "1-0.parquet", "a journal part")
    _write(tmp_path / "features.parquet", "an earlier output inside the folder")

    found = find_recordings(tmp_path, exclude=[tmp_path / "features.parquet"])

    by_name = {f.recording: f for f in found}
    assert set(by_name) == {
        "P001/2026-11-02/walk.csv",
        "P001/clinic/20261103_tests.csv",
        "yao_D4CA6EF177E4_20210830_170505.csv",
        "P002/data.parquet",
    }
    walk = by_name["P001/2026-11-02/walk.csv"]
    assert (walk.patient, walk.day, walk.file_format) == ("P001", "2026-11-02", "canonical")
    assert by_name["P001/clinic/20261103_tests.csv"].day == "2026-11-03"
    vendor = by_name["yao_D4CA6EF177E4_20210830_170505.csv"]
    assert (vendor.patient, vendor.day, vendor.file_format) == ("yao", "2021-08-30", "xsens-dot")
    assert by_name["P002/data.parquet"].day is None
    assert by_name["P002/data.parquet"].file_format == "canonical"
    assert found[0] is walk  # largest first, so long recordings start early
    assert Path(walk.path).is_absolute()
    assert walk.size_bytes == (tmp_path / walk.recording).stat().st_size


def test_the_file_name_date_wins_and_impossible_dates_are_not_days(tmp_path: Path) -> None:
    _write(tmp_path / "P1" / "2026-01-05" / "20260107.csv", CANONICAL)
    _write(tmp_path / "P1" / "2026-01-05" / "20261399_x.csv", CANONICAL)
    _write(tmp_path / "P1" / "device123456789.csv", CANONICAL)
    days = {f.recording: f.day for f in find_recordings(tmp_path)}
    assert days == {
        "P1/2026-01-05/20260107.csv": "2026-01-07",
        "P1/2026-01-05/20261399_x.csv": "2026-01-05",
        "P1/device123456789.csv": None,
    }


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nowhere: not a folder"):
        find_recordings(tmp_path / "nowhere")


def test_the_checksum_follows_the_content_not_the_name(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.csv", CANONICAL + "0,1,2,3,4,5,6\n")
    b = _write(tmp_path / "b.csv", CANONICAL + "0,1,2,3,4,5,6\n")
    c = _write(tmp_path / "c.csv", CANONICAL + "0,1,2,3,4,5,7\n")
    assert checksum(a) == checksum(b)
    assert checksum(a) != checksum(c)
    assert checksum(a) == xxhash.xxh3_128(a.read_bytes()).hexdigest()


def test_the_checksum_of_files_larger_than_a_chunk_is_of_all_their_bytes(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    first, second = tmp_path / "lumbar.csv", tmp_path / "sacrum.csv"
    first.write_bytes(rng.bytes(2 * HASH_CHUNK_BYTES + 12_345))  # the last chunk is short
    second.write_bytes(rng.bytes(HASH_CHUNK_BYTES))
    both = first.read_bytes() + second.read_bytes()
    assert checksum(first, second) == xxhash.xxh3_128(both).hexdigest()  # earlier runs' keys
    assert checksum(first) == xxhash.xxh3_128(first.read_bytes()).hexdigest()


def test_threads_hashing_at_once_each_get_their_files_digest(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    files = []
    for i in range(8):
        files.append(tmp_path / f"r{i}.parquet")
        files[-1].write_bytes(rng.bytes(HASH_CHUNK_BYTES + 1000 * i))
    expected = [xxhash.xxh3_128(f.read_bytes()).hexdigest() for f in files]
    with ThreadPoolExecutor(4) as threads:  # as a Dask worker with several threads
        assert list(threads.map(checksum, files * 4)) == expected * 4


def test_links_to_folders_hidden_names_and_excluded_paths_are_not_entered(tmp_path: Path) -> None:
    elsewhere = _write(tmp_path / "elsewhere" / "x.csv", CANONICAL + "0,1,2,3,4,5,6\n")
    cohort = tmp_path / "cohort"
    _write(cohort / "P1" / "a.csv", CANONICAL + "0,1,2,3,4,5,6\n")
    _write(cohort / "P1" / ".hidden" / "b.csv", CANONICAL + "0,1,2,3,4,5,6\n")
    _write(cohort / "P1" / ".c.csv", CANONICAL + "0,1,2,3,4,5,6\n")
    _write(cohort / "P1" / "out" / "d.csv", CANONICAL + "0,1,2,3,4,5,6\n")
    (cohort / "P2").mkdir()
    (cohort / "P2" / "folder").symlink_to(elsewhere.parent, target_is_directory=True)
    (cohort / "P2" / "file.csv").symlink_to(elsewhere)
    found = find_recordings(cohort, exclude=[cohort / "P1" / "out"])
    assert [(f.recording, f.patient) for f in found] == [("P1/a.csv", "P1"), ("P2/file.csv", "P2")]
    assert found[1].path == str(cohort / "P2" / "file.csv")  # by the name it is found under
    assert found[1].size_bytes == elsewhere.stat().st_size
