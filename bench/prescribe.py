"""Benchmark: assess + prescribe for generated patients, with a pydantic round trip for scale.

Run with ``.venv/bin/python bench/prescribe.py [--patients N] [--seed S]``. Prints patients per
second for ``assess`` and for ``prescribe`` separately, and the cost of one plain pydantic
JSON round trip of the resulting Program, so the numbers read as ratios on any machine.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
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
    args = parser.parse_args()
    n = args.patients

    rng = np.random.default_rng(args.seed)
    catalogue = load_catalogue()
    print(f"{n} generated patients (seed {args.seed}), catalogue of {len(catalogue)} exercises")
    intakes, _ = _timed("generate intakes", lambda: [random_intake(rng) for _ in range(n)])
    assessments, t_assess = _timed("assess", lambda: [assess(i) for i in intakes])
    prescribe(assessments[0], assessments[0].patient, catalogue)  # build the catalogue index

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

    (programs, impossible), t_prescribe = _timed("prescribe", prescribe_all)
    _, t_round = _timed("Program JSON round trip", lambda: _round_trip(programs))

    per = _per_patient_us(t_assess, n), _per_patient_us(t_prescribe, n)
    round_us = _per_patient_us(t_round, len(programs))
    referrals = sum(p.status == "referral" for p in programs)
    exercises = sum(len(p.exercises) for p in programs) / max(1, len(programs))
    print(f"assess:    {n / t_assess:9.0f} patients/s  ({per[0]:7.1f} us each)")
    print(f"prescribe: {n / t_prescribe:9.0f} patients/s  ({per[1]:7.1f} us each)")
    print(f"Program JSON round trip: {round_us:7.1f} us each")
    print(
        f"ratios: prescribe = {per[1] / round_us:.1f} x round trip; "
        f"assess = {per[0] / round_us:.1f} x round trip"
    )
    print(
        f"programs: {len(programs)} ({referrals} referrals), {impossible} impossible budgets, "
        f"{exercises:.1f} exercises per program"
    )


def _per_patient_us(seconds: float, count: int) -> float:
    return seconds / max(1, count) * 1e6


if __name__ == "__main__":
    main()
