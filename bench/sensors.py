"""Throughput of `sensors analyze` on a synthetic patient-day, against vqf alone and ahrs Madgwick.

Run as a script: ``python bench/sensors.py [--hours H]`` (default 24). Prints seconds and, more
usefully, ratios: the whole pipeline (Parquet reading in blocks, validation, vqf for two
sensors, angles, posture, reps, holds, sway) over vqf orientation alone on the same samples,
and the ahrs Madgwick filter (pure Python, timed on a slice and extrapolated) over vqf.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--madgwick-seconds", type=float, default=60.0, help="slice timed for ahrs")
    args = parser.parse_args()

    from spinecoach.sensors.files import open_recording, write_recording
    from spinecoach.sensors.monitor import LumbarMonitor
    from spinecoach.sensors.orientation import OrientationFilter
    from spinecoach.simulate.recording import simulate_recording

    seconds = args.hours * 3600
    t0 = time.perf_counter()
    syn = simulate_recording("day", seconds=seconds, seed=1)
    gen_s = time.perf_counter() - t0
    rec = syn.recording
    n = len(rec)
    print(
        f"synthetic day: {args.hours:g} h, 2 sensors x {n:,} samples at 100 Hz, generated in {gen_s:.1f} s"
    )

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "day.parquet"
        t0 = time.perf_counter()
        write_recording(rec, path)
        print(
            f"written to Parquet in {time.perf_counter() - t0:.1f} s ({path.stat().st_size / 1e6:.0f} MB)"
        )

        t0 = time.perf_counter()
        for name in ("lumbar", "sacrum"):
            s = rec.sensors[name]
            OrientationFilter(100.0).update(s.gyr, s.acc)
        vqf_s = time.perf_counter() - t0
        del rec, syn

        t0 = time.perf_counter()
        monitor = LumbarMonitor()
        for block, _ in open_recording(path).blocks():
            monitor.feed(block)
        result = monitor.finish()
        pipe_s = time.perf_counter() - t0
        short = Path(tmp) / "short.parquet"
        write_recording(simulate_recording("day", seconds=seconds / 8, seed=1).recording, short)
        rss_short = _analyze_rss_mb(short)
        rss_long = _analyze_rss_mb(path)

    madgwick_s = _madgwick_seconds(args.madgwick_seconds, n)
    rate = 2 * n / pipe_s
    print(f"vqf orientation alone (2 sensors, in memory): {vqf_s:.2f} s")
    print(
        f"whole analyze pipeline from the Parquet file:  {pipe_s:.2f} s = {rate / 1e6:.2f} M samples/s"
    )
    print(f"  ratio pipeline / vqf alone: {pipe_s / vqf_s:.2f}  (target <= 1.5)")
    print(f"  one patient-day extrapolated: {pipe_s * 24 / args.hours:.1f} s (target < 10 s)")
    print(
        f"ahrs Madgwick (pure Python), extrapolated from a {args.madgwick_seconds:g} s slice: {madgwick_s:.0f} s"
    )
    print(f"  ratio Madgwick / vqf alone: {madgwick_s / vqf_s:.0f}")
    print(
        f"peak memory of `spinecoach sensors analyze` in a fresh process: {rss_short:.0f} MB for "
        f"{args.hours / 8:g} h, {rss_long:.0f} MB for {args.hours:g} h (file read in blocks)"
    )
    print(
        f"found: {result.reps.rep_count} reps in {result.reps.set_count} sets, "
        f"{result.posture.lifting_count} lifting events, {len(result.posture.alerts)} alerts"
    )


def _analyze_rss_mb(path: Path) -> float:
    """Peak resident memory (MB) of a fresh process analysing ``path`` (Linux VmHWM)."""
    code = (
        "import sys\n"
        "from spinecoach.cli import main\n"
        "main(['sensors', 'analyze', sys.argv[1]])\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
        "sys.stderr.write(hwm[0] if hwm else 'VmHWM: 0 kB')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True
    )
    return float(done.stderr.split()[-2]) / 1024


def _madgwick_seconds(slice_s: float, n: int) -> float:
    """Time ahrs Madgwick on ``slice_s`` seconds of both sensors and scale to ``n`` samples."""
    from ahrs.filters import Madgwick

    from spinecoach.simulate.recording import simulate_recording

    part = simulate_recording("day", seconds=slice_s, seed=2).recording
    m = len(part)
    t0 = time.perf_counter()
    for name in ("lumbar", "sacrum"):
        s = part.sensors[name]
        Madgwick(gyr=np.ascontiguousarray(s.gyr), acc=np.ascontiguousarray(s.acc), frequency=100.0)
    return (time.perf_counter() - t0) * n / m


if __name__ == "__main__":
    main()
