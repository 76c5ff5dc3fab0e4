"""Sensor analysis speed: a patient-day and a one-minute exercise set, against vqf alone.

Run as ``.venv/bin/python bench/sensors.py [--hours H] [--repeats N] [--json PATH]``.

Every timed run is a fresh process, and the sides are run in turn (``--repeats`` rounds of
all of them), so a load that comes and goes on the machine touches each side alike; each side
reports its min and median and the ratio of medians. The baseline is what a user would write
instead to get orientations at all: the same block-wise read of the same Parquet file plus vqf
on both sensors, in one process. Cases:

- patient-day: ``analyze_file`` on ``--hours`` (default 24) of two sensors at 100 Hz, with
  each sensor's vqf in a worker process that reads its own columns of the file (the default
  for long Parquet files), and the same in one process (``parallel=False``, as cohort workers
  run it), against the baseline; wall time of the whole process, the time spent inside it
  after imports, and the CPU-time ratio. On a loaded machine the wall times mostly measure
  the load: Linux shares the cores between sessions first (autogroups), so three processes
  of one session get no more CPU than one, and the wall ratio tends to the CPU-time ratio.
  The CPU times of each process (the workers report theirs) therefore also give the least
  wall time two free cores would allow: the busiest process, or half of all the work (the
  fork server's own start is not counted). That row is a bound, not a measurement.
- one minute: ``spinecoach sensors analyze`` of a 60 s recording (what an upload of one
  exercise set costs), whole process, against the baseline on the same file, whole process.
- start-up alone: importing what ``sensors analyze`` needs, against importing what the
  baseline needs (numpy, pyarrow.parquet, vqf).
- memory: peak resident memory of the analysis of 1/8 of the day and of the whole day.
- Madgwick: the ahrs Madgwick filter (pure Python), timed on a slice and extrapolated.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ANALYZE = """
import sys, time
t0 = time.perf_counter()
from spinecoach.sensors.file_analysis import analyze_file
from spinecoach.sensors.orientation_workers import worker_cpu_seconds
result = analyze_file(sys.argv[1], parallel={parallel})
inside = time.perf_counter() - t0
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM")]
print(inside, result.samples, hwm[0].split()[1], time.process_time(), worker_cpu_seconds())
"""
BASELINE = """
import sys, time
t0 = time.perf_counter()
from spinecoach.sensors.files import open_recording
from spinecoach.sensors.orientation import OrientationFilter
source = open_recording(sys.argv[1])
filters = {name: OrientationFilter(100.0) for name in source.sensors}
rows = 0
for block, _ in source.blocks():
    for name, samples in block.sensors.items():
        filters[name].update(samples.gyr, samples.acc)
    rows += len(block)
inside = time.perf_counter() - t0
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM")]
print(inside, rows, hwm[0].split()[1], time.process_time(), 0.0)
"""
IMPORT_OURS = "import spinecoach.cli, spinecoach.commands.sensors, spinecoach.sensors.file_analysis"
IMPORT_PEER = "import numpy, pyarrow.parquet, vqf"
BASELINE_NAME = "block-wise read + vqf on both sensors, one process"


class Run:
    """One fresh process: wall seconds around it, CPU seconds (its own, or as it reports them
    with its orientation workers'), and what it printed (inside s, rows, peak kB)."""

    def __init__(self, argv: list[str]) -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        self.wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv[:3])} failed: {done.stderr[-600:]}")
        fields = done.stdout.split()
        # inside s, rows, VmHWM kB, CPU s of the process, CPU s of its orientation workers
        timed = len(fields) == 5
        self.inside = float(fields[0]) if timed else self.wall
        self.peak_mb = float(fields[2]) / 1024 if timed else 0.0
        self.bound = self.wall
        if timed:
            main_cpu, workers_cpu = float(fields[3]), float(fields[4])
            self.cpu = main_cpu + workers_cpu
            # the least wall time on two free cores: the busiest process, or half of all work
            self.bound = max(main_cpu, workers_cpu / 2, self.cpu / 2) if workers_cpu else main_cpu


def interleaved(cases: dict[str, list[str]], repeats: int) -> dict[str, list[Run]]:
    """``repeats`` rounds, each running every case once, in turn."""
    runs: dict[str, list[Run]] = {name: [] for name in cases}
    for round_no in range(repeats):
        for name, argv in cases.items():
            runs[name].append(Run(argv))
            print(f"  round {round_no + 1}: {name}: {runs[name][-1].wall:.2f} s", flush=True)
    return runs


def _median(values: list[float]) -> float:
    return statistics.median(values)


