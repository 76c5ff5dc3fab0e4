"""A synthetic patient who does (or skips) prescribed sessions and whose back responds.

Good enough to exercise the adaptation loop, not a physiological model. The patient has a
capacity per muscle group (in ladder-rung units: 2.5 means comfortably past the second rung's
easiest dose). An exercise demands its rung level plus how far its dose sits inside its
bounds. Work at up to the capacity builds it; work beyond it raises pain and wears capacity
down. Exercise loading a truly provoking direction hurts, and one loading a peripheralizing
direction may send symptoms down the leg. Pain varies from day to day; adherence may drift.

The hidden traits are drawn from the intake (pain, movement tests, endurance) and the seed;
the same intake and seed give the same patient.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from spinecoach.clinical.intake import Intake
from spinecoach.exercises.catalogue import Catalogue
from spinecoach.exercises.model import DoseBounds
from spinecoach.prescription.program import Program, ProgramExercise
from spinecoach.sessions.model import ExerciseDone, Session
from spinecoach.vocabulary import DIRECTION_LOADS, Direction, SpinalLoad

__all__ = [
    "PAIN_PROFILES",
    "PainProfile",
    "PatientState",
    "PatientTraits",
    "attends",
    "dose_intensity",
    "draw_traits",
    "exercise_demand",
    "measures",
    "muscle_group",
    "simulate_session",
]

GROUPS: dict[SpinalLoad, str] = {
    "flexion": "flexors",
    "extension": "extensors",
    "lateral_flexion": "lateral",
    "rotation": "rotators",
    "axial_compression": "legs",
    "none": "deep",
}
"""Spinal load of an exercise -> the muscle group whose capacity it draws on (and builds)."""

GROWTH_PER_SESSION = 0.06
"""Capacity gained per session of well-dosed work (70-100 % of capacity), rung units."""
PAINFUL_RISE = 1.5
"""A session whose exercises add more pain than this irritates the back (NPRS points)."""
WEAR_PER_SESSION = 0.04
"""Capacity lost per session per unit of overload beyond capacity, rung units."""
DRIFTER_SHARE = 0.25
"""Share of simulated patients whose adherence drifts down week by week."""
NEURO_CHANCE = 0.01
"""Chance per session that a patient with nerve-root symptoms reports new leg symptoms."""
HIDDEN_PROVOKING_CHANCE = 0.1
"""Chance that a direction the intake did not test truly provokes pain (found in sessions)."""

PainProfile = Literal["model", "rises", "goes_well"]
"""How the simulated back responds: ``model`` from capacity and provoking loads (above);
``rises``: pain rises by 2-3 after every session, is still up the next morning and creeps up
from session to session; ``goes_well``: every session leaves pain where it was or lower, the
next morning too, background pain eases, and every exercise is done at moderate effort."""
PAIN_PROFILES: tuple[PainProfile, ...] = ("model", "rises", "goes_well")
RISING_CREEP = 0.15
"""Background pain added per session in the ``rises`` profile, NPRS."""
EASING_PER_SESSION = 0.15
"""Background pain lost per session in the ``goes_well`` profile, NPRS."""


class PatientTraits(BaseModel):
    """What the simulated patient is like underneath (unknown to the engine)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    baseline_pain: float = Field(ge=0, le=10, description="background NPRS at the start")
    provoking_loads: list[SpinalLoad] = Field(description="loads that truly hurt")
    peripheralizing_loads: list[SpinalLoad] = Field(description="loads that send pain down a leg")
    tolerance: float = Field(gt=0, description="how well overload is tolerated; 1 = typical")
    capacity: dict[str, float] = Field(description="muscle group -> starting capacity (rungs)")
    adherence: float = Field(ge=0, le=1, description="chance of doing a prescribed session")
    drift_per_week: float = Field(ge=0, description="adherence lost per week (drifters > 0)")
    pain_noise: float = Field(ge=0, description="day-to-day spread of background pain, NPRS")


@dataclass
class PatientState:
    """How the patient is now: capacity per group, pain (lasting and recent), last session."""

    capacity: dict[str, float]
    pain: float
    """Lasting background pain, NPRS; eases with well-tolerated sessions."""
    irritation: float = 0.0
    """Recent extra pain after painful sessions; halves every two days."""
    last_date: dt.date | None = None
    history: list[float] = field(default_factory=list)


