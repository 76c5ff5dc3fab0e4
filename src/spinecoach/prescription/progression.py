"""Dose steps: one parameter at a time, in small increments, always inside the exercise's bounds.

Progression order (issue 4): hold time, then repetitions, then sets, then external load;
after that the next rung of the ladder is the adaptation engine's business. Regression walks
the same order backwards, so the last thing added is the first thing taken away.

Timed and aerobic work (a dose with ``duration_min``) only ever grows by minutes, never by
turning into more sets, and by at most ``duration_step_share`` of the current time per step
(the caller narrows that further for walking and running: at most 10 % a week). A load moves
by the smallest step the patient's equipment has; when that step is more than
``max_load_step_share`` of the current load, the load only moves once the repetitions are at
the top of their range, and the repetitions drop back to the bottom so the work done
(sets x reps x kg) does not grow: double progression. All of these are clinic policy
(CLINICAL.md section 7, "Dose steps").
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
    "StepLimits",
    "describe_dose",
    "floor_dose",
    "step_down",
    "step_up",
    "step_up_options",
    "volume_load",
]

DoseParameter = Literal["hold_s", "reps", "sets", "load_kg", "duration_min"]

PROGRESSION_ORDER: tuple[DoseParameter, ...] = ("hold_s", "reps", "sets", "load_kg", "duration_min")
"""The order parameters are raised in; lowered in reverse (issue 4: hold, reps/sets, load)."""

WHOLE_MINUTES_FROM = 5.0
"""Timed work of at least this many minutes moves in whole minutes; shorter work (a 30 s
carry) moves in tenths of a minute (planning resolution, policy)."""


@dataclass(frozen=True)
class DoseStep:
    """One parameter changed by one step: the new dose and which parameter moved."""

    dose: Dose
    parameter: DoseParameter
    double_progression: bool = False
    """True when the load rose and the repetitions went back to the bottom of their range."""


@dataclass(frozen=True)
class StepLimits:
    """Limits of one step that depend on the patient, not on the exercise.

    ``load_step_kg``: the smallest step the patient's equipment has (None: the catalogue's
    machine step). ``duration_share``: the largest share timed work may grow by in this step
    (None: the settings' per-step share).
    """

    load_step_kg: float | None = None
    duration_share: float | None = None


def _timed(dose: Dose) -> bool:
    return dose.duration_min is not None


def step_up_options(
    dose: Dose,
    bounds: DoseBounds,
    settings: AdaptationSettings,
    limits: StepLimits | None = None,
) -> list[DoseStep]:
    """Every single-parameter step up that is allowed, in progression order."""
    limits = limits or StepLimits()
    if _timed(dose):
        moved = _duration(dose, bounds, settings, limits, up=True)
        return [] if moved is None else [DoseStep(moved, "duration_min")]
    options: list[DoseStep] = []
    for parameter in ("hold_s", "reps", "sets"):
        moved = _move(dose, bounds, settings, parameter, up=True)
        if moved is not None:
            options.append(DoseStep(moved, parameter))
    load = _load_up(dose, bounds, settings, limits)
    if load is not None:
        options.append(load)
    return options


def step_up(
    dose: Dose,
    bounds: DoseBounds,
    settings: AdaptationSettings,
    limits: StepLimits | None = None,
) -> DoseStep | None:
    """Raise the first parameter (in progression order) that still has room; None at the top."""
    options = step_up_options(dose, bounds, settings, limits)
    return options[0] if options else None


def step_down(
    dose: Dose,
    bounds: DoseBounds,
    settings: AdaptationSettings,
    limits: StepLimits | None = None,
) -> DoseStep | None:
    """Lower the last parameter (in progression order) that can go down; None at the floor."""
    limits = limits or StepLimits()
    if _timed(dose):
        moved = _duration(dose, bounds, settings, limits, up=False)
        return None if moved is None else DoseStep(moved, "duration_min")
    load = _load_down(dose, bounds, limits)
    if load is not None:
        return DoseStep(load, "load_kg")
    for parameter in ("sets", "reps", "hold_s"):
        moved = _move(dose, bounds, settings, parameter, up=False)
        if moved is not None:
            return DoseStep(moved, parameter)
    return None


def volume_load(dose: Dose) -> float:
    """Work of a loaded dose: sets x reps x kg (pyramid reps summed), per side."""
    reps = sum(dose.pyramid) if dose.pyramid else dose.sets * (dose.reps or 1)
    return reps * (dose.load_kg or 0.0)


def _duration(
    dose: Dose, bounds: DoseBounds, settings: AdaptationSettings, limits: StepLimits, *, up: bool
) -> Dose | None:
    """Minutes up or down by at most the allowed share, in whole minutes (tenths when short)."""
    current = dose.duration_min
    limits_range = bounds.duration_min
    if current is None or limits_range is None:
        return None
    share = settings.duration_step_share
    if up and limits.duration_share is not None:
        share = min(share, limits.duration_share)
    unit = 1.0 if current >= WHOLE_MINUTES_FROM else 0.1
    step = min(math.floor(round(current * share / unit, 6)) * unit, settings.duration_step_min)
    if step < unit:
        if up:
            return None
        step = unit
    target = current + step if up else current - step
    target = round(min(max(target, limits_range.min), limits_range.max), 2)
    if (up and target <= current) or (not up and target >= current):
        return None
    return _with(dose, "duration_min", target)


def _load_step(bounds: DoseBounds, limits: StepLimits) -> float | None:
    if bounds.load_increment_kg is None and limits.load_step_kg is None:
        return None
    steps = [s for s in (limits.load_step_kg, bounds.load_increment_kg) if s is not None]
    return steps[0]


def _load_up(
    dose: Dose, bounds: DoseBounds, settings: AdaptationSettings, limits: StepLimits
) -> DoseStep | None:
    """The smallest load step; a large step only as double progression (reps back down)."""
    step = _load_step(bounds, limits)
    current, load_range = dose.load_kg, bounds.load_kg
    if step is None or current is None or load_range is None:
        return None
    target = round(current + step, 2)
    if target > load_range.max + 1e-9:
        return None
    heavier = _with(dose, "load_kg", target)
    if step <= settings.max_load_step_share * current + 1e-9:
        return DoseStep(heavier, "load_kg")
    reps_range = bounds.reps
    if dose.reps is None or reps_range is None or dose.reps < reps_range.max:
        return None  # reps first: the equipment's step is too large for this load
    lighter = _with(heavier, "reps", float(max(math.ceil(reps_range.min), 1)))
    if volume_load(lighter) > volume_load(dose) + 1e-9:
        return None
    return DoseStep(lighter, "load_kg", double_progression=True)


def _load_down(dose: Dose, bounds: DoseBounds, limits: StepLimits) -> Dose | None:
    step = _load_step(bounds, limits)
    current, load_range = dose.load_kg, bounds.load_kg
    if step is None or current is None or load_range is None:
        return None
    target = round(current - step, 2)
    if target < load_range.min - 1e-9:
        return None
    return _with(dose, "load_kg", target)


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
        "load_kg": None,
        "duration_min": None,
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
    """Short readable form, e.g. '3 x 6 x 10 s holds, 5 kg', '20 min' or '2 x 10 min'."""
    parts: list[str] = []
    if dose.duration_min is not None:
        sets = f"{dose.sets} x " if dose.sets > 1 else ""
        parts.append(f"{sets}{_num(dose.duration_min)} min")
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
