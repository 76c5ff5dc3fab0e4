"""Which exercises a program holds, and why: slots filled from the catalogue by tag.

A slot is a need ("a McGill curl-up", "hip flexor mobility for a desk worker") with the tags
an exercise must carry, the rule that explains it, and a priority (higher is kept first when
time is short). The phase slots and the tailoring slots below are data; the engine fills each
slot with the best exercise that the safety rules allow, one rung per ladder.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from spinecoach.clinical.assessment import Assessment
from spinecoach.clinical.intake import PatientProfile
from spinecoach.prescription.index import CatalogueIndex, IndexedExercise
from spinecoach.prescription.program import Phase, Reason
from spinecoach.prescription.rules import reason
from spinecoach.prescription.slots import Slot
from spinecoach.prescription.tailoring import OLDER_ADULT_AGE, tailoring_slots

__all__ = ["COORDINATION_SLOTS", "PHASE_SLOTS", "Choice", "select_exercises", "session_order"]


COORDINATION_SLOTS: tuple[Slot, ...] = (
    Slot(
        "coordination.tra_multifidus",
        ("tra_multifidus",),
        "select.coordination",
        88,
        what="transversus abdominis drawing-in with multifidus co-activation",
        warm_up=True,
        prefer="easiest",
    ),
    Slot(
        "coordination.breathing",
        ("coordination", "breathing", "pelvic_floor"),
        "select.coordination",
        87,
        what="diaphragmatic breathing with pelvic-floor co-activation",
        warm_up=True,
        prefer="easiest",
    ),
    Slot(
        "coordination.pelvic_tilt",
        ("pelvic_tilt",),
        "select.coordination",
        86,
        what="pelvic tilts",
        warm_up=True,
        prefer="easiest",
    ),
)
"""Every first program starts with deep-muscle coordination, whatever its phase (Hodges 2007;
CLINICAL.md section 8); the easiest safe position of each ladder is taken."""

PHASE_SLOTS: Mapping[Phase, tuple[Slot, ...]] = {
    1: (
        Slot("motor_control", ("motor_control",), "select.motor_control", 74, fresh=True),
        Slot(
            "pain_free_mobility",
            ("flare_safe", "mobility"),
            "select.pain_free_mobility",
            70,
            fresh=True,
        ),
    ),
    2: (
        Slot("curl_up", ("big3", "curl_up"), "select.big3", 80, what="curl-up", fresh=True),
        Slot(
            "side_bridge",
            ("big3", "side_bridge"),
            "select.big3",
            80,
            what="side bridge",
            fresh=True,
        ),
        Slot("bird_dog", ("big3", "bird_dog"), "select.big3", 80, what="bird dog", fresh=True),
        Slot("bridge", ("bridge",), "select.endurance", 70, what="glute bridge", fresh=True),
        Slot("dead_bug", ("dead_bug",), "select.endurance", 66, what="dead bug", fresh=True),
    ),
    3: (
        Slot(
            "warm_up_big3",
            ("big3", "bird_dog"),
            "select.warm_up",
            46,
            phase_max=2,
            warm_up=True,
            fresh=True,
        ),
        Slot("hinge", ("hinge",), "select.strength", 78, what="hip hinge", fresh=True),
        Slot("squat", ("squat",), "select.strength", 76, what="squat", fresh=True),
        Slot(
            "diagonal",
            ("diagonal",),
            "select.strength",
            75,
            what="diagonal chop or lift",
            fresh=True,
        ),
        Slot(
            "anti_rotation",
            ("anti_rotation",),
            "select.strength",
            72,
            what="anti-rotation",
            fresh=True,
        ),
        Slot("lunge", ("lunge",), "select.strength", 70, what="split squat or lunge", fresh=True),
        Slot("lifting", ("lifting",), "select.strength", 68, what="lifting technique", fresh=True),
        Slot("carry", ("carry",), "select.strength", 60, what="loaded carry", fresh=True),
    ),
}
"""The core of each phase (CLINICAL.md section 8: activation -> endurance -> strength)."""

WALKING = Slot("walking", ("walking",), "select.walking", 30)
"""Everyone is advised to stay active (NICE NG59); walking is the simplest way."""

WALKING_SELF_MANAGEMENT_PRIORITY = 90
"""For self-management, walking ranks near the top of the short program (policy)."""


@dataclass(slots=True)
class Choice:
    """One selected exercise, the reasons it is in, and how it ranks under a time budget."""

    entry: IndexedExercise
    reasons: list[Reason]
    priority: int
    order: int
    warm_up: bool = False
    pinned: bool = False
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Patient:
    """What slot filling needs to know about the person."""

    phase: Phase
    age: int
    conditioning: str


def select_exercises(
    index: CatalogueIndex,
    blocked: Collection[str],
    assessment: Assessment,
    profile: PatientProfile,
    phase: Phase,
    *,
    self_management: bool,
) -> list[Choice]:
    """Fill the phase and tailoring slots with allowed exercises (``blocked`` ids never)."""
    walking = WALKING
    if self_management:
        walking = Slot(WALKING.key, WALKING.tags, WALKING.rule, WALKING_SELF_MANAGEMENT_PRIORITY)
    slots = (
        *COORDINATION_SLOTS,
        *tailoring_slots(assessment, profile, before_core=True),
        *PHASE_SLOTS[phase],
        *tailoring_slots(assessment, profile, before_core=False),
        walking,
    )
    patient = Patient(phase=phase, age=profile.age, conditioning=profile.conditioning)
    chosen: dict[str, Choice] = {}
    ladders: dict[str, str] = {}
    # Fill the most important needs first; the session order stays the slot order.
    for order, slot in sorted(enumerate(slots), key=lambda t: (-t[1].priority, t[0])):
        best = _best(index, blocked, slot, patient, ladders)
        if best is None:
            continue
        rule = slot.rule
        if rule == "select.endurance" and best.exercise.mode == "dynamic":
            rule = "select.endurance_dynamic"  # a dynamic drill is never called static
        why = reason(rule, what=slot.what, name=slot.what, **slot.details)
        existing = chosen.get(best.id)
        if existing is not None:
            if why not in existing.reasons:
                existing.reasons.append(why)
            existing.order = min(existing.order, order)
            existing.warm_up = existing.warm_up and slot.warm_up
            continue
        chosen[best.id] = Choice(best, [why], slot.priority, order, warm_up=slot.warm_up)
        ladders[best.exercise.ladder] = best.id
    for choice in chosen.values():
        choice.reasons.sort(key=lambda r: _REASON_ORDER.get(r.rule.split(".")[0], 9))
    return sorted(chosen.values(), key=session_order)


_DIRECTIONAL_RULES = frozenset(
    {"select.directional_preference", "select.lateral_shift", "select.classification"}
)


def session_order(choice: Choice) -> tuple[int, int, int]:
    """Coordination and warm-ups first, then directional work, then static before dynamic
    work, aerobic work last (CLINICAL.md section 8: static, then dynamic co-activation)."""
    entry = choice.entry.exercise
    if choice.warm_up:
        block = 0
    elif any(r.rule in _DIRECTIONAL_RULES for r in choice.reasons):
        block = 1
    elif entry.purpose == "aerobic":
        block = 4
    else:
        block = 2 if entry.mode == "static" else 3
    return (block, choice.order, 0)


_REASON_ORDER = {"select": 0, "tailor": 1}
"""Reasons read: why the phase needs it, then how it is tailored to the person."""


def _best(
    index: CatalogueIndex,
    blocked: Collection[str],
    slot: Slot,
    patient: Patient,
    ladders: Mapping[str, str],
) -> IndexedExercise | None:
    """The best allowed exercise for ``slot``, one rung per ladder; None when none may fill it."""
    phase_max = patient.phase if slot.phase_max is None else min(slot.phase_max, patient.phase)
    if slot.prefer == "easiest":
        phase_max = 3
    candidates = [
        e
        for e in index.tagged(slot.tags)
        if e.exercise.phase <= phase_max
        and e.id not in blocked
        and ladders.get(e.exercise.ladder, e.id) == e.id
    ]
    if not candidates:
        return None
    if slot.fresh:
        fresh = [e for e in candidates if e.exercise.ladder not in ladders]
        candidates = fresh or candidates
    if slot.prefer == "easiest":
        return min(candidates, key=lambda e: (e.exercise.level, e.exercise.phase, e.id))
    return min(candidates, key=lambda e: _rank(e, patient))


def _rank(entry: IndexedExercise, patient: Patient) -> tuple[int, int, int, int, int, str, str]:
    """Closest phase first, then suitability for the person, then the right rung.

    In phase 1 the least spinal load wins (activation before loading, CLINICAL.md 8)."""
    ex = entry.exercise
    older = 0 if patient.age < OLDER_ADULT_AGE or "older_adult" in entry.tags else 1
    flare = 0 if patient.phase > 1 or "flare_safe" in entry.tags else 1
    spinal_load = sum(_LOAD_SCORE[a] for k, a in ex.loads.items() if k != "none")
    load = spinal_load if patient.phase == 1 else 0
    level = -ex.level if patient.conditioning == "high" else ex.level
    return (-ex.phase, older, flare, load, level, ex.ladder, ex.id)


_LOAD_SCORE = {"low": 1, "moderate": 2, "high": 3}
