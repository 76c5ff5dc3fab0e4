"""Dose steps: one parameter at a time, in small increments, always inside the exercise's bounds.

Progression order (issue 4): hold time, then repetitions, then sets, then external load (the
machine's smallest increment), then time-based work; after that the next rung of the ladder is
the adaptation engine's business. Regression walks the same order backwards, so the last thing
added is the first thing taken away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from spinecoach.exercises.model import Dose, DoseBounds
from spinecoach.prescription.settings import AdaptationSettings

__all__ = [
    "PROGRESSION_ORDER",
    "DoseParameter",
    "DoseStep",
    "describe_dose",
    "floor_dose",
    "step_down",
    "step_up",
]

DoseParameter = Literal["hold_s", "reps", "sets", "load_kg", "duration_min"]

PROGRESSION_ORDER: tuple[DoseParameter, ...] = ("hold_s", "reps", "sets", "load_kg", "duration_min")
"""The order parameters are raised in; lowered in reverse (issue 4: hold, reps/sets, load)."""


@dataclass(frozen=True)
class DoseStep:
    """One parameter changed by one step: the new dose and which parameter moved."""

    dose: Dose
    parameter: DoseParameter


def step_up(dose: Dose, bounds: DoseBounds, settings: AdaptationSettings) -> DoseStep | None:
    """Raise the first parameter (in progression order) that still has room; None at the top."""
    for parameter in PROGRESSION_ORDER:
        moved = _move(dose, bounds, settings, parameter, up=True)
        if moved is not None:
            return DoseStep(moved, parameter)
    return None


def step_down(dose: Dose, bounds: DoseBounds, settings: AdaptationSettings) -> DoseStep | None:
    """Lower the last parameter (in progression order) that can go down; None at the floor."""
    for parameter in reversed(PROGRESSION_ORDER):
        moved = _move(dose, bounds, settings, parameter, up=False)
        if moved is not None:
            return DoseStep(moved, parameter)
    return None


def floor_dose(dose: Dose, bounds: DoseBounds) -> Dose:
    """The gentlest dose inside the bounds: every parameter present at its minimum."""
    floored = dose
    for parameter in PROGRESSION_ORDER:
        current: float | None = getattr(floored, parameter)
        limits = getattr(bounds, parameter)
        if current is not None and limits is not None and current > limits.min:
            whole = parameter in ("reps", "sets")
            value = float(max(math.ceil(limits.min), 1)) if whole else limits.min
            floored = _with(floored, parameter, value)
    return floored


def _step_size(
    parameter: DoseParameter, bounds: DoseBounds, settings: AdaptationSettings
) -> float | None:
    sizes: dict[DoseParameter, float | None] = {
        "hold_s": settings.hold_step_s,
        "reps": settings.reps_step,
        "sets": settings.sets_step,
        "load_kg": bounds.load_increment_kg,
        "duration_min": settings.duration_step_min,
    }
    return sizes[parameter]


def _move(
    dose: Dose,
    bounds: DoseBounds,
    settings: AdaptationSettings,
    parameter: DoseParameter,
    *,
    up: bool,
) -> Dose | None:
    current: float | None = getattr(dose, parameter)
    limits = getattr(bounds, parameter)
    step = _step_size(parameter, bounds, settings)
    if current is None or limits is None or step is None:
        return None
    if parameter == "hold_s":  # long holds move by a share of the hold, short ones by seconds
        step = max(step, round(current * settings.hold_step_share))
    target = min(current + step, limits.max) if up else max(current - step, limits.min)
    if parameter in ("reps", "sets"):  # whole numbers that stay inside the bounds
        target = float(math.floor(target) if up else math.ceil(target))
    else:
        target = min(max(round(target, 2), limits.min), limits.max)
    if (up and target <= current) or (not up and target >= current):
        return None
    return _with(dose, parameter, target)


def _with(dose: Dose, parameter: DoseParameter, value: float) -> Dose:
    update: dict[str, object] = {parameter: int(value) if parameter in ("reps", "sets") else value}
    if dose.pyramid is not None and parameter in ("reps", "sets"):
        sets = int(value) if parameter == "sets" else dose.sets
        top = int(value) if parameter == "reps" else (dose.reps or dose.pyramid[0])
        update["pyramid"] = _pyramid(top, sets, dose.pyramid)
    return Dose.model_validate({**dose.model_dump(), **update})


def _pyramid(top: int, sets: int, old: list[int]) -> list[int]:
    """A descending pyramid (McGill) of ``sets`` steps from ``top``, keeping the old step."""
    step = max(old[0] - old[1], 1) if len(old) > 1 else 2
    return [max(top - step * i, 1) for i in range(sets)]


def describe_dose(dose: Dose) -> str:
    """Short readable form, e.g. '3 x 6 x 10 s holds, 5 kg' or '20 min'."""
    parts: list[str] = []
    if dose.duration_min is not None:
        parts.append(f"{_num(dose.duration_min)} min")
    else:
        reps = "-".join(str(r) for r in dose.pyramid) if dose.pyramid else str(dose.reps or 1)
        body = f"{dose.sets} x {reps}"
        if dose.hold_s is not None:
            body += f" x {_num(dose.hold_s)} s holds"
        parts.append(body)
    if dose.load_kg is not None:
        parts.append(f"{_num(dose.load_kg)} kg")
    if dose.per_side:
        parts.append("each side")
    return ", ".join(parts)


def _num(value: float) -> str:
    return f"{value:g}"
