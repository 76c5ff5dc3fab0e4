"""A readable handout of a program: what to do, how much, how, and why."""

from __future__ import annotations

import textwrap

from spinecoach.exercises import Catalogue
from spinecoach.exercises.model import Dose
from spinecoach.prescription.program import Program, ProgramExercise, Reason

__all__ = ["dose_in_words", "render_handout", "render_program"]

_WIDTH = 88
_PATHWAYS = {
    "self_management": "self-management",
    "physio_led": "physiotherapist-led",
    "psychologically_informed": "psychologically informed physiotherapy",
}
_PHASES = {1: "activation and coordination", 2: "endurance", 3: "strength and function"}


def dose_in_words(dose: Dose) -> str:
    """A dose as a patient reads it, e.g. '3 sets: 6, 4, 2 holds of 8 s, each side; rest 30 s'."""
    sets = f"{dose.sets} set{'s' if dose.sets != 1 else ''}"
    if dose.duration_min is not None:
        work = f"{dose.duration_min:g} min"
    else:
        count = ", ".join(str(r) for r in dose.pyramid) if dose.pyramid else str(dose.reps or 1)
        if dose.hold_s is not None:
            work = f"{count} hold{'s' if count != '1' else ''} of {dose.hold_s:g} s"
        else:
            work = f"{count} repetition{'s' if count != '1' else ''}"
    parts = [f"{sets}: {work}"]
    if dose.load_kg is not None:
        parts.append(f"{dose.load_kg:g} kg")
    if dose.per_side:
        parts.append("each side")
    if dose.extra_set_side is not None:
        parts.append(f"one extra set on the {dose.extra_set_side} side")
    text = ", ".join(parts)
    several = dose.sets > 1 or dose.extra_set_side is not None
    return f"{text}; rest {dose.rest_s} s between sets" if several else text


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, _WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]


def _reasons(reasons: list[Reason], indent: str, *, patient: bool = False) -> list[str]:
    """Reasons with rule ids for the clinician; plain words only (and none of the technical
    ones) for the patient."""
    lines: list[str] = []
    for r in reasons:
        if patient and r.rule.split(".")[0] in _CLINICIAN_ONLY:
            continue
        text = r.text if patient else f"{r.text} [{r.rule}]"
        lines.extend(_wrap(f"- {text}", indent))
    return lines


_CLINICIAN_ONLY = frozenset({"stratum", "dose", "budget", "override", "adapt", "phase", "safety"})
"""Reason families that are the clinician's business: risk strata, dose rules, budgets,
overrides, adaptation bookkeeping (the patient's handout says what to do, not why the engine
chose it)."""

_STOP_WHEN = (
    "Stop and contact your clinician if pain spreads down a leg, if you get new numbness, "
    "tingling or weakness, problems passing urine or opening your bowels, numbness between "
    "your legs, or if your back is clearly worse the next morning."
)

_WALKING = {
    "extension": "Walk tall, with your back upright; if sitting makes you worse, break it up "
    "with short walks.",
    "flexion": "If walking upright hurts, lean slightly forward (as on a trolley) and rest "
    "sitting when you need to; short walks are better than one long one.",
}


def _exercise(
    number: int, item: ProgramExercise, catalogue: Catalogue, *, patient: bool = False
) -> list[str]:
    pinned = " (chosen by your physiotherapist)" if item.pinned else ""
    lines = [f"{number}. {item.name}{pinned}  (about {item.minutes:.0f} min)"]
    lines.extend(_wrap(f"Dose: {dose_in_words(item.dose)}", "   "))
    if item.id in catalogue:
        exercise = catalogue.get(item.id)
        lines.append("   How:")
        for step in exercise.instructions:
            lines.extend(_wrap(f"- {step}", "     "))
        if exercise.cues:
            lines.extend(_wrap(f"Tips: {' '.join(exercise.cues)}", "   "))
    lines.extend(_wrap(f"Why it matters: {item.education}", "   "))
    if not patient:
        lines.append("   Why it is in your program:")
        lines.extend(_reasons(item.reasons, "     "))
    return lines


def render_program(program: Program, catalogue: Catalogue) -> str:
    """The program as plain text for the physiotherapist: every reason with its rule id."""
    return _render(program, catalogue, patient=False)


def render_handout(program: Program, catalogue: Catalogue) -> str:
    """The patient's handout in plain words: what to do, how much, why it matters and when
    to stop; no rule ids, no risk-stratum labels, no list of what was left out."""
    return _render(program, catalogue, patient=True)


def _render(program: Program, catalogue: Catalogue, *, patient: bool) -> str:
    lines = [f"Exercise program for {program.patient_id} (version {program.version})"]
    if program.status == "referral" and program.referral is not None:
        ref = program.referral
        lines += [
            "",
            "SCREEN FIRST: no exercise until the red-flag questions are answered."
            if ref.kind == "screen_first"
            else f"STOP: no exercise for now. {ref.urgency.upper()} medical care is needed.",
        ]
        lines += _wrap(f"What to do: {ref.patient_action}", "")
        if not patient:
            lines += _wrap(f"For the clinician: {ref.clinician_action}", "")
            if ref.kind == "red_flag":
                lines += _wrap(f"Red flags: {', '.join(ref.flags) or 'see the screen'}", "")
    elif patient:
        lines += [
            f"{program.sessions_per_week} sessions a week, about "
            f"{program.total_minutes:.0f} minutes each",
        ]
        if program.status == "paused":
            lines += _wrap("Your back flared up: for now only the gentle exercises below.", "")
        for number, item in enumerate(program.exercises, start=1):
            lines += ["", *_exercise(number, item, catalogue, patient=True)]
        walking = _WALKING.get(program.safety.directional_preference or "")
        if walking is not None and program.safety.directional_preference in _WALKING:
            lines += ["", *_wrap(f"Walking: {walking}", "")]
        lines += ["", *_wrap(f"When to stop: {_STOP_WHEN}", "")]
    else:
        lines += [
            f"Care: {_PATHWAYS[program.care_pathway]}; dosing: {program.dosing.replace('_', '-')}",
            f"Phase {program.phase}: {_PHASES[program.phase]}",
            f"{program.sessions_per_week} sessions a week, about "
            f"{program.total_minutes:.0f} of {program.minutes_per_session} minutes each",
        ]
        lines += _reasons(program.phase_reasons, "  ")
        for number, item in enumerate(program.exercises, start=1):
            lines += ["", *_exercise(number, item, catalogue)]
    if program.advice:
        lines += ["", "Advice:"]
        lines += _reasons(program.advice, "  ", patient=patient)
    if program.excluded and not patient:
        lines += ["", "Left out, and why:"]
        for ex in program.excluded:
            lines += _wrap(f"- {ex.name}: {ex.reasons[0].text}", "  ")
    if program.approved_by:
        lines += ["", f"Approved by {program.approved_by}"]
    return "\n".join(lines) + "\n"