def draw_traits(
    intake: Intake, program: Program, catalogue: Catalogue, rng: np.random.Generator
) -> PatientTraits:
    """Hidden traits consistent with the intake and roughly matched to the first program.

    Capacity per muscle group starts near what the first program asks of it (the clinic's
    prescription is roughly right), between 100 % and 140 % of the hardest exercise's demand.
    """
    tests = intake.movement_tests.tested()
    provoking = {DIRECTION_LOADS[d] for d, r in tests.items() if r in ("worse", "peripheralizes")}
    for direction, load in DIRECTION_LOADS.items():  # an untested direction may hurt unseen
        if direction not in tests and rng.random() < HIDDEN_PROVOKING_CHANCE:
            provoking.add(load)
    peripheral = sorted({DIRECTION_LOADS[d] for d, r in tests.items() if r == "peripheralizes"})
    pain = intake.questionnaires.nprs
    demand: dict[str, float] = {}
    for e in program.exercises:
        group = muscle_group(e)
        demand[group] = max(demand.get(group, 0.0), exercise_demand(e, catalogue))
    capacity = {
        g: float(demand.get(g, 1.5) * rng.uniform(1.0, 1.4)) for g in sorted(set(GROUPS.values()))
    }
    drifter = rng.random() < DRIFTER_SHARE
    return PatientTraits(
        baseline_pain=float(pain if pain is not None else 5),
        provoking_loads=sorted(provoking),
        peripheralizing_loads=peripheral,
        tolerance=float(rng.uniform(0.6, 1.6)),
        capacity=capacity,
        adherence=float(rng.uniform(0.8, 0.98)),
        drift_per_week=float(rng.uniform(0.08, 0.15)) if drifter else 0.0,
        pain_noise=float(rng.uniform(0.15, 0.35)),
    )


def exercise_demand(exercise: ProgramExercise, catalogue: Catalogue) -> float:
    """What an exercise asks of its muscle group: its rung level plus its dose intensity."""
    return exercise.level + dose_intensity(exercise, catalogue.get(exercise.id).bounds)


def muscle_group(exercise: ProgramExercise) -> str:
    """The group an exercise works: its main spinal load's group, 'deep' when unloaded."""
    loaded = [load for load in exercise.loads if load != "none"]
    return GROUPS[loaded[0]] if loaded else "deep"


def dose_intensity(exercise: ProgramExercise, bounds: DoseBounds) -> float:
    """How far the dose sits inside its bounds, 0 (all at minimum) .. 1 (all at maximum)."""
    dose = exercise.dose
    shares: list[float] = []
    for name in ("sets", "reps", "hold_s", "load_kg", "duration_min"):
        value, limits = getattr(dose, name), getattr(bounds, name)
        if value is None or limits is None:
            continue
        span = limits.max - limits.min
        shares.append(0.0 if span == 0 else min(max((value - limits.min) / span, 0.0), 1.0))
    return sum(shares) / len(shares) if shares else 0.0


def simulate_session(
    traits: PatientTraits,
    state: PatientState,
    program: Program,
    catalogue: Catalogue,
    *,
    date: dt.date,
    rng: np.random.Generator,
    profile: PainProfile = "model",
) -> Session:
    """One session done on ``date``: pain before/after, next morning, every exercise logged."""
    if profile != "model":
        return _scripted_session(traits, state, program, profile, date=date, rng=rng)
    _recover(state, date)
    before = _clip_pain(state.pain + state.irritation + rng.normal(0.0, traits.pain_noise))
    rise = 0.0
    done: list[ExerciseDone] = []
    periph: SpinalLoad | None = None
    for e in program.exercises:
        group = muscle_group(e)
        ratio = exercise_demand(e, catalogue) / state.capacity[group]
        rise += _exercise_pain(traits, e, ratio)
        hits = [load for load in e.loads if load in traits.peripheralizing_loads]
        if periph is None and hits and rng.random() < 0.5:
            periph = hits[0]
        done.append(_log_exercise(e, ratio, rng))
        _train(state, group, ratio)
    after = _clip_pain(before + rise + rng.normal(0.0, 0.2))
    _settle(traits, state, rise)
    residual = 1 if rise > PAINFUL_RISE else 0
    bad_night = 1 if rng.random() < 0.02 else 0
    neuro = bool(traits.peripheralizing_loads) and rng.random() < NEURO_CHANCE
    return Session(
        date=date,
        pain_before=before,
        pain_after=after,
        next_morning_pain=min(before + residual + bad_night, 10),
        new_neuro_symptoms=neuro,
        peripheralization=_direction(periph),
        exercises=done,
    )


def _scripted_session(
    traits: PatientTraits,
    state: PatientState,
    program: Program,
    profile: PainProfile,
    *,
    date: dt.date,
    rng: np.random.Generator,
) -> Session:
    """A session whose pain follows the profile; the exercises are done as prescribed."""
    state.last_date = date
    before = _clip_pain(state.pain)
    if profile == "rises":
        after = min(before + int(rng.integers(2, 4)), 10)
        morning = min(before + 1, 10)
        state.pain = min(state.pain + RISING_CREEP, 10.0)
    else:
        after = max(before - int(rng.integers(0, 2)), 0)
        morning = before
        state.pain = max(state.pain - EASING_PER_SESSION, 0.0)
    state.history.append(state.pain)
    done = [
        ExerciseDone(
            id=e.id,
            sets=e.dose.sets,
            reps=e.dose.reps,
            hold_s=e.dose.hold_s,
            load_kg=e.dose.load_kg,
            duration_min=e.dose.duration_min,
            completed=True,
            rpe=float(round(3.0 + rng.uniform(0.0, 1.0), 1)),
        )
        for e in program.exercises
    ]
    return Session(
        date=date, pain_before=before, pain_after=after, next_morning_pain=morning, exercises=done
    )


