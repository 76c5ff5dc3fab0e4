"""The cohort pipeline on real executors: a Dask LocalCluster with process workers, the local
process pool, and direct calls of the analysis, on one small synthetic cohort with bad files.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Executor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyarrow import feather

from spinecoach.batch.cohort import analysis_version, analyze_recording, run_cohort
from spinecoach.batch.executor import ClusterExecutor, make_executor, worker_slots
from spinecoach.batch.features import FEATURE_SCHEMA, MEASURES, feature_row
from spinecoach.batch.recordings import find_recordings
from spinecoach.batch.results import Journal, OutputTables
from spinecoach.cli import main
from spinecoach.sensors.files import write_recording
from spinecoach.simulate.recording import simulate_recording

pytestmark = pytest.mark.slow

MEASURE_NAMES = [name for name, _ in MEASURES]


def _cohort(folder: Path) -> dict[str, str]:
    """Six good recordings (two patients, two days, CSV and Parquet) and four bad files.

    Returns the bad files' names with the start of their failure reason.
    """
    plan = [
        ("P001/2026-11-02/morning.parquet", "forward-bends", None, 1),
        ("P001/2026-11-02/afternoon.csv", "day", 90.0, 2),
        ("P001/2026-11-03/bends.parquet", "lateral-bends", None, 3),
        ("P002/2026-11-02/birddog.parquet", "bird-dog", None, 4),
        ("P002/2026-11-03/day.parquet", "day", 240.0, 5),
        ("P002_20261104_standing.csv", "standing", 30.0, 6),
    ]
    for name, scenario, seconds, seed in plan:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_recording(simulate_recording(scenario, seconds=seconds, seed=seed).recording, path)
    good = (folder / "P001/2026-11-02/morning.parquet").read_bytes()
    (folder / "P001/2026-11-02/truncated.parquet").write_bytes(good[: len(good) // 2])
    short = folder / "P002/2026-11-03/short.parquet"
    write_recording(simulate_recording("standing", seconds=8.0, seed=7).recording, short)
    text = (folder / "P001/2026-11-02/afternoon.csv").read_text().splitlines()
    text[40] = "oops," + text[40].split(",", 1)[1]
    (folder / "P001/2026-11-02/typo.csv").write_text("\n".join(text) + "\n")
    (folder / "P002/notes.csv").write_text("visit,comment\n1,fine\n")
    return {
        "P001/2026-11-02/truncated.parquet": "not a readable Parquet file",
        "P002/2026-11-03/short.parquet": "recording too short",
        "P001/2026-11-02/typo.csv": "row 40 column t: 'oops' is not a number",
        "P002/notes.csv": "missing column t (time in seconds)",
    }


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("cohort")
    return folder, _cohort(folder)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A real Dask cluster on this machine: a scheduler and two worker processes, with the
    settings README "Cohorts" recommends (workers without MALLOC_TRIM_THRESHOLD_)."""
    import dask
    from distributed import LocalCluster

    from spinecoach.batch.executor import DASK_SETTINGS

    with (
        dask.config.set(DASK_SETTINGS),
        LocalCluster(  # any free port for its web server (None still takes 8787)
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as local,
    ):
        yield local.scheduler_address


@pytest.fixture(scope="module")
def pool() -> Iterator[Executor]:
    """The local process pool, two workers, shared by the tests of this module."""
    with make_executor(workers=2) as executor:
        yield executor


def _run(folder: Path, out: Path, executor: Executor) -> pd.DataFrame:
    run_cohort(folder, out, executor, slots=worker_slots(executor))
    return _sorted(pq.read_table(out).to_pandas())


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("recording").reset_index(drop=True)


def _direct(folder: Path) -> pd.DataFrame:
    """The features by calling the analysis directly, one recording after another."""
    rows = []
    for found in find_recordings(folder):
        try:
            analysis = analyze_recording(found.path, found.file_format)
        except Exception:
            continue
        rows.append({"recording": found.recording, **feature_row(analysis)})
    schema = pa.schema([("recording", pa.string()), *MEASURES])
    return _sorted(pa.Table.from_pylist(rows, schema=schema).to_pandas())


def test_dask_cluster_local_pool_and_direct_calls_agree(
    cohort: tuple[Path, dict[str, str]], cluster: str, pool: Executor, tmp_path: Path
) -> None:
    folder, bad = cohort
    with make_executor(scheduler=cluster) as on_cluster:
        assert isinstance(on_cluster, ClusterExecutor)
        assert on_cluster.workers_trimming_malloc() == 0  # the recommended settings hold
        on_dask = _run(folder, tmp_path / "dask.parquet", on_cluster)
    on_pool = _run(folder, tmp_path / "pool.parquet", pool)
    direct = _direct(folder)
    assert len(on_dask) == 6
    assert on_dask.columns.tolist() == FEATURE_SCHEMA.names
    pd.testing.assert_frame_equal(on_dask, on_pool)
    pd.testing.assert_frame_equal(on_dask[["recording", *MEASURE_NAMES]], direct)
    by_name = on_dask.set_index("recording")
    assert by_name.loc["P002_20261104_standing.csv", "patient"] == "P002"
    assert str(by_name.loc["P002_20261104_standing.csv", "day"]) == "2026-11-04"
    assert str(by_name.loc["P001/2026-11-03/bends.parquet", "day"]) == "2026-11-03"
    assert (on_dask["analysis_version"] == analysis_version()).all()
    assert by_name.loc["P001/2026-11-02/morning.parquet", "rep_count"] > 0
    failures = pq.read_table(tmp_path / "dask.failures.parquet").to_pandas()
    assert dict(zip(failures["recording"], failures["reason"], strict=True)).keys() == bad.keys()
    days = pq.read_table(tmp_path / "dask.days.parquet").to_pandas()
    assert len(days) == 5  # P001 on two days, P002 on three
    assert days["recordings"].sum() == 6
    assert days["duration_s"].sum() == pytest.approx(on_dask["duration_s"].sum())


def test_every_bad_file_is_a_failure_with_its_reason(
    cohort: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, bad = cohort
    out = tmp_path / "features.parquet"
    code = main(["batch", str(folder), "--out", str(out), "--workers", "1", "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["found"], summary["analysed"], summary["failed"]) == (10, 6, 4)
    failures = pq.read_table(OutputTables.beside(out).failures).to_pandas()
    reasons = dict(zip(failures["recording"], failures["reason"], strict=True))
    assert reasons.keys() == bad.keys()
    for name, start in bad.items():
        assert reasons[name].startswith(start), reasons[name]
        assert "\n" not in reasons[name]
        assert str(folder) not in reasons[name]  # the recording column names the file
    assert set(failures["error"]) == {"SensorDataError"}
    assert not Journal(out).folder.exists()


def test_a_rerun_skips_what_is_done_and_retries_failures(
    cohort: tuple[Path, dict[str, str]], pool: Executor, tmp_path: Path
) -> None:
    folder, bad = cohort
    copy = tmp_path / "cohort"
    shutil.copytree(folder, copy)
    out = tmp_path / "features.parquet"
    first = run_cohort(copy, out, pool, slots=2)
    (copy / "P002/notes.csv").unlink()  # the clinic removes a stray file
    fixed = simulate_recording("standing", seconds=20.0, seed=8).recording
    write_recording(fixed, copy / "P002/2026-11-03/short.parquet")  # and re-exports one
    second = run_cohort(copy, out, pool, slots=2)
    assert (first.analysed, first.failed) == (6, 4)
    assert (second.found, second.skipped, second.analysed, second.failed) == (9, 6, 1, 2)
    features = pq.read_table(out).to_pandas()
    assert len(features) == 7
    assert "P002/2026-11-03/short.parquet" in set(features["recording"])
    failures = pq.read_table(second.tables.failures).to_pandas()
    assert set(failures["recording"]) == set(bad) - {
        "P002/notes.csv",
        "P002/2026-11-03/short.parquet",
    }


def _spinecoach_batch(folder: Path, out: Path) -> subprocess.Popen[bytes]:
    """``spinecoach batch`` in its own process group (so its workers can be killed with it)."""
    command = [sys.executable, "-m", "spinecoach.cli", "batch", str(folder), "--out", str(out)]
    return subprocess.Popen(
        [*command, "--workers", "1", "--per-task", "1", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def test_a_killed_run_resumes_without_redoing_finished_work(
    pool: Executor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cohort"
    out = tmp_path / "features.parquet"
    for i in range(3):  # a first, complete run over three recordings
        path = folder / f"P{i:03d}" / "2026-11-01.parquet"
        path.parent.mkdir(parents=True)
        write_recording(simulate_recording("forward-bends", seed=i).recording, path)
    run_cohort(folder, out, pool, slots=2)
    before = pq.read_table(out).to_pandas()
    for i in range(8):  # eight more recordings arrive
        path = folder / f"P{i:03d}" / "2026-11-02.parquet"
        path.parent.mkdir(exist_ok=True)
        write_recording(simulate_recording("day", seconds=300.0, seed=10 + i).recording, path)

    journal = Journal(out)
    run = _spinecoach_batch(folder, out)
    deadline = time.monotonic() + 300
    while not journal.parts() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL, "the run ended before it could be killed"

    pd.testing.assert_frame_equal(pq.read_table(out).to_pandas(), before)  # not corrupted
    finished = {r for p in journal.parts() for r in feather.read_table(p)["recording"].to_pylist()}
    assert 1 <= len(finished) < 8

    code = main(["batch", str(folder), "--out", str(out), "--workers", "1", "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["skipped"] == 3 + len(finished)
    assert summary["analysed"] == 8 - len(finished)
    after = _sorted(pq.read_table(out).to_pandas())
    assert len(after) == 11
    assert after["recording"].is_unique
    pd.testing.assert_frame_equal(after[["recording", *MEASURE_NAMES]], _direct(folder))
    assert not journal.folder.exists()


@pytest.mark.realdata
def test_a_vendor_export_is_recognised_and_its_failure_explained(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    export = "yao_D4CA6EF177E4_20210830_170505.csv"
    shutil.copy(shared_data / "xsens-dot" / export, folder / export)
    out = tmp_path / "features.parquet"
    assert main(["batch", str(folder), "--out", str(out), "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    failures = pq.read_table(OutputTables.beside(out).failures).to_pylist()
    assert len(failures) == 1
    row = failures[0]
    assert (row["patient"], str(row["day"]), row["format"]) == ("yao", "2021-08-30", "xsens-dot")
    assert main(["sensors", "analyze", str(folder / export), "--format", "xsens-dot"]) == 2
    cli_error = capsys.readouterr().err.strip().removeprefix("error: ")
    assert row["reason"] == cli_error


def test_on_the_cluster_a_job_whose_worker_is_killed_runs_again(cluster: str) -> None:
    with make_executor(scheduler=cluster) as executor:
        assert isinstance(executor, ClusterExecutor)
        assert executor.submit(math.factorial, 6).result(timeout=120) == 720  # workers are up
        # a job's own keyword arguments are its own, even when Dask has one of the same name
        assert executor.submit(sorted, [3, -1, 2], key=abs).result(timeout=120) == [-1, 2, 3]
        sleeping = executor.submit(time.sleep, 2.0)
        time.sleep(0.5)
        pids = executor.client.run(os.getpid)
        for pid in pids.values():
            os.kill(pid, signal.SIGKILL)  # every worker process dies; the nannies restart them
        assert sleeping.result(timeout=300) is None
        assert set(executor.client.run(os.getpid).values()).isdisjoint(pids.values())


def test_a_long_recording_is_analysed_in_the_worker_process_itself(
    cluster: str, tmp_path: Path
) -> None:
    """Dask workers are daemonic processes, which may not start processes of their own: a
    cohort parallelises across recordings, and each recording, however long, is analysed
    in the one worker process that holds it."""
    folder = tmp_path / "cohort"
    path = folder / "P001" / "2026-11-02.parquet"
    path.parent.mkdir(parents=True)
    write_recording(simulate_recording("day", seconds=3700.0, seed=3).recording, path)
    with make_executor(scheduler=cluster) as executor:
        summary = run_cohort(folder, tmp_path / "features.parquet", executor, slots=2)
    assert (summary.analysed, summary.failed) == (1, 0)
    assert summary.samples == 370_000


def test_a_cluster_with_dasks_default_malloc_setting_is_noticed() -> None:
    """Dask's own default (MALLOC_TRIM_THRESHOLD_=65536 in its workers) is what the command
    warns about; the module's cluster, with the recommended settings, has none (above)."""
    import dask
    from distributed import LocalCluster

    default = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 65536}
    with (
        dask.config.set(default),  # as Dask ships it (the module's cluster set it aside)
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as local,
        make_executor(scheduler=local.scheduler_address) as executor,
    ):
        assert isinstance(executor, ClusterExecutor)
        assert executor.workers_trimming_malloc() == 1
