"""The entry point: assessment + profile + catalogue (+ clinician overrides) -> program.

Safety first (red flags, provoking directions, contraindications), then the care pathway
(STarT Back), the phase, the exercises (phase core plus tailoring), their doses, and the fit
to the session's minutes. Pure and deterministic: the same input gives the same program.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

from spinecoach.clinical.assessment import Assessment
from spinecoach.clinical.intake import PatientProfile
from spinecoach.errors import InputError
from spinecoach.exercises import Catalogue
from spinecoach.prescription.budget import (
    MIN_SESSION_MINUTES,
    PROGRESSION_HEADROOM,
    Planned,
    check_minutes,
    fit_to_budget,
)
from spinecoach.prescription.dosing import DosingContext, initial_dose
from spinecoach.prescription.index import CatalogueIndex, index_catalogue
from spinecoach.prescription.overrides import Overrides, apply_dose_change, check_overrides
from spinecoach.prescription.pathway import (
    advice,
    care_pathway,
    is_blocked,
    referral,
    unstratified_phase,
)
from spinecoach.prescription.phases import choose_phase
from spinecoach.prescription.precautions import Precaution, phase_cap
from spinecoach.prescription.program import (
    CarePathway,
    Dosing,
    ExcludedExercise,
    Program,
    ProgramExercise,
    ProgramSafety,
    Reason,
)
from spinecoach.prescription.rules import reason
from spinecoach.prescription.safety import (
    SUPPORT_SURFACES,
    SafetyContext,
    isometric_anti_rotation,
    program_safety,
    safety_context,
    verdicts,
)
from spinecoach.prescription.selection import Choice, select_exercises
from spinecoach.prescription.tailoring import goals_of

__all__ = ["prescribe"]

PIN_PRIORITY = 1000
"""Pinned exercises outrank every slot: the clinician's choice is never dropped for time."""

ANTI_ROTATION_PRIORITY = 72
"""An anti-rotation isometric the clinician allowed ranks with the phase core (policy)."""

_REFUSED_RED_FLAG = "a red flag stops all exercise until a clinician clears it."


def prescribe(
    assessment: Assessment,
    profile: PatientProfile,
    catalogue: Catalogue,
    overrides: Overrides | None = None,
) -> Program:
    """The program for this patient, or a referral when a red flag stops exercise."""
    check_minutes(profile.minutes_per_session)
    index = index_catalogue(catalogue)
    overrides = overrides or Overrides()
    check_overrides(overrides, index.by_id.keys())
    pathway, dosing, pathway_reason = care_pathway(assessment)
    added: dict[str, str] = dict.fromkeys(overrides.contraindications, "added by the clinician")
    ctx = safety_context(
        assessment, profile, added, anti_rotation_allowed=overrides.allow_anti_rotation
    )
    safety = program_safety(assessment, profile, ctx)
    # the intake gives the patient's own equipment steps; the clinician's overrides win
    steps = {**profile.load_steps_kg, **overrides.load_steps_kg}
    if steps:
        safety = safety.model_copy(update={"load_steps_kg": steps})
    common = _Common(
        patient_id=profile.id,
        care_pathway=pathway,
        dosing=dosing,
        minutes_per_session=profile.minutes_per_session,
        sessions_per_week=profile.sessions_per_week,
        safety=safety,
    )
    if is_blocked(assessment):
        return _referral_program(assessment, index, overrides, common)
    phase, phase_reasons = choose_phase(assessment)
    if (unstratified := unstratified_phase(assessment)) is not None:
        earlier = phase_reasons if phase == 1 else []  # reasons for a later phase no longer hold
        phase, phase_reasons = unstratified[0], [unstratified[1], *earlier]
    if phase_cap(ctx.precautions) is not None:
        surgery = next(p for p in ctx.precautions if p.id == "surgery.early")
        earlier = phase_reasons if phase == 1 else []
        phase, phase_reasons = 1, [reason("phase.1.surgery", detail=surgery.detail), *earlier]
    unsafe = verdicts(index, ctx)
    self_management = pathway == "self_management"
    choices = select_exercises(
        index,
        set(unsafe) | set(overrides.exclude),
        assessment,
        profile,
        phase,
        self_management=self_management,
    )
    choices = _anti_rotation(index, unsafe, ctx, choices)
    choices, refused = _apply_pins(index, ctx, unsafe, overrides, choices)
    dosing_ctx = DosingContext(
        phase=phase,
        quota=dosing == "quota_based",
        conditioning=profile.conditioning,
        age=profile.age,
        sessions_per_week=profile.sessions_per_week,
        weak_side=assessment.endurance.weak_side,
    )
    plan = [_planned(choice, dosing_ctx, overrides, assessment) for choice in choices]
    kept, dropped = _fit(plan, profile.minutes_per_session, self_management=self_management)
    return Program(
        status="active",
        phase=phase,
        phase_reasons=phase_reasons,
        exercises=[_program_exercise(p) for p in kept],
        excluded=_excluded(index, unsafe, overrides, refused, dropped),
        advice=[
            *advice(assessment, profile, pathway_reason, goals_of(assessment, profile)),
            *_health_advice(ctx.precautions),
        ],
        **common._asdict(),
    )


