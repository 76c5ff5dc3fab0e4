"""Cohort throughput: `spinecoach batch` on a Dask LocalCluster and on the local process pool,
with 1 and 2 workers, against a plain loop over the same recordings, in one run.

Run as a script: ``python bench/cohort.py [--recordings 200] [--repeats 5] [--json PATH]``.
A synthetic cohort (mixed lengths from 1 to 20 minutes, two sensors at 100 Hz, one in six in
CSV, a few corrupt files) is written to a temporary folder; each set-up analyses all of it
into a features table, the set-ups interleaved and repeated, and the medians compared. The
plain loop is what a user would write instead: find the files, analyse each in turn in one
process, collect the rows, write one Parquet file. Each set-up is started for its run and
stopped after it (the plain loop in a fresh process of its own, as a worker is: a process's
first pass over large recordings is slower while its heap grows), so no other set-up's idle
processes share the cores (an idle LocalCluster
takes about 2 % of a core: its heartbeats and checks). Worker start-up is excluded (the
set-up is warmed on a few small recordings first, both readers) and reported apart.

Engine overhead, the same way for every set-up: ``(wall x workers - A) / A``, where ``A`` is
the analysis time of the recordings summed over recordings (each timed where it ran, around
the analysis alone): the share of the workers' time not spent analysing (finding files,
scheduling, moving results, writing tables, workers idle at the end). The plain loop's own
figure (finding files, writing its table) is its floor. The same share in CPU time, ``(CPU of
every process of the set-up - CPU of the analysis threads) / CPU of the analysis threads``,
is given beside it: it barely moves when other work loads the machine, where wall times do.
It counts this process whole, so a LocalCluster's scheduler, which runs in it, is counted.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

BENCH = "cohort"
LENGTHS_S = (60.0, 120.0, 300.0, 600.0, 1200.0)
"""Recording lengths drawn for the cohort (seconds): exercise sessions to a morning's wear."""
LENGTH_WEIGHTS = (0.3, 0.3, 0.2, 0.15, 0.05)


