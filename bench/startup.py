"""Start-up: whole-process wall time of the commands people wait for, against bare Python.

Run as ``.venv/bin/python bench/startup.py [--repeats N] [--json PATH]``. Every case is a fresh
process (the installed ``spinecoach`` script, as a user types it); the cases are run in turn,
``--repeats`` rounds of all of them, so a load that comes and goes on the machine touches each
case alike. Reported: the min and median of each case, and the ratio of its median to that of
``python -c "import numpy"`` (the floor of any command that computes on arrays) in the same run,
with each case's median CPU time (on a shared machine the wall time mostly measures the rest of
the machine's work). The exercise catalogue's cache is made first, as ``make setup`` does.
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

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_INTAKE = ROOT / "examples" / "desk-worker.intake.json"
TARGETS_S = {
    "version": 0.3,
    "score": 0.4,
    "assess": 0.4,
    "prescribe": 0.6,
    "sensors analyze (60 s CSV)": 1.0,
    "sensors analyze (60 s Parquet)": 1.0,
}
"""Targets from the start-up work: whole process, median of interleaved runs on this machine."""
NUMPY = 'python -c "import numpy"'
ODI_ANSWERS = ["2", "3", "1", "2", "2", "1", "3", "2", "0", "1"]


def _command() -> list[str]:
    script = Path(sys.executable).with_name("spinecoach")
    return [str(script)] if script.exists() else [sys.executable, "-m", "spinecoach.cli"]


def _cases(tmp: Path) -> dict[str, list[str]]:
    from spinecoach.sensors.files import write_recording
    from spinecoach.simulate.recording import simulate_recording

    minute = simulate_recording("day", seconds=60.0, seed=3).recording
    write_recording(minute, tmp / "minute.csv")
    write_recording(minute, tmp / "minute.parquet")
    cli = _command()
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        NUMPY: [sys.executable, "-c", "import numpy"],
        "version": [*cli, "version"],
        "score": [*cli, "score", "odi", *ODI_ANSWERS, "--json"],
        "assess": [*cli, "assess", str(EXAMPLE_INTAKE), "--json"],
        "prescribe": [*cli, "prescribe", str(EXAMPLE_INTAKE), "--json"],
        "sensors analyze (60 s CSV)": [*cli, "sensors", "analyze", str(tmp / "minute.csv")],
        "sensors analyze (60 s Parquet)": [*cli, "sensors", "analyze", str(tmp / "minute.parquet")],
    }


CPU_SECONDS: dict[str, list[float]] = {}
"""CPU seconds (user + system) of each timed run, by case: on a shared machine the wall time
mostly measures the other work, the CPU time much less."""


def _run_once(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def measure(repeats: int) -> dict[str, list[float]]:
    """Seconds per run of every case, ``repeats`` interleaved rounds (CPU seconds go to
    :data:`CPU_SECONDS`). The catalogue cache is made first, as ``make setup`` does."""
    from spinecoach.exercises import load_catalogue

    load_catalogue()
    with tempfile.TemporaryDirectory() as tmp:
        cases = _cases(Path(tmp))
        times: dict[str, list[float]] = {name: [] for name in cases}
        CPU_SECONDS.clear()
        CPU_SECONDS.update({name: [] for name in cases})
        for argv in cases.values():
            _run_once(argv)  # warm the page cache once, not timed
        for _ in range(repeats):
            for name, argv in cases.items():
                wall, cpu = _run_once(argv)
                times[name].append(wall)
                CPU_SECONDS[name].append(cpu)
    return times


def rows(times: dict[str, list[float]]) -> list[dict[str, object]]:
    """Benchmark rows (see bench/README convention): median seconds, ratio to import numpy."""
    numpy_median = statistics.median(times[NUMPY])
    out: list[dict[str, object]] = []
    for name, runs in times.items():
        median = statistics.median(runs)
        is_floor = name in {NUMPY, "python -c pass"}
        target = TARGETS_S.get(name)
        note = f"min {min(runs):.3f} s of {len(runs)} interleaved runs"
        cpu = CPU_SECONDS.get(name)
        if cpu:
            note += f"; CPU {statistics.median(cpu):.3f} s (median)"
        if target is not None:
            note += f"; target < {target:g} s: {'met' if median < target else 'NOT met'}"
        out.append(
            {
                "bench": "startup",
                "case": name,
                "ours": round(median, 4),
                "unit": "s",
                "peer_name": None if is_floor else NUMPY,
                "peer": None if is_floor else round(numpy_median, 4),
                "ratio": None if is_floor else round(median / numpy_median, 2),
                "note": note,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--json", type=Path, help="write benchmark rows to this file")
    args = parser.parse_args()
    times = measure(args.repeats)
    table = rows(times)
    load = os.getloadavg()
    bytecode = os.environ.get("PYTHONDONTWRITEBYTECODE")
    print(
        f"whole-process wall time, {args.repeats} interleaved runs per case, {os.cpu_count()} cores, "
        f"load average {load[0]:.2f} (PYTHONDONTWRITEBYTECODE={bytecode or 'unset'})"
    )
    print(f"  {'case':<32} {'median':>8} {'min':>8} {'/numpy':>7}  target")
    for row, runs in zip(table, times.values(), strict=True):
        target = TARGETS_S.get(str(row["case"]))
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}"
        print(
            f"  {row['case']!s:<32} {row['ours']:>8.3f} {min(runs):>8.3f} {ratio:>7}  "
            + ("" if target is None else f"< {target:g} s")
        )
    if args.json:
        args.json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