def row(
    case: str, ours: list[float], peer_name: str | None, peer: list[float] | None, note: str
) -> dict[str, object]:
    """A benchmark row: medians, and the ratio of medians."""
    ours_m = _median(ours)
    peer_m = _median(peer) if peer else None
    return {
        "bench": "sensors",
        "case": case,
        "ours": round(ours_m, 4),
        "unit": "s",
        "peer_name": peer_name,
        "peer": None if peer_m is None else round(peer_m, 4),
        "ratio": None if peer_m is None else round(ours_m / peer_m, 3),
        "note": f"min {min(ours):.3f} s" + (f" vs {min(peer):.3f} s" if peer else "") + note,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--repeats", type=int, default=3, help="rounds of the patient-day")
    parser.add_argument("--minute-repeats", type=int, default=7, help="rounds of the short cases")
    parser.add_argument("--madgwick-seconds", type=float, default=20.0, help="slice timed for ahrs")
    parser.add_argument("--json", type=Path, help="write benchmark rows to this file")
    args = parser.parse_args()

    from spinecoach.sensors.files import write_recording
    from spinecoach.simulate.recording import simulate_recording

    py = sys.executable
    script = Path(py).with_name("spinecoach")
    cli = [str(script)] if script.exists() else [py, "-m", "spinecoach.cli"]
    rows: list[dict[str, object]] = []
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        day, eighth, minute = (
            Path(tmp, "day.parquet"),
            Path(tmp, "eighth.parquet"),
            Path(tmp, "minute.parquet"),
        )
        t0 = time.perf_counter()
        write_recording(simulate_recording("day", seconds=args.hours * 3600, seed=1).recording, day)
        write_recording(
            simulate_recording("day", seconds=args.hours * 450, seed=1).recording, eighth
        )
        write_recording(simulate_recording("day", seconds=60.0, seed=3).recording, minute)
        size_mb = day.stat().st_size / 1e6
        print(
            f"synthetic day: {args.hours:g} h, two sensors at 100 Hz, {size_mb:.0f} MB Parquet "
            f"(made in {time.perf_counter() - t0:.0f} s)"
        )

        label = f"patient-day ({args.hours:g} h, 2 sensors, 100 Hz, Parquet)"
        day_runs = interleaved(
            {
                "workers": [py, "-c", ANALYZE.format(parallel=True), str(day)],
                "one process": [py, "-c", ANALYZE.format(parallel=False), str(day)],
                "baseline": [py, "-c", BASELINE, str(day)],
            },
            args.repeats,
        )
        peer = [r.wall for r in day_runs["baseline"]]
        for side, what in (
            ("workers", "vqf in worker processes"),
            ("one process", "parallel=False"),
        ):
            ours = day_runs[side]
            cpu = _median([r.cpu for r in ours]) / _median([r.cpu for r in day_runs["baseline"]])
            rows.append(
                row(
                    f"{label}, {what}, whole process",
                    [r.wall for r in ours],
                    BASELINE_NAME,
                    peer,
                    f"; CPU-time ratio {cpu:.2f}",
                )
            )
            rows.append(
                row(
                    f"{label}, {what}, least wall on 2 free cores (from CPU times)",
                    [r.bound for r in ours],
                    BASELINE_NAME,
                    [r.bound for r in day_runs["baseline"]],
                    "; a bound, not a measurement: busiest process or half of all CPU work",
                )
            )
            rows.append(
                row(
                    f"{label}, {what}, inside the process",
                    [r.inside for r in ours],
                    BASELINE_NAME,
                    [r.inside for r in day_runs["baseline"]],
                    "",
                )
            )

        short = interleaved(
            {
                "minute": [*cli, "sensors", "analyze", str(minute)],
                "minute baseline": [py, "-c", BASELINE, str(minute)],
                "imports": [py, "-c", IMPORT_OURS],
                "imports baseline": [py, "-c", IMPORT_PEER],
            },
            args.minute_repeats,
        )
        rows.append(
            row(
                "60 s recording: `spinecoach sensors analyze`, whole process",
                [r.wall for r in short["minute"]],
                BASELINE_NAME + ", whole process",
                [r.wall for r in short["minute baseline"]],
                "; target < 1.0 s",
            )
        )
        rows.append(
            row(
                "start-up alone: imports of `sensors analyze`",
                [r.wall for r in short["imports"]],
                IMPORT_PEER,
                [r.wall for r in short["imports baseline"]],
                "",
            )
        )

        mem = interleaved({"eighth": [py, "-c", ANALYZE.format(parallel=True), str(eighth)]}, 1)
        peak_day = max(r.peak_mb for r in day_runs["workers"])
        peak_eighth = mem["eighth"][0].peak_mb
        rows.append(
            {
                "bench": "sensors",
                "case": f"peak memory, analysis of {args.hours:g} h",
                "ours": round(peak_day, 1),
                "unit": "MB",
                "peer_name": f"the same for {args.hours / 8:g} h",
                "peer": round(peak_eighth, 1),
                "ratio": round(peak_day / peak_eighth, 2),
                "note": "main process VmHWM; each worker adds its ring of quaternions (34 MB)",
            }
        )
        n = int(args.hours * 3600 * 100)

    madgwick_s = _madgwick_seconds(args.madgwick_seconds, n)
    vqf_inside = _median([r.inside for r in day_runs["baseline"]])
    rows.append(
        row(
            f"ahrs Madgwick, both sensors, {args.hours:g} h (extrapolated)",
            [madgwick_s],
            BASELINE_NAME,
            [vqf_inside],
            f"; from a {args.madgwick_seconds:g} s slice",
        )
    )

    print(f"\nmedians of interleaved runs; load average now {os.getloadavg()[0]:.2f}")
    for r in rows:
        ratio = "" if r["ratio"] is None else f"ratio {r['ratio']}"
        print(
            f"- {r['case']}: {r['ours']} {r['unit']} vs {r['peer']} ({r['peer_name']}) {ratio}; {r['note']}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


def _madgwick_seconds(slice_s: float, n: int) -> float:
    """Time ahrs Madgwick on ``slice_s`` seconds of both sensors and scale to ``n`` samples."""
    from ahrs.filters import Madgwick

    from spinecoach.simulate.recording import simulate_recording

    part = simulate_recording("day", seconds=slice_s, seed=2).recording
    t0 = time.perf_counter()
    for name in ("lumbar", "sacrum"):
        s = part.sensors[name]
        Madgwick(gyr=np.ascontiguousarray(s.gyr), acc=np.ascontiguousarray(s.acc), frequency=100.0)
    return (time.perf_counter() - t0) * n / len(part)


if __name__ == "__main__":
    main()
