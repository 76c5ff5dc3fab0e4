"""The driver's decisions, run in this process: what a re-run skips, re-reads or redoes, and
how recordings are gathered into tasks. (Real executors: tests/integration/test_cohort.py.)"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from spinecoach.batch import cohort, results
from spinecoach.batch.cohort import Job, analysis_version, run_cohort
from spinecoach.batch.recordings import FoundRecording
from spinecoach.batch.results import Journal
from spinecoach.sensors.files import write_recording
from spinecoach.sensors.settings import SensorSettings
from spinecoach.simulate.recording import simulate_recording


class InThisProcess(Executor):
    """Runs each job at once in the calling process, and counts the tasks."""

    def __init__(self) -> None:
        self.tasks: list[int] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.tasks.append(len(args[0]))
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for i, scenario in enumerate(["forward-bends", "lateral-bends", "rotations"]):
        path = tmp_path / "cohort" / f"P{i}" / "2026-11-02.parquet"
        path.parent.mkdir(parents=True)
        write_recording(simulate_recording(scenario, seed=i).recording, path)
    return tmp_path / "cohort"


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose checksum the driver computes."""
    calls: list[str] = []
    real = cohort.checksum

    def counting(path: str | Path) -> str:
        calls.append(Path(path).parent.name)
        return real(path)

    monkeypatch.setattr(cohort, "checksum", counting)
    return calls


def test_a_rerun_reads_only_what_changed(folder: Path, tmp_path: Path, hashed: list[str]) -> None:
    out = tmp_path / "features.parquet"
    first = run_cohort(folder, out, InThisProcess(), slots=1)
    assert (first.analysed, first.skipped, sorted(hashed)) == (3, 0, ["P0", "P1", "P2"])
    hashed.clear()

    again = run_cohort(folder, out, InThisProcess(), slots=1)
    assert (again.analysed, again.skipped, hashed) == (0, 3, [])  # untouched: not even read

    touched = folder / "P1" / "2026-11-02.parquet"
    os.utime(touched, ns=(1, 1))  # touched, content unchanged
    changed = folder / "P2" / "2026-11-02.parquet"
    write_recording(simulate_recording("rotations", seed=99).recording, changed)
    old = {r["recording"]: r["checksum"] for r in pq.read_table(out).to_pylist()}
    third = run_cohort(folder, out, InThisProcess(), slots=1)
    assert sorted(hashed) == ["P1", "P2"]
    assert (third.analysed, third.skipped) == (1, 2)
    rows = {r["recording"]: r for r in pq.read_table(out).to_pylist()}
    assert len(rows) == 3
    assert rows["P1/2026-11-02.parquet"]["checksum"] == old["P1/2026-11-02.parquet"]
    assert rows["P2/2026-11-02.parquet"]["checksum"] != old["P2/2026-11-02.parquet"]
    assert rows["P2/2026-11-02.parquet"]["modified_ns"] == changed.stat().st_mtime_ns


def test_other_settings_are_another_analysis(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "features.parquet"
    run_cohort(folder, out, InThisProcess(), slots=1)
    stricter = SensorSettings(sustained_min_s=60.0)
    assert analysis_version(stricter) != analysis_version()
    rerun = run_cohort(folder, out, InThisProcess(), slots=1, settings=stricter)
    assert (rerun.analysed, rerun.skipped) == (3, 0)
    versions = set(pq.read_table(out)["analysis_version"].to_pylist())
    assert versions == {analysis_version(stricter)}


def _job(name: str, size: int) -> Job:
    found = FoundRecording(f"/c/{name}", name, "P", None, "canonical", size, 0)
    return Job(found, "c", "v")


def test_small_recordings_share_a_task_and_large_ones_go_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cohort, "TASK_ROWS", 50)
    monkeypatch.setattr(cohort, "MIN_TASK_ROWS", 10)
    rows = cohort.BYTES_PER_ROW[".parquet"]
    jobs = [_job("big.parquet", 80 * rows), *(_job(f"s{i}.parquet", 4 * rows) for i in range(20))]
    tasks = [[j.found.recording for j in t] for t in cohort._tasks(jobs, slots=2, most=4)]
    assert tasks[0] == ["big.parquet"]
    assert [j for t in tasks for j in t] == [j.found.recording for j in jobs]
    assert all(len(t) <= 4 for t in tasks)
    sizes = [len(t) for t in tasks[1:]]
    assert sizes == sorted(sizes, reverse=True)  # ever smaller to the end
    assert sizes[-1] < sizes[0]


def test_samples_are_judged_by_format() -> None:
    parquet = _job("a.parquet", 100_000).found
    csv = _job("a.csv", 100_000).found
    assert cohort.estimated_rows(parquet) > cohort.estimated_rows(csv) > 0


def test_a_small_cohort_is_spread_over_the_workers(folder: Path, tmp_path: Path) -> None:
    executor = InThisProcess()
    run_cohort(folder, tmp_path / "f.parquet", executor, slots=2)
    assert executor.tasks == [1, 1, 1]
    executor = InThisProcess()
    run_cohort(folder, tmp_path / "g.parquet", executor, slots=1, per_task=2)
    assert executor.tasks == [2, 1]


def test_results_go_into_the_tables_as_they_come_and_nothing_is_read_back(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    real = results._batches

    def reading(path: Path, columns: list[str]) -> Iterator[Any]:
        read.append(path.name)
        return real(path, columns)

    monkeypatch.setattr(results, "_batches", reading)
    out = tmp_path / "f.parquet"
    executor = InThisProcess()
    summary = run_cohort(folder, out, executor, slots=2)
    assert executor.tasks == [1, 1, 1]
    assert read == []  # the journal's parts were written, never read back
    assert summary.features_rows == pq.read_table(out).num_rows == 3
    assert not Journal(out).folder.exists()
    run_cohort(folder, out, InThisProcess(), slots=2)  # all done: the output is carried over
    assert read == [out.name] * 3  # what is done; then, carried over, its keys and its rows
    assert sorted(pq.read_table(out)["recording"].to_pylist()) == [
        "P0/2026-11-02.parquet",
        "P1/2026-11-02.parquet",
        "P2/2026-11-02.parquet",
    ]