def _recover(state: PatientState, date: dt.date) -> None:
    """Recent irritation halves every two days between sessions."""
    if state.last_date is not None:
        days = (date - state.last_date).days
        state.irritation *= 0.5 ** (days / 2)
    state.last_date = date


def _exercise_pain(traits: PatientTraits, e: ProgramExercise, ratio: float) -> float:
    """Pain added by one exercise: overload beyond capacity, and any truly provoking load."""
    pain = max(ratio - 1.0, 0.0) * 4.0 / traits.tolerance
    if set(e.loads) & set(traits.provoking_loads):
        pain += 1.5
    return pain


def _log_exercise(e: ProgramExercise, ratio: float, rng: np.random.Generator) -> ExerciseDone:
    completed = ratio <= 1.1 and rng.random() > 0.05
    sets = e.dose.sets if completed else max(e.dose.sets - 1, 0)
    rpe = float(np.clip(round(1.0 + 4.0 * ratio + rng.normal(0.0, 0.3), 1), 0.0, 10.0))
    return ExerciseDone(
        id=e.id,
        sets=sets,
        reps=e.dose.reps,
        hold_s=e.dose.hold_s,
        load_kg=e.dose.load_kg,
        duration_min=e.dose.duration_min,
        completed=completed,
        rpe=rpe,
    )


def _train(state: PatientState, group: str, ratio: float) -> None:
    """Capacity grows with well-dosed work, a little with easy work, and wears with overload."""
    if ratio > 1.0:
        state.capacity[group] = max(state.capacity[group] - WEAR_PER_SESSION * (ratio - 1.0), 0.5)
    elif ratio >= 0.7:
        state.capacity[group] += GROWTH_PER_SESSION
    else:
        state.capacity[group] += GROWTH_PER_SESSION / 3


def _settle(traits: PatientTraits, state: PatientState, rise: float) -> None:
    """Lasting pain eases after well-tolerated sessions; painful ones irritate and set it back."""
    if rise > PAINFUL_RISE:
        state.irritation = min(state.irritation + 0.6 * rise / traits.tolerance, 6.0)
        state.pain = min(state.pain + 0.05 * rise / traits.tolerance, 10.0)
    else:
        state.pain = max(state.pain - 0.06, 0.0)
    state.history.append(state.pain)


def _clip_pain(value: float) -> int:
    return int(min(max(round(value), 0), 10))


def _direction(load: SpinalLoad | None) -> Direction | None:
    """A movement direction for a load (the first that maps to it), for the session log."""
    if load is None:
        return None
    directions: list[Direction] = ["flexion", "extension", "rotation_left", "side_bend_left"]
    return next(d for d in directions if DIRECTION_LOADS[d] == load)


def attends(traits: PatientTraits, week: int, rng: np.random.Generator) -> bool:
    """Whether the patient does a prescribed session in this week of the course (1-based)."""
    chance = max(traits.adherence - traits.drift_per_week * (week - 1), 0.05)
    return bool(rng.random() < chance)


def measures(traits: PatientTraits, state: PatientState, intake: Intake) -> Mapping[str, float]:
    """Re-measured outcome values now, scaled from the intake by pain and capacity gained."""
    q, e = intake.questionnaires, intake.endurance
    now = state.pain + state.irritation
    relief = now / traits.baseline_pain if traits.baseline_pain > 0 else 1.0
    out: dict[str, float] = {"nprs": float(_clip_pain(now))}
    if q.rmdq is not None:
        out["rmdq"] = round(min(sum(v or 0 for v in q.rmdq) * relief, 24))
    if q.odi is not None:
        answered = [v for v in q.odi if v is not None]
        if answered:
            out["odi"] = round(min(100 * sum(answered) / (5 * len(answered)) * relief, 100), 1)
    if q.psfs:
        mean = sum(a.score for a in q.psfs) / len(q.psfs)
        out["psfs"] = round(min(max(10 - (10 - mean) * relief, 0.0), 10.0), 1)
    growth = {g: state.capacity[g] / traits.capacity[g] for g in traits.capacity}
    for name, group, cap in (
        ("extensor_s", "extensors", 240.0),
        ("flexor_s", "flexors", 1200.0),
        ("side_bridge_right_s", "lateral", 600.0),
        ("side_bridge_left_s", "lateral", 600.0),
    ):
        value = getattr(e, name)
        if value is not None:
            out[name] = round(min(value * growth[group], cap), 1)
    return out
