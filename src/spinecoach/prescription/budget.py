"""Fit a program into the patient's minutes per session, never below any exercise's bounds.

Order of cuts: first the optional, lower-priority exercises; then one set at a time off the
longest exercises (down to their minimum sets); then core exercises, lowest priority first.
Pinned exercises and clinician-set doses are never cut; if they alone do not fit, or nothing
fits at all, the budget is impossible and an :class:`InputError` names ``minutes``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spinecoach.errors import InputError
from spinecoach.exercises.model import Dose, DoseBounds
from spinecoach.prescription.dosing import estimate_minutes, shorter_dose
from spinecoach.prescription.program import Reason
from spinecoach.prescription.rules import reason
from spinecoach.prescription.selection import Choice, session_order

__all__ = [
    "CORE_PRIORITY",
    "MIN_SESSION_MINUTES",
    "PROGRESSION_HEADROOM",
    "Planned",
    "check_minutes",
    "fit_to_budget",
]

MIN_SESSION_MINUTES = 5
"""The shortest session the engine plans (matches the intake's lower bound)."""

CORE_PRIORITY = 70
"""Slots at or above this priority are the phase core; below it they are optional extras."""

PROGRESSION_HEADROOM = 0.85
"""A first program is planned into this share of the patient's minutes, so that the first
progressions fit the session (policy); when it cannot, the whole budget is used."""


@dataclass(slots=True)
class Planned:
    """A chosen exercise with its dose and estimated minutes."""

    choice: Choice
    dose: Dose
    reasons: list[Reason]
    fixed_dose: bool = False
    hundredths: int = field(init=False)
    """Estimated time in hundredths of a minute (integers add up exactly)."""

    def __post_init__(self) -> None:
        self.set_dose(self.dose)

    def set_dose(self, dose: Dose) -> None:
        self.dose = dose
        self.hundredths = round(estimate_minutes(dose) * 100)

    @property
    def minutes(self) -> float:
        return self.hundredths / 100


def check_minutes(minutes: int) -> None:
    """Reject a budget shorter than any session the engine plans."""
    if minutes < MIN_SESSION_MINUTES:
        raise InputError(
            f"minutes: {minutes} is too short for a session; at least {MIN_SESSION_MINUTES} "
            "minutes are needed"
        )


def _fits(plan: list[Planned], minutes: int) -> bool:
    """True when the plan fits, with a hundredth of a minute to spare so that float sums of
    the rounded minutes can never exceed the budget."""
    return sum(p.hundredths for p in plan) <= minutes * 100 - 1


def fit_to_budget(
    plan: list[Planned], minutes: int, *, self_management: bool
) -> tuple[list[Planned], list[tuple[Planned, Reason]]]:
    """The exercises that fit (in plan order) and those dropped, each with its reason."""
    kept = list(plan)
    dropped: list[tuple[Planned, Reason]] = []
    over_budget = reason("budget.dropped", minutes=minutes)
    if self_management:  # keep the tailoring: shorten doses before leaving anything out
        while not _fits(kept, minutes) and _trim_longest(kept, minutes):
            pass
    while not _fits(kept, minutes) and _drop_lowest(kept, dropped, core_too=False, why=over_budget):
        pass
    while not _fits(kept, minutes) and _trim_longest(kept, minutes):
        pass
    while not _fits(kept, minutes) and _drop_lowest(kept, dropped, core_too=True, why=over_budget):
        pass
    _refill(kept, dropped, minutes, over_budget)
    if not _fits(kept, minutes) or (plan and not kept):
        need = sum(p.minutes for p in kept) if kept else min(p.minutes for p in plan)
        raise InputError(
            f"minutes: {minutes} minutes cannot hold this program; it needs at least "
            f"{need:.1f} minutes (pinned exercises and clinician doses are never cut)"
        )
    return kept, dropped


def _drop_lowest(
    kept: list[Planned], dropped: list[tuple[Planned, Reason]], *, core_too: bool, why: Reason
) -> bool:
    """Drop the lowest-priority droppable exercise; False when none may be dropped."""
    droppable = [
        p for p in kept if not p.choice.pinned and (core_too or p.choice.priority < CORE_PRIORITY)
    ]
    if not droppable:
        return False
    victim = min(droppable, key=lambda p: (p.choice.priority, -p.choice.order))
    kept.remove(victim)
    dropped.append((victim, why))
    return True


def _refill(
    kept: list[Planned], dropped: list[tuple[Planned, Reason]], minutes: int, why: Reason
) -> None:
    """Put back dropped exercises that fit in the time left, shortened within their bounds
    if need be; highest priority first."""
    for planned, because in sorted(
        dropped, key=lambda t: (-t[0].choice.priority, t[0].choice.order)
    ):
        if because != why:
            continue
        candidate = _shortest_fit(planned, kept, minutes)
        if candidate is not None:
            kept.append(candidate)
            dropped.remove((planned, because))
    kept.sort(key=lambda p: session_order(p.choice))


def _shortest_fit(planned: Planned, kept: list[Planned], minutes: int) -> Planned | None:
    trial = Planned(planned.choice, planned.dose, list(planned.reasons), planned.fixed_dose)
    while not _fits([*kept, trial], minutes):
        shorter = None if trial.fixed_dose else shorter_dose(trial.dose, _bounds(trial))
        if shorter is None:
            return None
        trial.set_dose(shorter)
        _note_trim(trial, minutes)
    return trial


def _bounds(planned: Planned) -> DoseBounds:
    return planned.choice.entry.exercise.bounds


def _note_trim(planned: Planned, minutes: int) -> None:
    trimmed = reason("dose.budget_trimmed", minutes=minutes)
    if trimmed not in planned.reasons:
        planned.reasons.append(trimmed)


def _trim_longest(kept: list[Planned], minutes: int) -> bool:
    """Shorten the longest trimmable exercise by one step; False when none can be shortened."""
    trimmable = [
        (p, shorter)
        for p in kept
        if not p.fixed_dose and (shorter := shorter_dose(p.dose, _bounds(p)))
    ]
    if not trimmable:
        return False
    planned, shorter = max(trimmable, key=lambda t: (t[0].minutes, -t[0].choice.order))
    planned.set_dose(shorter)
    _note_trim(planned, minutes)
    return True
