"""One call per recording file: the block reader and the worker processes change nothing.

Orientation in worker processes must give exactly what the filter run in this process gives,
and reading the file in blocks exactly what analysing the recording in memory gives.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spinecoach.errors import SensorDataError
from spinecoach.sensors.file_analysis import analyze_file
from spinecoach.sensors.files import read_recording, write_recording
from spinecoach.sensors.monitor import LumbarMonitor
from spinecoach.sensors.recording import FloatArray
from spinecoach.simulate.recording import simulate_recording


class _Angles:
    def __init__(self) -> None:
        self.t: FloatArray = np.empty(0)
        self.deg: FloatArray = np.empty((0, 3))

    def __call__(self, t: FloatArray, deg: FloatArray) -> None:
        self.t, self.deg = t, deg


@pytest.fixture(scope="module")
def day_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic working day (40 min, two sensors at 100 Hz) as Parquet."""
    path = tmp_path_factory.mktemp("day") / "day.parquet"
    write_recording(simulate_recording("day", seconds=2400, seed=8).recording, path)
    return path


@pytest.mark.slow
def test_workers_and_block_reader_equal_the_single_process_path(day_file: Path) -> None:
    in_memory = LumbarMonitor(keep_angles=True)
    in_memory.feed(read_recording(day_file))
    whole = in_memory.finish()
    single, parallel = _Angles(), _Angles()
    blocks = analyze_file(day_file, parallel=False, chunk_rows=20_000, angles=single)
    workers = analyze_file(day_file, parallel=True, chunk_rows=20_000, angles=parallel)
    assert workers.model_dump() == blocks.model_dump() == whole.model_dump()
    assert whole.reps.rep_count > 0
    assert np.array_equal(parallel.t, single.t)
    assert np.array_equal(parallel.deg, single.deg)
    assert np.array_equal(single.deg, in_memory.angles()[1])


def test_workers_with_a_separate_calibration_recording(tmp_path: Path) -> None:
    rec = simulate_recording("forward-bends", seed=2, magnetometer=True).recording
    rate = 100
    cal, rest = rec.slice(0, 8 * rate), rec.slice(8 * rate, len(rec))
    path = tmp_path / "bends.parquet"
    write_recording(rest, path)
    here = analyze_file(path, calibration=cal, parallel=False, chunk_rows=700)
    there = analyze_file(path, calibration=cal, parallel=True, chunk_rows=700)
    assert there.model_dump() == here.model_dump()
    assert there.orientation["lumbar"].startswith("9D")


def test_bad_data_in_a_later_block_is_named_and_the_workers_stop(tmp_path: Path) -> None:
    rec = simulate_recording("forward-bends", seed=3).recording
    rec.sensors["sacrum"].gyr[3000, 1] = np.nan
    path = tmp_path / "bad.parquet"
    write_recording(rec, path)
    with pytest.raises(SensorDataError, match="row 3001") as raised:
        analyze_file(path, parallel=True, chunk_rows=1000)
    assert "sacrum_gyr_y" in str(raised.value)


def test_parallel_by_length_is_off_for_a_short_file(tmp_path: Path) -> None:
    from spinecoach.sensors.orientation_workers import worker_cpu_seconds

    path = tmp_path / "minute.csv"
    write_recording(simulate_recording("day", seconds=60, seed=1).recording, path)
    before = worker_cpu_seconds()
    assert analyze_file(path).samples == 6000
    assert worker_cpu_seconds() == before  # no workers were started
    assert analyze_file(path, parallel=True).samples == 6000


def test_workers_report_their_cpu_time(tmp_path: Path) -> None:
    from spinecoach.sensors.orientation_workers import worker_cpu_seconds

    path = tmp_path / "bends.parquet"
    write_recording(simulate_recording("forward-bends", seed=4).recording, path)
    before = worker_cpu_seconds()
    analyze_file(path, parallel=True)
    assert worker_cpu_seconds() > before


def test_a_worker_reads_its_sensor_exactly_as_the_block_reader_does(tmp_path: Path) -> None:
    from spinecoach.sensors.files import open_recording, parquet_sensor_blocks

    rec = simulate_recording("forward-bends", seed=5, magnetometer=True).recording
    path = tmp_path / "bends.parquet"
    write_recording(rec, path)
    for name in ("lumbar", "sacrum"):
        blocks = [b.sensors[name] for b, _ in open_recording(path, chunk_rows=1500).blocks()]
        pieces = list(parquet_sensor_blocks(path, name, with_mag=True, chunk_rows=1500))
        assert len(pieces) == len(blocks)
        for (gyr, acc, mag), samples in zip(pieces, blocks, strict=True):
            assert np.array_equal(gyr, samples.gyr)
            assert np.array_equal(acc, samples.acc)
            assert mag is not None
            assert samples.mag is not None
            assert np.array_equal(mag, samples.mag)
        without = next(iter(parquet_sensor_blocks(path, name, with_mag=False)))
        assert without[2] is None


def test_workers_that_read_the_file_stop_when_the_analysis_stops_early(tmp_path: Path) -> None:
    from spinecoach.sensors.orientation import OrientationFilter
    from spinecoach.sensors.orientation_workers import OrientationWorkers, worker_cpu_seconds

    rec = simulate_recording("forward-bends", seed=6).recording
    path = tmp_path / "bends.parquet"
    write_recording(rec, path)
    before = worker_cpu_seconds()
    with OrientationWorkers(200, parquet=path) as workers:
        remote = workers("lumbar", 100.0, False)
        first = remote.update(*(rec.sensors["lumbar"].gyr[:50], rec.sensors["lumbar"].acc[:50]))
        lumbar = rec.sensors["lumbar"]
        here = OrientationFilter(100.0).update(lumbar.gyr[:50], lumbar.acc[:50])
        assert np.array_equal(first, here)
    # the worker had a ring of 8 slots of 200 rows to fill, far less than the recording
    assert worker_cpu_seconds() > before