def make_cohort(folder: Path, count: int, seed: int = 1) -> dict[str, int]:
    """Write ``count`` recordings (4 of them corrupt) under ``folder``; returns a census."""
    from spinecoach.sensors.files import write_recording
    from spinecoach.simulate.recording import simulate_recording

    rng = np.random.default_rng(seed)
    scenarios = ["day", "day", "day", "forward-bends", "bird-dog", "sit-stand", "movement-tests"]
    census = {"recordings": count, "corrupt": 4, "csv": 0}
    for i in range(count - 4):
        patient, day = f"P{i % 40:03d}", f"2026-11-{1 + (i // 40) % 28:02d}"
        scenario = scenarios[i % len(scenarios)]
        seconds = float(rng.choice(LENGTHS_S, p=LENGTH_WEIGHTS)) if scenario == "day" else None
        suffix = ".csv" if i % 6 == 3 else ".parquet"
        census["csv"] += suffix == ".csv"
        path = folder / patient / day / f"{scenario}-{i}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_recording(simulate_recording(scenario, seconds=seconds, seed=i).recording, path)
    bad = folder / "P000" / "bad"
    bad.mkdir(parents=True)
    good = next(folder.glob("P001/*/*.parquet")).read_bytes()
    (bad / "truncated.parquet").write_bytes(good[: len(good) // 3])
    (bad / "notes.csv").write_text("visit,comment\n1,fine\n")
    write_recording(
        simulate_recording("standing", seconds=6.0, seed=1).recording, bad / "short.parquet"
    )
    text = next(folder.glob("P003/*/*.csv")).read_text().splitlines()
    text[100] = "x" + text[100]
    (bad / "typo.csv").write_text("\n".join(text))
    return census


@dataclass
class Run:
    """One run of one set-up: wall and CPU time, and the analysis's share of them."""

    samples: int
    failed: int
    seconds: float = 0.0
    cpu_s: float = 0.0
    """CPU time of this process (driver, and a LocalCluster's scheduler) and of the set-up's
    worker processes during the run (the other set-ups' idle workers are not counted)."""
    analysis_s: float = 0.0
    analysis_cpu_s: float = 0.0


def plain_loop(folder: Path, out: Path) -> Run:
    """The peer: every recording analysed in turn in this process, one table written."""
    import pandas as pd

    from spinecoach.batch.cohort import analyze_recording
    from spinecoach.batch.features import feature_row
    from spinecoach.batch.recordings import find_recordings
    from spinecoach.errors import SpinecoachError

    rows, failed, wall, cpu = [], 0, 0.0, 0.0
    for found in find_recordings(folder):
        w0, c0 = time.perf_counter(), time.thread_time()
        try:
            analysis = analyze_recording(found.path, found.file_format)
            rows.append({"recording": found.recording, **feature_row(analysis)})
        except SpinecoachError:
            failed += 1
        wall += time.perf_counter() - w0
        cpu += time.thread_time() - c0
    pd.DataFrame(rows).to_parquet(out)
    return Run(sum(r["samples"] for r in rows), failed, analysis_s=wall, analysis_cpu_s=cpu)


def engine_run(folder: Path, out: Path, executor: Any, slots: int) -> Run:
    """Ours: ``spinecoach batch`` (its function) on ``executor``, from scratch."""
    from spinecoach.batch.cohort import run_cohort
    from spinecoach.batch.results import Journal, OutputTables

    tables = OutputTables.beside(out)
    for path in (tables.features, tables.failures, tables.days):
        path.unlink(missing_ok=True)
    Journal(out).clear()
    summary = run_cohort(folder, out, executor, slots=slots)
    return Run(
        summary.samples,
        summary.failed,
        analysis_s=summary.analysis_seconds,
        analysis_cpu_s=summary.analysis_cpu_seconds,
    )


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) so far of this process and the processes ``pids``."""
    import psutil

    total = 0.0
    for process in [psutil.Process(), *(psutil.Process(pid) for pid in pids)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


class Setup:
    """One way of running the cohort, started afresh for each of its runs."""

    def __init__(self, name: str, workers: int, engine: str) -> None:
        self.name, self.workers, self.engine = name, workers, engine
        self.runs: list[Run] = []
        self.startups_s: list[float] = []
        self._context: AbstractContextManager[Any] = nullcontext()
        self.executor: Any = None
        self._loop: ProcessPoolExecutor | None = None

    def start(self, warmup: Path, out: Path) -> None:
        from spinecoach.batch.executor import make_executor

        t0 = time.perf_counter()
        if self.engine == "dask":
            import dask
            from distributed import LocalCluster

            from spinecoach.batch.executor import DASK_SETTINGS

            with dask.config.set(DASK_SETTINGS):  # the settings README "Cohorts" recommends
                self._context = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
                cluster = self._context.__enter__()
            self.executor = make_executor(scheduler=cluster.scheduler_address)
        elif self.engine == "pool":
            self.executor = make_executor(workers=self.workers)
        else:  # the loop runs in a fresh process of its own too, warmed the same way
            self._loop = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        if self.executor is not None:
            engine_run(warmup, out, self.executor, self.workers)
        else:
            self._loop.submit(plain_loop, warmup, out).result()
        self.startups_s.append(time.perf_counter() - t0)

    def worker_pids(self) -> list[int]:
        """The processes this set-up's work runs in, besides this one."""
        from spinecoach.batch.executor import ClusterExecutor, RestartingProcessPool

        if isinstance(self.executor, RestartingProcessPool):
            return list(self.executor._pool._processes or {})
        if isinstance(self.executor, ClusterExecutor):
            return list(self.executor.client.run(os.getpid).values())
        return list(self._loop._processes or {}) if self._loop is not None else []

    def run(self, folder: Path, out: Path) -> Run:
        pids = self.worker_pids()
        c0, t0 = cpu_seconds(pids), time.perf_counter()
        if self._loop is not None:
            result = self._loop.submit(plain_loop, folder, out).result()
        else:
            result = engine_run(folder, out, self.executor, self.workers)
        result.seconds = time.perf_counter() - t0
        result.cpu_s = cpu_seconds(pids) - c0
        self.runs.append(result)
        return result

    def stop(self) -> None:
        if self.executor is not None:
            self.executor.shutdown()
            self.executor = None
        if self._loop is not None:
            self._loop.shutdown()
            self._loop = None
        self._context.__exit__(None, None, None)
        self._context = nullcontext()

    @property
    def startup_s(self) -> float:
        """Median time to start the workers and warm them up."""
        return statistics.median(self.startups_s)

    @property
    def median_s(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def overhead(self) -> float:
        """Median share of the workers' wall time not spent analysing (0.05 = 5 %)."""
        return statistics.median(
            (r.seconds * self.workers - r.analysis_s) / r.analysis_s for r in self.runs
        )

    @property
    def cpu_overhead(self) -> float:
        """Median CPU time outside the analysis threads, as a share of theirs."""
        return statistics.median((r.cpu_s - r.analysis_cpu_s) / r.analysis_cpu_s for r in self.runs)


def _warmup_folder(folder: Path) -> None:
    from spinecoach.sensors.files import write_recording
    from spinecoach.simulate.recording import simulate_recording

    for i, suffix in enumerate((".parquet", ".parquet", ".parquet", ".csv")):  # both readers
        path = folder / f"W{i}" / f"warm{suffix}"
        path.parent.mkdir(parents=True)
        write_recording(simulate_recording("forward-bends", seed=i).recording, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None, help="write the result rows here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="spinecoach-bench-cohort-"))
    try:
        rows = _bench(tmp, args.recordings, args.repeats)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


def _bench(tmp: Path, count: int, repeats: int) -> list[dict[str, Any]]:
    folder, warmup = tmp / "cohort", tmp / "warmup"
    t0 = time.perf_counter()
    census = make_cohort(folder, count)
    _warmup_folder(warmup)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(
        f"synthetic cohort: {count} recordings ({census['csv']} CSV, {census['corrupt']} corrupt), "
        f"{size / 1e6:.0f} MB, written in {time.perf_counter() - t0:.0f} s; "
        f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start"
    )
    setups = [
        Setup("plain loop", 1, "loop"),
        Setup("local pool, 1 worker", 1, "pool"),
        Setup("local pool, 2 workers", 2, "pool"),
        Setup("Dask LocalCluster, 1 worker", 1, "dask"),
        Setup("Dask LocalCluster, 2 workers", 2, "dask"),
    ]
    samples = 0
    for r in range(repeats):
        order = setups[r % len(setups) :] + setups[: r % len(setups)]  # interleaved
        for setup in order:
            setup.start(warmup, tmp / "warm.parquet")  # alone on the cores: see module doc
            try:
                run = setup.run(folder, tmp / "features.parquet")
            finally:
                setup.stop()
            samples = max(samples, run.samples)
            print(
                f"  run {r + 1}: {setup.name:<30} {run.seconds:6.1f} s, CPU {run.cpu_s:6.1f} s, "
                f"analysis {run.analysis_s:6.1f} s (CPU {run.analysis_cpu_s:.1f} s), "
                f"{run.failed} failed",
                flush=True,
            )
    load = os.getloadavg()[0]
    return _report(setups, count, samples, _hashing_seconds(folder), load)


def _row(
    case: str, ours: float, unit: str, peer: tuple[str, float] | None, note: str
) -> dict[str, Any]:
    """One result row in the shared bench format (ratio = ours / peer)."""
    return {
        "bench": BENCH,
        "case": case,
        "ours": round(ours, 3),
        "unit": unit,
        "peer_name": peer[0] if peer else None,
        "peer": round(peer[1], 3) if peer else None,
        "ratio": round(ours / peer[1], 2) if peer and peer[1] else None,
        "note": note,
    }


def _report(
    setups: list[Setup], count: int, samples: int, hashing_s: tuple[float, float], load: float
) -> list[dict[str, Any]]:
    by = {s.name: s for s in setups}
    loop = by["plain loop"]

    def rate(s: Setup) -> float:
        return count / s.median_s

    def share(s: Setup) -> str:
        ms = statistics.median(
            1000 * (r.seconds * s.workers - r.analysis_s) / count for r in s.runs
        )
        return (
            f"{ms:.1f} ms per recording; in CPU time {100 * s.cpu_overhead:.1f} % "
            f"(plain loop {100 * loop.cpu_overhead:.1f} %)"
        )

    state = f"load average {load:.1f} on {os.cpu_count()} cores"
    rows = []
    for engine, peer in (("local pool", "plain loop"), ("Dask LocalCluster", "local pool")):
        one, two = by[f"{engine}, 1 worker"], by[f"{engine}, 2 workers"]
        peer_two = loop if peer == "plain loop" else by[f"{peer}, 2 workers"]
        rows += [
            _row(
                f"{engine}, 2 workers vs plain loop ({count} recordings)",
                rate(two),
                "recordings/s",
                ("plain loop", rate(loop)),
                state,
            ),
            _row(
                f"{engine}: 2 workers vs 1",
                rate(two),
                "recordings/s",
                (f"{engine}, 1 worker", rate(one)),
                "speed-up; target >= 1.7 on 2 cores",
            ),
            _row(
                f"{engine}, 2 workers: engine overhead",
                100 * two.overhead,
                "% of analysis",
                (peer, 100 * peer_two.overhead),
                f"(wall x workers - analysis) / analysis; {share(two)}; target < 5 %",
            ),
            _row(
                f"{engine}, 1 worker: engine overhead",
                100 * one.overhead,
                "% of analysis",
                ("plain loop", 100 * loop.overhead),
                share(one),
            ),
            _row(
                f"{engine}, worker start-up",
                one.startup_s,
                "s",
                None,
                "once per run, excluded above",
            ),
        ]
    dask2 = by["Dask LocalCluster, 2 workers"]
    analysis_ms = statistics.median(1000 * r.analysis_s / count for r in loop.runs)
    rows += [
        _row(
            "Dask LocalCluster, 2 workers: samples/s",
            samples / dask2.median_s / 1e6,
            "M samples/s",
            ("plain loop", samples / loop.median_s / 1e6),
            f"time rows of two sensors at 100 Hz; analysis {analysis_ms:.0f} ms per recording",
        ),
        _row(
            "resume checksum (XXH3-128) of every file, vs SHA-256",
            100 * hashing_s[0] / loop.median_s,
            "% of analysis",
            ("SHA-256", 100 * hashing_s[1] / loop.median_s),
            f"{hashing_s[0]:.2f} s vs {hashing_s[1]:.2f} s for the cohort; untouched files "
            "are not read again on re-runs",
        ),
    ]
    print(f"medians of {len(loop.runs)} interleaved runs; {state}:")
    for s in setups:
        print(
            f"  {s.name:<30} {s.median_s:6.1f} s = {rate(s):6.1f} recordings/s, overhead "
            f"{100 * s.overhead:5.1f} % (CPU {100 * s.cpu_overhead:5.1f} %), "
            f"start-up {s.startup_s:.1f} s"
        )
    for r in rows:
        peer = f" vs {r['peer_name']} {r['peer']}" if r["peer_name"] else ""
        ratio = f" = {r['ratio']}x" if r["ratio"] is not None else ""
        print(f"  {r['case']}: {r['ours']} {r['unit']}{peer}{ratio}  ({r['note']})")
    return rows


def _hashing_seconds(folder: Path) -> tuple[float, float]:
    """Median time to checksum every file of the cohort as a run does (XXH3-128), and with
    SHA-256 for comparison (3 runs each, interleaved)."""
    import hashlib

    from spinecoach.batch.recordings import checksum, find_recordings

    def sha256(path: str) -> str:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()

    found = find_recordings(folder)
    times: dict[str, list[float]] = {"xxh3": [], "sha256": []}
    for _ in range(3):
        for name, digest in (("xxh3", checksum), ("sha256", sha256)):
            t0 = time.perf_counter()
            for f in found:
                digest(f.path)
            times[name].append(time.perf_counter() - t0)
    return statistics.median(times["xxh3"]), statistics.median(times["sha256"])


if __name__ == "__main__":
    main()
