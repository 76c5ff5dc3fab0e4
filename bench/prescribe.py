"""Benchmark: assess + prescribe for generated patients, with a pydantic round trip for scale.

Run with ``.venv/bin/python bench/prescribe.py [--patients N] [--seed S] [--repeats R]
[--json PATH]``. Prints patients per second for ``assess`` and for ``prescribe`` separately,
and the cost of one plain pydantic JSON round trip of the resulting Program, so the numbers
read as ratios on any machine. The inputs are built first and then frozen out of the garbage
collector's sight (``gc.freeze()``), so that its passes over tens of thousands of long-lived
intakes do not dominate the figures; the three loops run ``--repeats`` times, interleaved,
and the medians are reported.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

from spinecoach.clinical import assess
from spinecoach.errors import InputError
from spinecoach.exercises import load_catalogue
from spinecoach.prescription import prescribe
from spinecoach.prescription.program import Program
from spinecoach.simulate.patients import random_intake

T = TypeVar("T")


def _timed(label: str, work: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    print(f"  {label:<28} {seconds:8.3f} s")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write benchmark rows to this file")
    args = parser.parse_args()
    n = args.patients

    rng = np.random.default_rng(args.seed)
    catalogue = load_catalogue()
    print(f"{n} generated patients (seed {args.seed}), catalogue of {len(catalogue)} exercises")
    intakes, _ = _timed("generate intakes", lambda: [random_intake(rng) for _ in range(n)])
    assessments = [assess(i) for i in intakes]
    prescribe(assessments[0], assessments[0].patient, catalogue)  # build the catalogue index
    gc.collect()
    gc.freeze()  # the inputs live to the end: keep the collector from re-scanning them

    def prescribe_all() -> tuple[list[Program], int]:
        programs: list[Program] = []
        impossible = 0
        for a in assessments:
            try:
                programs.append(prescribe(a, a.patient, catalogue))
            except InputError:
                impossible += 1
        return programs, impossible

    def _round_trip(programs: list[Program]) -> list[Program]:
        return [Program.model_validate_json(p.model_dump_json()) for p in programs]

    times: dict[str, list[float]] = {"assess": [], "prescribe": [], "round trip": []}
    for _ in range(args.repeats):
        _, t_assess = _timed("assess", lambda: [assess(i) for i in intakes])
        (programs, impossible), t_prescribe = _timed("prescribe", prescribe_all)
        _, t_round = _timed("Program JSON round trip", partial(_round_trip, programs))
        times["assess"].append(_per_patient_us(t_assess, n))
        times["prescribe"].append(_per_patient_us(t_prescribe, n))
        times["round trip"].append(_per_patient_us(t_round, len(programs)))
        referrals = sum(p.status == "referral" for p in programs)
        exercises = sum(len(p.exercises) for p in programs) / max(1, len(programs))
        gc.collect()

    assess_us, prescribe_us, round_us = (statistics.median(times[k]) for k in times)
    print(f"assess:    {1e6 / assess_us:9.0f} patients/s  ({assess_us:7.1f} us each, median)")
    print(f"prescribe: {1e6 / prescribe_us:9.0f} patients/s  ({prescribe_us:7.1f} us each, median)")
    print(f"Program JSON round trip: {round_us:7.1f} us each")
    print(
        f"ratios: prescribe = {prescribe_us / round_us:.1f} x round trip; "
        f"assess = {assess_us / round_us:.1f} x round trip"
    )
    print(
        f"programs: {n - impossible} ({referrals} referrals), {impossible} impossible budgets, "
        f"{exercises:.1f} exercises per program; load average {os.getloadavg()[0]:.2f}"
    )
    if args.json:
        peer = "pydantic JSON round trip of the Program"
        rows = [
            {
                "bench": "prescribe",
                "case": f"{name} one generated patient (median of {args.repeats})",
                "ours": round(us, 1),
                "unit": "us",
                "peer_name": peer,
                "peer": round(round_us, 1),
                "ratio": round(us / round_us, 2),
                "note": f"{n} patients, gc.freeze() after building inputs; min {min(times[name]):.1f} us",
            }
            for name, us in (("assess", assess_us), ("prescribe", prescribe_us))
        ]
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


def _per_patient_us(seconds: float, count: int) -> float:
    return seconds / max(1, count) * 1e6


if __name__ == "__main__":
    main()
