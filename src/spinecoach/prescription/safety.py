"""Safety first: which exercises a patient must not do, and why.

Exclusions come from the assessment alone: provoking and peripheralizing directions
(any amount of load in them), contraindications derived from findings and profile, and
equipment the patient does not have. Nothing here is relaxed by a clinician override.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from spinecoach.clinical.assessment import Assessment
from spinecoach.clinical.intake import PatientProfile
from spinecoach.exercises.model import Exercise
from spinecoach.prescription.index import CatalogueIndex, IndexedExercise
from spinecoach.prescription.precautions import (
    Precaution,
    active_precautions,
    precaution_reasons,
)
from spinecoach.prescription.program import ProgramSafety, Reason
from spinecoach.prescription.rules import reason
from spinecoach.vocabulary import DIRECTION_LOADS, Direction, SpinalLoad

__all__ = [
    "SUPPORT_SURFACES",
    "SafetyContext",
    "exclusion_reasons",
    "isometric_anti_rotation",
    "program_safety",
    "safety_context",
    "verdicts",
]


@dataclass(frozen=True, slots=True)
class SafetyContext:
    """The safety facts of one patient, ready to test exercises against."""

    provoking: tuple[Direction, ...]
    provoking_loads: frozenset[SpinalLoad]
    peripheralizing: tuple[Direction, ...]
    peripheralizing_loads: frozenset[SpinalLoad]
    contraindications: tuple[tuple[str, str], ...]
    """(tag, why it applies in plain words), sorted by tag"""
    equipment: frozenset[str]
    precautions: tuple[Precaution, ...] = ()
    """health precautions in force (CLINICAL.md section 10)"""
    anti_rotation_allowed: bool = False
    """the clinician allows anti-rotation isometrics although rotation provokes"""

    @property
    def contraindication_tags(self) -> frozenset[str]:
        return frozenset(tag for tag, _ in self.contraindications)


def _finding(assessment: Assessment, name: str) -> bool:
    return assessment.examination.get(name) is True


def implied_contraindications(assessment: Assessment) -> dict[str, str]:
    """Contraindication tags implied by the assessment, each with the finding behind it."""
    found: dict[str, str] = {}
    if _finding(assessment, "imaging_stenosis"):
        found["stenosis_extension"] = "imaging shows stenosis: no sustained extension"
    if _finding(assessment, "balance_impaired"):
        found["balance_impaired_unsupported"] = (
            "balance is impaired: balance work only with support"
        )
    if assessment.movement.peripheralizing or _finding(assessment, "nerve_root_signs"):
        found["acute_radicular"] = "nerve-root signs or peripheralization: no nerve-tension loading"
    if any(hit.category == "fracture" for hit in assessment.red_flags.hits):
        found["osteoporosis_flexion"] = (
            "fracture red flag: no loaded flexion until bone health is reviewed"
        )
    return found


def isometric_anti_rotation(e: Exercise) -> bool:
    """A static drill that resists rotation with the spine held still (Pallof hold)."""
    return (
        e.mode == "static"
        and "anti_rotation" in e.tags
        and set(e.loaded_directions) <= {"rotation"}
        and e.loads.get("rotation") == "low"
    )


def safety_context(
    assessment: Assessment,
    profile: PatientProfile,
    extra_contraindications: Mapping[str, str] | None = None,
    *,
    anti_rotation_allowed: bool = False,
) -> SafetyContext:
    """Collect the patient's safety facts; ``extra_contraindications`` come from the clinician."""
    movement = assessment.movement
    contraindications = implied_contraindications(assessment)
    for tag, why in sorted((extra_contraindications or {}).items()):
        contraindications.setdefault(tag, why)
    return SafetyContext(
        provoking=tuple(sorted(movement.provoking)),
        provoking_loads=movement.provoking_loads,
        peripheralizing=tuple(sorted(movement.peripheralizing)),
        peripheralizing_loads=frozenset(DIRECTION_LOADS[d] for d in movement.peripheralizing),
        contraindications=tuple(sorted(contraindications.items())),
        equipment=frozenset(profile.equipment),
        precautions=active_precautions(assessment.health),
        anti_rotation_allowed=anti_rotation_allowed,
    )