def _fit(
    plan: list[Planned], minutes: int, *, self_management: bool
) -> tuple[list[Planned], list[tuple[Planned, Reason]]]:
    """Fit the plan with room to progress (``PROGRESSION_HEADROOM``), else into the minutes."""
    roomy = max(MIN_SESSION_MINUTES, math.floor(minutes * PROGRESSION_HEADROOM))
    try:
        trial = [Planned(p.choice, p.dose, list(p.reasons), p.fixed_dose) for p in plan]
        return fit_to_budget(trial, roomy, self_management=self_management)
    except InputError:
        return fit_to_budget(plan, minutes, self_management=self_management)


_HEALTH_ADVICE = {
    "pregnancy.falls": "advice.health.pregnancy",
    "bone.flexion": "advice.health.bone",
    "surgery.phase_approval": "advice.health.surgery",
    "cardio.strain": "advice.health.cardio",
}


def _health_advice(precautions: tuple[Precaution, ...]) -> list[Reason]:
    """One piece of advice per health condition in force (CLINICAL.md section 10)."""
    return [
        reason(_HEALTH_ADVICE[p.id], detail=p.detail) for p in precautions if p.id in _HEALTH_ADVICE
    ]


def _anti_rotation(
    index: CatalogueIndex,
    unsafe: dict[str, list[Reason]],
    ctx: SafetyContext,
    choices: list[Choice],
) -> list[Choice]:
    """With the clinician's override, a rotation-provoked patient gets an anti-rotation
    isometric (spine held still), with the reason shown."""
    if not ctx.anti_rotation_allowed or "rotation" not in ctx.provoking_loads:
        return choices
    if any(isometric_anti_rotation(c.entry.exercise) for c in choices):
        return choices
    allowed = [
        e
        for e in index.tagged(("anti_rotation",))
        if e.id not in unsafe and isometric_anti_rotation(e.exercise)
    ]
    if not allowed:
        return choices
    best = min(allowed, key=lambda e: (e.exercise.level, e.id))
    why = reason("select.anti_rotation_override")
    return [*choices, Choice(best, [why], ANTI_ROTATION_PRIORITY, len(choices) + 500)]


class _Common(NamedTuple):
    """Program fields that a referral and an active program share."""

    patient_id: str
    care_pathway: CarePathway
    dosing: Dosing
    minutes_per_session: int
    sessions_per_week: int
    safety: ProgramSafety


def _referral_program(
    assessment: Assessment,
    index: CatalogueIndex,
    overrides: Overrides,
    common: _Common,
) -> Program:
    """No exercise while a red flag is open; any pin is refused and listed."""
    ref, reasons = referral(assessment)
    refused_pins = [
        ExcludedExercise(
            id=i,
            name=index.by_id[i].exercise.name,
            reasons=[reason("override.refused_safety", why=_REFUSED_RED_FLAG)],
        )
        for i in overrides.wanted()
    ]
    return Program(
        status="referral",
        phase=1,
        phase_reasons=[reason("phase.referral"), reasons[0]]
        if ref.kind == "red_flag"
        else reasons[:1],
        excluded=refused_pins,
        advice=[reasons[1], reason("advice.not_recommended")],
        referral=ref,
        **common._asdict(),
    )


