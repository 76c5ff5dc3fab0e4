"""Tailoring: the slots a person's own mechanics, work, activities and goals add to a program.

Directional work comes first (McKenzie directional preference, a lateral shift, or a TBC
specific-exercise subgroup); then endurance imbalances, examination findings, occupation,
activities, age and goals (PSFS). Each slot names the rule that explains it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from types import MappingProxyType

from spinecoach.clinical.assessment import Assessment
from spinecoach.clinical.intake import PatientProfile
from spinecoach.prescription.slots import Slot

__all__ = [
    "DIRECTIONAL_TAGS",
    "FLEXOR_EXTENSOR_MAX",
    "GOAL_KEYWORDS",
    "OLDER_ADULT_AGE",
    "SIDE_BRIDGE_EXTENSOR_MAX",
    "goals_of",
    "tailoring_slots",
]

DIRECTIONAL_TAGS: Mapping[str, str] = MappingProxyType(
    {
        "extension": "directional_extension",
        "flexion": "directional_flexion",
        "rotation": "lateral_shift",
        "lateral_flexion": "lateral_shift",
    }
)
"""Preferred spinal load -> catalogue tag of the matching directional drills (McKenzie
side-glide covers the frontal-plane and rotation preferences; CLINICAL.md section 6)."""

TBC_SUBGROUP_TAGS: Mapping[str, str] = MappingProxyType(
    {
        "specific_exercise_extension": "directional_extension",
        "specific_exercise_flexion": "directional_flexion",
        "specific_exercise_lateral_shift": "lateral_shift",
    }
)
"""TBC specific-exercise subgroup (Fritz 2007) -> directional drills, when no preference was tested."""

FLEXOR_EXTENSOR_MAX = 1.0
"""McGill: a flexion/extension endurance ratio above 1.0 suggests imbalance (CLINICAL.md 5 [V])."""

SIDE_BRIDGE_EXTENSOR_MAX = 0.75
"""McGill: a side bridge/extension ratio above 0.75 suggests imbalance (CLINICAL.md 5 [V])."""

OLDER_ADULT_AGE = 65
"""From this age a program adds supported balance work, prefers exercises tagged
``older_adult`` and rests longer between sets (policy: a common definition of older adult)."""

GOAL_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lift", ("lifting",)),
    ("pick up", ("lifting",)),
    ("child", ("lifting",)),
    ("carry", ("carry",)),
    ("shopping", ("carry",)),
    ("garden", ("hinge",)),
    ("bend", ("hinge",)),
    ("run", ("single_leg",)),
    ("jog", ("single_leg",)),
    ("walk", ("walking",)),
    ("hik", ("walking",)),
    ("sit", ("posture_break",)),
    ("stair", ("step_up",)),
    ("squat", ("squat",)),
    ("golf", ("diagonal",)),
    ("tennis", ("diagonal",)),
    ("drive", ("thoracic",)),
    ("swim", ("thoracic",)),
    ("cycl", ("hip_flexor",)),
    ("bik", ("hip_flexor",)),
)
"""Words in a goal or PSFS activity (matched at the start of a word) -> tags that train it."""

_SLOT_OCCUPATIONS: Mapping[str, tuple[Slot, ...]] = MappingProxyType(
    {
        "desk": (
            Slot("desk.hip_flexor", ("hip_flexor",), "tailor.desk", 55, "a hip flexor stretch to"),
            Slot("desk.thoracic", ("thoracic",), "tailor.desk", 54, "thoracic mobility to"),
            Slot("desk.posture_break", ("posture_break",), "tailor.desk", 53, "posture breaks"),
        ),
        "manual": (
            Slot("manual.hinge", ("hinge",), "tailor.manual", 60, "the hip hinge"),
            Slot("manual.lifting", ("lifting",), "tailor.manual", 59, "lifting technique"),
        ),
    }
)
"""Occupation -> what it adds (desk: counter long sitting; manual: safe lifting)."""

_RUNNING = (
    Slot("running.single_leg", ("single_leg",), "tailor.running", 57, "single-leg control"),
    Slot(
        "running.gluteus_medius", ("gluteus_medius",), "tailor.running", 56, "gluteus medius work"
    ),
)


def tailoring_slots(
    assessment: Assessment, profile: PatientProfile, *, before_core: bool
) -> tuple[Slot, ...]:
    """Directional slots (``before_core``) or the other tailoring slots for this person."""
    if before_core:
        return _directional(assessment)
    return (
        *_endurance(assessment),
        *_findings(assessment),
        *_SLOT_OCCUPATIONS.get(profile.occupation, ()),
        *(_RUNNING if _runs(profile) else ()),
        *_older_adult(profile),
        *_health(assessment),
        *_goal_slots(goals_of(assessment, profile)),
    )


_BONE_HEALTH = (
    ("bone.strength", ("squat",), "resistance training for the legs and hips", 65),
    ("bone.extensors", ("extensor_endurance",), "back-extensor work", 64),
    ("bone.balance", ("balance",), "balance work with support nearby", 63),
)
"""Too Fit To Fracture: resistance and balance training are kept for fragile bones, with
back-extensor work (CLINICAL.md section 10 [V])."""


def _health(assessment: Assessment) -> tuple[Slot, ...]:
    """Bone health keeps resistance, extensor and balance work; falls risk adds supported
    balance (CLINICAL.md section 10); the precautions make each of them safe."""
    health = assessment.health
    slots: list[Slot] = []
    if health.bone_fragility:
        from spinecoach.prescription.precautions import active_precautions

        detail = next(p.detail for p in active_precautions(health) if p.id == "bone.flexion")
        for key, tags, what, priority in _BONE_HEALTH:
            details = MappingProxyType({"detail": detail.capitalize()})
            slots.append(Slot(key, tags, "tailor.bone_health", priority, what, details=details))
    if health.falls_risk:
        slots.append(Slot("falls.balance", ("balance",), "tailor.falls", 62))
    return tuple(slots)


def _directional(assessment: Assessment) -> tuple[Slot, ...]:
    movement = assessment.movement
    slots: list[Slot] = []
    preferred = movement.preferred_load
    if preferred is not None and preferred in DIRECTIONAL_TAGS:
        direction = movement.directional_preference or preferred
        slots.append(
            Slot(
                "directional_preference",
                (DIRECTIONAL_TAGS[preferred],),
                "select.directional_preference",
                100,
                prefer="easiest",
                details=MappingProxyType({"direction": direction}),
            )
        )
    if assessment.examination.get("lateral_shift") is True:
        slots.append(
            Slot("lateral_shift", ("lateral_shift",), "select.lateral_shift", 95, prefer="easiest")
        )
    if preferred is None and assessment.classification.tbc:
        best = assessment.classification.tbc[0]
        tag = TBC_SUBGROUP_TAGS.get(best.subgroup)
        if tag is not None and best.criteria_matched:
            matched = ", ".join(best.criteria_matched)
            slots.append(
                Slot(
                    "classification",
                    (tag,),
                    "select.classification",
                    90,
                    prefer="easiest",
                    details=MappingProxyType({"subgroup": best.subgroup, "criteria": matched}),
                )
            )
    return tuple(slots)


def _endurance(assessment: Assessment) -> tuple[Slot, ...]:
    profile = assessment.endurance
    slots: list[Slot] = []
    checks = (
        (
            "flexor_extensor_high",
            "Flexor/extensor",
            profile.flexor_extensor_ratio,
            FLEXOR_EXTENSOR_MAX,
        ),
        (
            "side_bridge_extensor_high",
            "Side bridge/extensor",
            profile.side_bridge_extensor_ratio,
            SIDE_BRIDGE_EXTENSOR_MAX,
        ),
    )
    for marker, name, ratio, threshold in checks:
        if marker in profile.markers and ratio is not None:
            details = {"ratio_name": name, "ratio": f"{ratio:.2f}", "threshold": f"{threshold:g}"}
            slots.append(
                Slot(
                    f"endurance.{marker}",
                    ("extensor_endurance",),
                    "tailor.extensor_endurance",
                    66,
                    details=MappingProxyType(details),
                )
            )
    if profile.weak_side is not None and profile.right_left_ratio is not None:
        details = {"ratio": f"{profile.right_left_ratio:.2f}", "side": profile.weak_side}
        slots.append(
            Slot(
                "endurance.weak_side",
                ("side_bridge",),
                "tailor.weak_side",
                64,
                details=MappingProxyType(details),
            )
        )
    return tuple(slots)


def _findings(assessment: Assessment) -> tuple[Slot, ...]:
    exam = assessment.examination
    slots: list[Slot] = []
    if exam.get("hip_flexor_tightness") is True:
        slots.append(Slot("finding.hip_flexor", ("hip_flexor",), "tailor.hip_flexor_tightness", 62))
    if exam.get("gluteal_weakness") is True:
        slots.append(
            Slot(
                "finding.glute_max",
                ("gluteus_maximus",),
                "tailor.gluteal_weakness",
                62,
                "gluteus maximus work",
            )
        )
        slots.append(
            Slot(
                "finding.glute_med",
                ("gluteus_medius",),
                "tailor.gluteal_weakness",
                61,
                "gluteus medius work",
            )
        )
    return tuple(slots)


def _runs(profile: PatientProfile) -> bool:
    return any(re.search(r"\b(run|jog)", a.lower()) for a in profile.activities)


def _older_adult(profile: PatientProfile) -> tuple[Slot, ...]:
    if profile.age < OLDER_ADULT_AGE:
        return ()
    details = MappingProxyType({"age": profile.age})
    return (Slot("older_adult.balance", ("balance",), "tailor.older_adult", 52, details=details),)


def goals_of(assessment: Assessment, profile: PatientProfile) -> list[str]:
    """The patient's goals and PSFS activities, once each, sorted."""
    psfs = assessment.scores.psfs
    activities = list(psfs.activities) if psfs is not None else []
    return sorted({g.strip() for g in (*profile.goals, *activities) if g.strip()})


_GOAL_PATTERNS = tuple(
    (keyword, tags, re.compile(rf"\b{re.escape(keyword)}")) for keyword, tags in GOAL_KEYWORDS
)


def _goal_slots(goals: list[str]) -> tuple[Slot, ...]:
    return tuple(slot for goal in goals for slot in _slots_for_goal(goal))


@functools.lru_cache(maxsize=1024)
def _slots_for_goal(goal: str) -> tuple[Slot, ...]:
    text = goal.lower()
    details = MappingProxyType({"goals": goal})
    return tuple(
        Slot(f"goal.{keyword}", tags, "tailor.goals", 50, details=details)
        for keyword, tags, pattern in _GOAL_PATTERNS
        if pattern.search(text)
    )
