"""Cohort throughput: `spinecoach batch` on a Dask LocalCluster and on the local process pool,
with 1 and 2 workers, against a plain loop over the same recordings, in one run.

Run as a script: ``python bench/cohort.py [--recordings 200] [--repeats 3] [--json PATH]``.
A synthetic cohort (mixed lengths from 1 to 20 minutes, two sensors at 100 Hz, one in six in
CSV, a few corrupt files) is written to a temporary folder; each set-up analyses all of it
into a features table, the set-ups interleaved and repeated, and the medians compared. The
plain loop is what a user would write instead: find the files, analyse each in turn in one
process, collect the rows, write one Parquet file. Worker start-up is excluded (every set-up
is warmed on a few small recordings first) and reported apart.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
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


def plain_loop(folder: Path, out: Path) -> tuple[int, int]:
    """The peer: every recording analysed in turn in this process, one table written."""
    import pandas as pd

    from spinecoach.batch.cohort import analyze_recording
    from spinecoach.batch.features import feature_row
    from spinecoach.batch.recordings import find_recordings
    from spinecoach.errors import SpinecoachError

    rows, failed = [], 0
    for found in find_recordings(folder):
        try:
            analysis = analyze_recording(found.path, found.file_format)
        except SpinecoachError:
            failed += 1
            continue
        rows.append({"recording": found.recording, **feature_row(analysis)})
    pd.DataFrame(rows).to_parquet(out)
    return sum(r["samples"] for r in rows), failed


def engine_run(folder: Path, out: Path, executor: Any, slots: int) -> tuple[int, int]:
    """Ours: ``spinecoach batch`` (its function) on ``executor``, from scratch."""
    from spinecoach.batch.cohort import run_cohort
    from spinecoach.batch.results import Journal, OutputTables

    tables = OutputTables.beside(out)
    for path in (tables.features, tables.failures, tables.days):
        path.unlink(missing_ok=True)
    Journal(out).clear()
    summary = run_cohort(folder, out, executor, slots=slots)
    return summary.samples, summary.failed


class Setup:
    """One way of running the cohort; its executor lives across the repeats."""

    def __init__(self, name: str, workers: int, engine: str) -> None:
        self.name, self.workers, self.engine = name, workers, engine
        self.seconds: list[float] = []
        self.startup_s = 0.0
        self._context: AbstractContextManager[Any] = nullcontext()
        self.executor: Any = None

    def start(self, warmup: Path, out: Path) -> None:
        from spinecoach.batch.executor import make_executor

        t0 = time.perf_counter()
        if self.engine == "dask":
            from distributed import LocalCluster

            self._context = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            cluster = self._context.__enter__()
            self.executor = make_executor(scheduler=cluster.scheduler_address)
        elif self.engine == "pool":
            self.executor = make_executor(workers=self.workers)
        if self.executor is not None:
            engine_run(warmup, out, self.executor, self.workers)
        else:
            plain_loop(warmup, out)
        self.startup_s = time.perf_counter() - t0

    def run(self, folder: Path, out: Path) -> tuple[int, int]:
        t0 = time.perf_counter()
        if self.executor is None:
            result = plain_loop(folder, out)
        else:
            result = engine_run(folder, out, self.executor, self.workers)
        self.seconds.append(time.perf_counter() - t0)
        return result

    def stop(self) -> None:
        if self.executor is not None:
            self.executor.shutdown()
        self._context.__exit__(None, None, None)

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)


def _warmup_folder(folder: Path) -> None:
    from spinecoach.sensors.files import write_recording
    from spinecoach.simulate.recording import simulate_recording

    for i in range(4):
        path = folder / f"W{i}" / "warm.parquet"
        path.parent.mkdir(parents=True)
        write_recording(simulate_recording("forward-bends", seed=i).recording, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
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
    for setup in setups:
        setup.start(warmup, tmp / "warm.parquet")
    try:
        for r in range(repeats):
            order = setups[r % len(setups) :] + setups[: r % len(setups)]  # interleaved
            for setup in order:
                got, failed = setup.run(folder, tmp / "features.parquet")
                samples = max(samples, got)
                print(
                    f"  run {r + 1}: {setup.name:<30} {setup.seconds[-1]:6.1f} s ({failed} failed)"
                )
    finally:
        for setup in setups:
            setup.stop()
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
        "ratio": round(ours / peer[1], 2) if peer else None,
        "note": note,
    }


def _report(
    setups: list[Setup], count: int, samples: int, hashing_s: tuple[float, float], load: float
) -> list[dict[str, Any]]:
    by = {s.name: s for s in setups}
    loop = by["plain loop"]

    def rate(s: Setup) -> float:
        return count / s.median_s

    loaded = f"machine shared and loaded (load {load:.1f} on {os.cpu_count()} cores)"
    rows = []
    for engine in ("local pool", "Dask LocalCluster"):
        one, two = by[f"{engine}, 1 worker"], by[f"{engine}, 2 workers"]
        extra_s = one.median_s - loop.median_s
        rows += [
            _row(
                f"{engine}, 2 workers vs plain loop ({count} recordings)",
                rate(two),
                "recordings/s",
                ("plain loop", rate(loop)),
                loaded,
            ),
            _row(
                f"{engine}: 2 workers vs 1",
                rate(two),
                "recordings/s",
                (f"{engine}, 1 worker", rate(one)),
                "speed-up; target >= 1.7 on 2 cores",
            ),
            _row(
                f"{engine}, 1 worker: overhead per recording",
                100 * extra_s / loop.median_s,
                "% of analysis",
                None,
                f"{1000 * extra_s / count:.1f} ms per recording, checksums included; target < 5 %",
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
    rows += [
        _row(
            "Dask LocalCluster, 2 workers: samples/s",
            samples / dask2.median_s / 1e6,
            "M samples/s",
            ("plain loop", samples / loop.median_s / 1e6),
            "time rows of two sensors at 100 Hz",
        ),
        _row(
            "resume checksum (XXH3-128) of every file, vs SHA-256",
            100 * hashing_s[0] / loop.median_s,
            "% of analysis",
            ("SHA-256", 100 * hashing_s[1] / loop.median_s),
            f"{hashing_s[0]:.1f} s vs {hashing_s[1]:.1f} s for the cohort; untouched files "
            "are not read again on re-runs",
        ),
    ]
    print(f"medians of {len(loop.seconds)} interleaved runs; {loaded}:")
    for s in setups:
        print(
            f"  {s.name:<30} {s.median_s:6.1f} s = {rate(s):6.1f} recordings/s "
            f"(start-up {s.startup_s:.1f} s)"
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