def _apply_pins(
    index: CatalogueIndex,
    ctx: SafetyContext,
    unsafe: dict[str, list[Reason]],
    overrides: Overrides,
    choices: list[Choice],
) -> tuple[list[Choice], dict[str, list[Reason]]]:
    """Add the clinician's pins that are safe; refuse the others with their reasons."""
    by_id = {c.entry.id: c for c in choices}
    refused: dict[str, list[Reason]] = {}
    order = len(choices) + 1000
    for exercise_id in overrides.wanted():
        problems = unsafe.get(exercise_id, [])
        clinical = [r for r in problems if r.rule != "safety.equipment"]
        if clinical:
            why = " ".join(r.text for r in clinical)
            refused[exercise_id] = [reason("override.refused_safety", why=why), *clinical]
            continue
        if problems:
            missing = ", ".join(
                sorted(index.by_id[exercise_id].equipment - ctx.equipment - SUPPORT_SURFACES)
            )
            refused[exercise_id] = [reason("override.refused_equipment", missing=missing)]
            continue
        pin = reason("override.pinned")
        choice = by_id.get(exercise_id)
        if choice is None:
            order += 1
            choice = Choice(index.by_id[exercise_id], [pin], PIN_PRIORITY, order)
            choices.append(choice)
        else:
            choice.reasons.append(pin)
            choice.priority = PIN_PRIORITY
        choice.pinned = True
    return choices, refused


def _planned(
    choice: Choice, ctx: DosingContext, overrides: Overrides, assessment: Assessment
) -> Planned:
    exercise = choice.entry.exercise
    dose, dose_reasons = initial_dose(exercise, choice.entry.tags, ctx)
    reasons = [*choice.reasons]
    change = overrides.doses.get(exercise.id)
    if change is not None:
        dose = apply_dose_change(exercise, dose, change)
        fields = ", ".join(f"{k} {v:g}" for k, v in change.changed().items())
        dose_reasons.append(reason("override.dose", fields=fields))
    endurance = assessment.endurance
    if dose.extra_set_side is not None and endurance.right_left_ratio is not None:
        weak = reason(
            "tailor.weak_side", ratio=f"{endurance.right_left_ratio:.2f}", side=dose.extra_set_side
        )
        if weak not in reasons:
            reasons.append(weak)
    return Planned(choice, dose, [*reasons, *dose_reasons], fixed_dose=change is not None)


def _program_exercise(planned: Planned) -> ProgramExercise:
    exercise = planned.choice.entry.exercise
    return ProgramExercise(
        id=exercise.id,
        name=exercise.name,
        purpose=exercise.purpose,
        mode=exercise.mode,
        loads=sorted(exercise.loads),
        level=exercise.level,
        ladder=exercise.ladder,
        dose=planned.dose,
        minutes=planned.minutes,
        reasons=planned.reasons,
        education=exercise.education,
        pinned=planned.choice.pinned,
    )


def _excluded(
    index: CatalogueIndex,
    unsafe: dict[str, list[Reason]],
    overrides: Overrides,
    refused: dict[str, list[Reason]],
    dropped: list[tuple[Planned, Reason]],
) -> list[ExcludedExercise]:
    """Every exercise left out, with why: safety, equipment, the clinician, or time."""
    why: dict[str, list[Reason]] = {i: list(r) for i, r in unsafe.items()}
    for exercise_id in overrides.exclude:
        why.setdefault(exercise_id, []).insert(0, reason("override.excluded"))
    for exercise_id, reasons in refused.items():
        why[exercise_id] = reasons
    for planned, because in dropped:
        why.setdefault(planned.choice.entry.id, []).append(because)
    return [_excluded_exercise(i, index.by_id[i].exercise.name, tuple(why[i])) for i in sorted(why)]


@functools.lru_cache(maxsize=16384)
def _excluded_exercise(
    exercise_id: str, name: str, reasons: tuple[Reason, ...]
) -> ExcludedExercise:
    """Excluded entries are frozen values that repeat across patients: build each once."""
    return ExcludedExercise(id=exercise_id, name=name, reasons=list(reasons))
