"""How much of each exercise: the catalogue's template, adjusted and always within its bounds.

Also :func:`estimate_minutes`, the one time estimate used to keep sessions within the
patient's time budget (adaptation uses it too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from spinecoach.exercises.catalogue import MCGILL_MAX_HOLD_S
from spinecoach.exercises.model import Dose, DoseBounds, Exercise, Range
from spinecoach.prescription.program import Phase, ProgramExercise, Reason
from spinecoach.prescription.rules import reason
from spinecoach.prescription.tailoring import OLDER_ADULT_AGE

__all__ = [
    "BIG3_MAX_HOLD_S",
    "DosingContext",
    "estimate_minutes",
    "fewer_sets",
    "initial_dose",
    "pyramid",
    "shorter_dose",
]

SECONDS_PER_REP = 3.0
"""Planning time for one controlled dynamic repetition (policy: about 1.5 s each way)."""

HOLD_CHANGEOVER_S = 2.0
"""Time to release and re-set between repeated holds (policy planning figure)."""

SETUP_S = 15.0
"""Time to get into position for an exercise (policy planning figure)."""

BIG3_MAX_HOLD_S = MCGILL_MAX_HOLD_S
"""McGill Big 3 holds last about 7-10 s and never longer than 10 s (CLINICAL.md section 8 [V],
powerrackstrength.com citing McGill); the catalogue enforces the same cap."""

PYRAMID_STEP = 2
"""Repetitions dropped per set in the descending pyramid (e.g. 6-4-2); the exact steps are
[U] in CLINICAL.md section 8, so this is policy."""

QUOTA_START_FRACTION = 0.8
"""Graded activity starts submaximal (Lindstrom 1992 [V]); 80% of the template is policy."""

OLDER_ADULT_REST_S = 45
"""Rest between sets from OLDER_ADULT_AGE (policy)."""

FREQUENT_SESSIONS_PER_WEEK = 5
"""From this many sessions a week, strength work drops one set to allow recovery (policy)."""


def estimate_minutes(item: Exercise | Dose | ProgramExercise) -> float:
    """Estimated minutes for a whole dose: setup, work on each side, rest between sets."""
    dose = item if isinstance(item, Dose) else item.dose
    sides = 2 if dose.per_side else 1
    per_set = [_set_seconds(dose, i) for i in range(dose.sets)]
    extra = dose.extra_set_side is not None
    work = sum(per_set) * sides + (per_set[-1] if extra else 0.0)
    rests = (dose.sets + (1 if extra else 0) - 1) * dose.rest_s
    return (SETUP_S + work + rests) / 60.0


def _set_seconds(dose: Dose, index: int) -> float:
    if dose.duration_min is not None:
        return dose.duration_min * 60.0
    reps = dose.pyramid[index] if dose.pyramid else (dose.reps or 1)
    if dose.hold_s is not None:
        return reps * (dose.hold_s + HOLD_CHANGEOVER_S)
    return reps * SECONDS_PER_REP


@dataclass(frozen=True, slots=True)
class DosingContext:
    """What about the patient shapes the dose."""

    phase: Phase
    quota: bool
    conditioning: Literal["low", "moderate", "high"]
    age: int
    sessions_per_week: int
    weak_side: Literal["left", "right"] | None


def initial_dose(
    exercise: Exercise, tags: frozenset[str], ctx: DosingContext
) -> tuple[Dose, list[Reason]]:
    """The starting dose for this patient and the reasons for each change from the template."""
    bounds = exercise.bounds
    fields: dict[str, Any] = exercise.dose.model_dump()
    reasons = [reason("dose.template")]
    if ctx.quota:
        _quota(fields, bounds)
        reasons.append(reason("dose.quota", fraction=QUOTA_START_FRACTION))
    sets_before = fields["sets"]
    if ctx.conditioning == "low" and sets_before - 1 >= bounds.sets.min:
        fields["sets"] = sets_before - 1
        reasons.append(reason("dose.conditioning", conditioning="Low", change="one fewer"))
    elif ctx.conditioning == "high" and sets_before + 1 <= bounds.sets.max:
        fields["sets"] = sets_before + 1
        reasons.append(reason("dose.conditioning", conditioning="High", change="one more"))
    if (
        exercise.purpose == "strength"
        and ctx.sessions_per_week >= FREQUENT_SESSIONS_PER_WEEK
        and fields["sets"] - 1 >= bounds.sets.min
    ):
        fields["sets"] -= 1
        reasons.append(reason("dose.frequent_sessions", sessions=ctx.sessions_per_week))
    if ctx.age >= OLDER_ADULT_AGE and fields["rest_s"] < OLDER_ADULT_REST_S:
        rest = int(min(OLDER_ADULT_REST_S, bounds.rest_s.max))
        if rest > fields["rest_s"]:
            fields["rest_s"] = rest
            reasons.append(reason("dose.older_adult_rest", age=ctx.age, rest_s=rest))
    if "big3" in tags and fields["hold_s"] is not None:
        fields["hold_s"] = min(fields["hold_s"], BIG3_MAX_HOLD_S)
    if (
        "side_bridge" in tags
        and ctx.weak_side is not None
        and fields["sets"] + 1 <= bounds.sets.max
    ):
        fields["extra_set_side"] = ctx.weak_side
    fields["pyramid"] = _pyramid_for(fields, exercise, tags, bounds)
    if "big3" in tags and fields["pyramid"]:
        pyramid_text = "-".join(str(r) for r in fields["pyramid"])
        reasons.append(reason("dose.big3", hold_s=f"{fields['hold_s']:g}", pyramid=pyramid_text))
    dose = Dose.model_validate(fields)
    return dose, reasons


def _quota(fields: dict[str, Any], bounds: DoseBounds) -> None:
    """Lower the work unit to the graded-activity starting quota, never below its bound."""
    if fields["reps"] is not None:
        fields["reps"] = _at_least(math.floor(fields["reps"] * QUOTA_START_FRACTION), bounds.reps)
    if fields["hold_s"] is not None:
        fields["hold_s"] = float(
            _at_least(round(fields["hold_s"] * QUOTA_START_FRACTION), bounds.hold_s)
        )
    if fields["duration_min"] is not None:
        value = round(fields["duration_min"] * QUOTA_START_FRACTION, 1)
        fields["duration_min"] = _at_least(value, bounds.duration_min)


def _at_least(value: float, bound: Range | None) -> Any:
    floor = bound.min if bound is not None else 1
    result = max(value, floor, 1)
    return int(result) if float(result).is_integer() else result


def _pyramid_for(
    fields: dict[str, Any], exercise: Exercise, tags: frozenset[str], bounds: DoseBounds
) -> list[int] | None:
    """A descending pyramid for Big 3 holds (or a template pyramid), one entry per set."""
    reps = fields["reps"]
    if reps is None or fields["sets"] < 2:
        return None
    template = exercise.dose.pyramid
    if template is not None and len(template) == fields["sets"] and template[0] == reps:
        return list(template)
    if "big3" not in tags and template is None:
        return None
    return pyramid(int(reps), int(fields["sets"]), bounds)


def pyramid(top: int, sets: int, bounds: DoseBounds) -> list[int]:
    """A descending pyramid from ``top`` reps over ``sets`` sets, never below the reps bound."""
    floor = math.ceil(bounds.reps.min) if bounds.reps is not None else 1
    floor = max(1, min(floor, top))
    return [max(floor, top - PYRAMID_STEP * i) for i in range(sets)]


def fewer_sets(dose: Dose, bounds: DoseBounds) -> Dose | None:
    """The same dose with one set fewer, or None when that would go below the bounds."""
    if dose.sets - 1 < bounds.sets.min or dose.sets <= 1:
        return None
    update: dict[str, Any] = {"sets": dose.sets - 1}
    if dose.pyramid is not None:
        update["pyramid"] = dose.pyramid[:-1] if dose.sets - 1 >= 2 else None
        if update["pyramid"] is None:
            update["reps"] = dose.pyramid[0]
    return Dose.model_validate({**dose.model_dump(), **update})


DURATION_TRIM_STEP_MIN = 2.0
"""Minutes taken off time-based work (walking) per trimming step (policy planning figure)."""


def shorter_dose(dose: Dose, bounds: DoseBounds) -> Dose | None:
    """One step shorter: a set fewer, else less time-based work; None at the bounds' floor."""
    fewer = fewer_sets(dose, bounds)
    if fewer is not None:
        return fewer
    floor = bounds.duration_min.min if bounds.duration_min is not None else None
    if dose.duration_min is None or floor is None or dose.duration_min <= floor:
        return None
    duration = max(floor, round(dose.duration_min - DURATION_TRIM_STEP_MIN, 1))
    return Dose.model_validate({**dose.model_dump(), "duration_min": duration})
