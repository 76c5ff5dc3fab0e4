"""Health precautions: what pregnancy, fragile bones, surgery, falls risk or the heart rule out.

CLINICAL.md section 10. ``active_precautions(health, on)`` turns the intake's ``health``
section into the precautions that apply on a given day (pregnancy weeks and the time since
surgery move on during a course); ``precaution_reasons(exercise, precautions)`` says why an
exercise breaks any of them. Prescription and adaptation both use this one check, so a rung
change can never bring back what the intake ruled out. The week limits and what counts as
"loaded" are clinic policy (named constants below); the reasons say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from spinecoach.clinical.health import Health
from spinecoach.exercises.model import Exercise
from spinecoach.prescription.program import Reason
from spinecoach.prescription.rules import reason

__all__ = [
    "EXTERNAL_LOADS",
    "PREGNANCY_POSITION_WEEK",
    "SURGERY_PHASE1_DAYS",
    "Precaution",
    "active_precautions",
    "phase_cap",
    "precaution_reasons",
]

PREGNANCY_POSITION_WEEK: Final = 13
"""From about 13 weeks (after the first trimester) no prone or prolonged supine positions
(ACOG guidance as widely summarised, CLINICAL.md s10 [V]; the week limit is policy)."""

SURGERY_PHASE1_DAYS: Final = 42
"""Before 6 weeks after lumbar surgery: phase 1 only and the surgeon's restrictions
(Oosterhuis 2014: programmes start 4-6 weeks after surgery [V]; the hard boundary is policy)."""

EXTERNAL_LOADS: Final = frozenset({"pulley", "kettlebell", "dumbbells"})
"""Equipment that puts an external load through the spine ("loaded" work, policy)."""

HEAVY_STRAIN_EQUIPMENT: Final = frozenset({"kettlebell", "dumbbells"})
"""Free weights that invite breath-holding and heavy straining (cardiovascular precaution,
policy)."""


@dataclass(frozen=True, slots=True)
class Precaution:
    """One health precaution in force: its id and the plain-words detail of the condition."""

    id: str
    detail: str
    restricted_loads: tuple[str, ...] = ()


def active_precautions(health: Health | None, on: dt.date | None = None) -> tuple[Precaution, ...]:
    """The precautions that apply on ``on`` (the day the section was recorded when None)."""
    if health is None:
        return ()
    found: list[Precaution] = []
    weeks = health.pregnancy_weeks_on(on)
    if weeks is not None:
        found.append(Precaution("pregnancy.falls", f"pregnant, {weeks} weeks"))
        if weeks >= PREGNANCY_POSITION_WEEK:
            found.append(Precaution("pregnancy.position", f"pregnant, {weeks} weeks"))
    if health.bone_fragility:
        found.append(Precaution("bone.flexion", _bone_detail(health)))
        found.append(Precaution("bone.rotation", _bone_detail(health)))
        found.append(Precaution("bone.balance", _bone_detail(health)))
    days = health.days_since_surgery(on)
    surgery = health.spinal_surgery
    if surgery is not None and days is not None:
        what = f"{surgery.type.replace('_', ' ')} {days // 7} weeks ago"
        if days < SURGERY_PHASE1_DAYS:
            found.append(Precaution("surgery.early", what, tuple(surgery.restricted_loads)))
        found.append(Precaution("surgery.phase_approval", what))
    if health.falls_risk:
        found.append(Precaution("falls.balance", "falls risk"))
    if health.cardiovascular:
        what = "uncontrolled high blood pressure" if health.uncontrolled_hypertension else ""
        if health.cardiac_disease:
            what = f"{what} and heart disease" if what else "heart disease"
        found.append(Precaution("cardio.strain", what))
    return tuple(found)


def _bone_detail(health: Health) -> str:
    parts = [
        name
        for name, present in (
            ("osteoporosis", health.osteoporosis),
            ("a previous fragility fracture", health.fragility_fracture),
            ("long-term oral steroids", health.long_term_oral_steroids),
        )
        if present
    ]
    return " and ".join(parts)


def phase_cap(precautions: tuple[Precaution, ...]) -> int | None:
    """The highest phase allowed (1 in the first weeks after surgery), or None."""
    return 1 if any(p.id == "surgery.early" for p in precautions) else None


def needs_phase_approval(precautions: tuple[Precaution, ...]) -> Precaution | None:
    """The surgery precaution that makes every phase change wait for a clinician, if any."""
    return next((p for p in precautions if p.id == "surgery.phase_approval"), None)


def _unsupported_balance(e: Exercise) -> bool:
    return "balance_impaired_unsupported" in e.contraindications or "perturbation" in e.tags


def _amount(e: Exercise, load: str) -> str | None:
    return e.loads.get(load)  # type: ignore[call-overload,no-any-return]


def _loaded_flexion(e: Exercise) -> bool:
    flexion = _amount(e, "flexion")
    return (
        "curl_up" in e.tags
        or "osteoporosis_flexion" in e.contraindications
        or flexion in ("moderate", "high")
        or (flexion is not None and bool(EXTERNAL_LOADS & set(e.equipment)))
    )


def _loaded_rotation(e: Exercise) -> bool:
    rotation = _amount(e, "rotation")
    if rotation is None:
        return False
    if rotation in ("moderate", "high"):
        return True
    still = "anti_rotation" in e.tags  # resisting rotation holds the spine still
    return not still and (e.mode == "dynamic" or bool(EXTERNAL_LOADS & set(e.equipment)))


def precaution_reasons(e: Exercise, precautions: tuple[Precaution, ...]) -> list[Reason]:
    """Why ``e`` breaks a health precaution in force; empty when it does not."""
    found: list[Reason] = []
    for p in precautions:
        if p.id == "pregnancy.position" and e.position in ("prone", "supine"):
            where = "face down" if e.position == "prone" else "on the back"
            found.append(reason("health.pregnancy.position", detail=p.detail, where=where))
        elif p.id == "pregnancy.falls" and _unsupported_balance(e):
            found.append(reason("health.pregnancy.falls", detail=p.detail))
        elif p.id == "bone.flexion" and _loaded_flexion(e):
            found.append(reason("health.bone.flexion", detail=p.detail))
        elif p.id == "bone.rotation" and _loaded_rotation(e):
            found.append(reason("health.bone.rotation", detail=p.detail))
        elif p.id in ("bone.balance", "falls.balance") and _unsupported_balance(e):
            found.append(reason(f"health.{p.id}", detail=p.detail))
        elif p.id == "surgery.early":
            restricted = sorted(set(p.restricted_loads) & set(e.loaded_directions))
            if e.phase > 1 or restricted:
                why = (
                    f"the surgeon restricts {', '.join(restricted)}"
                    if restricted
                    else f"it is phase {e.phase} work"
                )
                found.append(reason("health.surgery.early", detail=p.detail, why=why))
        elif p.id == "cardio.strain" and (
            HEAVY_STRAIN_EQUIPMENT & set(e.equipment) or "high" in e.loads.values()
        ):
            found.append(reason("health.cardio.strain", detail=p.detail))
    return found