def exclusion_reasons(entry: IndexedExercise, ctx: SafetyContext) -> list[Reason]:
    """Why ``entry`` must not be prescribed to this patient; empty when it is safe."""
    return [*clinical_reasons(entry, ctx), *equipment_reasons(entry, ctx.equipment)]


def clinical_reasons(entry: IndexedExercise, ctx: SafetyContext) -> list[Reason]:
    """The clinical-safety reasons alone: directions and contraindications."""
    reasons: list[Reason] = []
    for load in sorted(entry.loads & ctx.peripheralizing_loads):
        reasons.append(reason("safety.peripheralizing", load=load))
    provoking = ctx.provoking_loads
    if ctx.anti_rotation_allowed and isometric_anti_rotation(entry.exercise):
        provoking = provoking - {"rotation"}
    for load in sorted((entry.loads & provoking) - ctx.peripheralizing_loads):
        directions = ", ".join(d for d in ctx.provoking if DIRECTION_LOADS[d] == load)
        reasons.append(reason("safety.provoking_direction", load=load, directions=directions))
    for tag, why in ctx.contraindications:
        if tag in entry.contraindications:
            reasons.append(reason("safety.contraindication", tag=tag, why=why))
    reasons.extend(precaution_reasons(entry.exercise, ctx.precautions))
    return reasons


SUPPORT_SURFACES: frozenset[str] = frozenset({"chair", "wall"})
"""Something to sit on or hold (a chair, a wall, a kitchen counter) is found in every home:
it is never "equipment" a patient lacks (issue: support surfaces are not equipment)."""


def equipment_reasons(entry: IndexedExercise, equipment: frozenset[str]) -> list[Reason]:
    """Equipment the exercise needs and the patient lacks (support surfaces never count)."""
    missing = entry.equipment - equipment - SUPPORT_SURFACES
    if not missing:
        return []
    return [reason("safety.equipment", missing=", ".join(sorted(missing)))]


def verdicts(index: CatalogueIndex, ctx: SafetyContext) -> dict[str, list[Reason]]:
    """Exercise id -> why it is excluded, for every excluded exercise of the catalogue."""
    clinical = _clinical_verdicts(index, replace(ctx, equipment=frozenset()))
    lacking = _equipment_verdicts(index, ctx.equipment)
    return {
        i: [*clinical.get(i, ()), *lacking.get(i, ())] for i in sorted(clinical.keys() | lacking)
    }


@functools.lru_cache(maxsize=4096)
def _clinical_verdicts(
    index: CatalogueIndex, ctx: SafetyContext
) -> Mapping[str, tuple[Reason, ...]]:
    """Cached: patients share a few combinations of directions and contraindications."""
    found = {e.id: tuple(r) for e in index.entries if (r := clinical_reasons(e, ctx))}
    return MappingProxyType(found)


@functools.lru_cache(maxsize=4096)
def _equipment_verdicts(
    index: CatalogueIndex, equipment: frozenset[str]
) -> Mapping[str, tuple[Reason, ...]]:
    """Cached: clinics and patients share a few sets of equipment."""
    found = {e.id: tuple(r) for e in index.entries if (r := equipment_reasons(e, equipment))}
    return MappingProxyType(found)


def program_safety(
    assessment: Assessment, profile: PatientProfile, ctx: SafetyContext
) -> ProgramSafety:
    """The safety facts carried in the program, so adaptation keeps to the same rules."""
    movement = assessment.movement
    start_back = assessment.scores.start_back
    return ProgramSafety(
        contraindications=sorted(ctx.contraindication_tags),
        equipment=sorted(profile.equipment),
        # CLINICAL.md section 4: a flag that does not stop exercise still suspends progression
        red_flags_under_review=sorted(
            h.id for h in assessment.red_flags.hits if h.urgency == "review"
        ),
        provoking=sorted(movement.provoking),
        provoking_loads=sorted(movement.provoking_loads),
        peripheralizing=sorted(movement.peripheralizing),
        directional_preference=movement.directional_preference,
        baseline_nprs=assessment.scores.nprs,
        stratum=start_back.stratum if start_back is not None else None,
        health=assessment.health if assessment.health.any else None,
        anti_rotation_allowed=ctx.anti_rotation_allowed,
    )
