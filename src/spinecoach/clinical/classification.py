"""Classification rules: the Hicks stabilization rule and Treatment-Based Classification.

Each rule lists its criteria by name; a criterion whose finding was not examined is reported as
unknown rather than assumed absent, so the clinician sees what is left to test.
"""

from __future__ import annotations

from dataclasses import dataclass

from spinecoach.clinical.assessment import (
    Classification,
    FabqResult,
    HicksResult,
    MovementProfile,
    TbcCandidate,
)
from spinecoach.clinical.intake import Findings

__all__ = [
    "HICKS_MIN_CRITERIA",
    "HICKS_SOURCE",
    "TBC_MIN_MATCHED",
    "TBC_MIN_MATCH_FRACTION",
    "TBC_SOURCE",
    "classify",
    "hicks_rule",
    "tbc_candidates",
]

HICKS_SOURCE = "Hicks et al., Arch Phys Med Rehabil 2005;86:1753-62"
TBC_SOURCE = "Fritz, Cleland & Childs, JOSPT 2007;37:290-302"

HICKS_MIN_CRITERIA = 3  # >= 3 of 4 present: LR+ 4.0, about 67 % success (Hicks 2005)
HICKS_AGE_BELOW = 40  # age < 40 (Hicks 2005)
HICKS_SLR_ABOVE_DEG = 91.0  # average straight-leg raise > 91 degrees (Hicks 2005)

MANIPULATION_ONSET_BELOW_DAYS = 16  # onset < 16 days (Fritz 2007; LR+ 7.2 with no distal symptoms)
MANIPULATION_FABQ_W_BELOW = 19  # FABQ-W < 19 (Fritz 2007)
MANIPULATION_HIP_IR_ABOVE_DEG = 35.0  # hip internal rotation > 35 degrees in a hip (Fritz 2007)
FLEXION_TYPE_AGE_ABOVE = 50  # specific exercise, flexion type: age > 50 (Fritz 2007)

TBC_MIN_MATCH_FRACTION = 0.5
"""POLICY: a TBC subgroup is a candidate when at least half its criteria match ..."""
TBC_MIN_MATCHED = 2
"""POLICY: ... and at least two of them, so no subgroup rests on a single finding."""

Check = bool | None  # True met, False not met, None not examined


@dataclass(frozen=True)
class _Context:
    age: int
    findings: Findings
    movement: MovementProfile
    fabq: FabqResult | None


def hicks_rule(age: int, findings: Findings) -> HicksResult:
    """Count the four predictors of stabilization success (Hicks 2005)."""
    slr = findings.slr_deg
    checks: dict[str, Check] = {
        "age_under_40": age < HICKS_AGE_BELOW,
        "slr_over_91": None if slr is None else slr > HICKS_SLR_ABOVE_DEG,
        "aberrant_movement": findings.aberrant_movement,
        "prone_instability_test_positive": findings.prone_instability_test,
    }
    met = [name for name, ok in checks.items() if ok is True]
    unknown = [name for name, ok in checks.items() if ok is None]
    meets = len(met) >= HICKS_MIN_CRITERIA
    could_meet = len(met) + len(unknown) >= HICKS_MIN_CRITERIA
    return HicksResult(
        criteria_met=met,
        criteria_unknown=unknown,
        count=len(met),
        meets_rule=meets,
        verdict="met" if meets else ("undetermined" if could_meet else "not_met"),
    )


def _below(value: float | None, limit: float) -> Check:
    return None if value is None else value < limit


def _above(value: float | None, limit: float) -> Check:
    return None if value is None else value > limit


def _negate(value: bool | None) -> Check:
    return None if value is None else not value


def _subgroup_checks(c: _Context) -> dict[str, dict[str, Check]]:
    """Fritz 2007 criteria per subgroup, evaluated on what is known."""
    f, mv = c.findings, c.movement
    tested = bool(mv.responses)
    dp = mv.directional_preference
    resp = mv.responses
    return {
        "manipulation": {
            "no_symptoms_below_knee": _negate(f.symptoms_below_knee),
            "onset_under_16_days": _below(f.symptom_duration_days, MANIPULATION_ONSET_BELOW_DAYS),
            "fabq_work_under_19": None
            if c.fabq is None or c.fabq.work is None
            else c.fabq.work < MANIPULATION_FABQ_W_BELOW,
            "hip_internal_rotation_over_35": _above(
                f.hip_internal_rotation_deg, MANIPULATION_HIP_IR_ABOVE_DEG
            ),
            "lumbar_hypomobility": f.lumbar_hypomobility,
        },
        "stabilization": {
            "age_under_40": c.age < HICKS_AGE_BELOW,
            "prone_instability_test_positive": f.prone_instability_test,
            "aberrant_movement": f.aberrant_movement,
            "slr_over_91": _above(f.slr_deg, HICKS_SLR_ABOVE_DEG),
            "post_partum": f.post_partum,
        },
        "specific_exercise_extension": {
            "centralizes_with_extension": None
            if "extension" not in resp
            else resp["extension"] == "centralizes",
            "peripheralizes_with_flexion": None
            if "flexion" not in resp
            else resp["flexion"] == "peripheralizes",
            "prefers_extension": None if not tested else dp == "extension",
            "symptoms_distal_to_buttock": f.symptoms_distal_to_buttock,
        },
        "specific_exercise_flexion": {
            "age_over_50": c.age > FLEXION_TYPE_AGE_ABOVE,
            "imaging_stenosis": f.imaging_stenosis,
            "prefers_flexion": None if not tested else dp == "flexion",
        },
        # Side-glide is examined as a side bend here: the movement tests record side bends only.
        "specific_exercise_lateral_shift": {
            "visible_lateral_shift": f.lateral_shift,
            "prefers_side_glide": None
            if not tested
            else dp in {"side_bend_left", "side_bend_right"},
        },
        "traction": {
            "nerve_root_signs": f.nerve_root_signs,
            "no_movement_centralizes": None if not tested else not mv.centralization,
        },
    }


def tbc_candidates(
    age: int, findings: Findings, movement: MovementProfile, fabq: FabqResult | None
) -> list[TbcCandidate]:
    """Subgroups matching at least half (and two) of their criteria, largest share first."""
    ranked: list[tuple[float, int, int, TbcCandidate]] = []
    checks = _subgroup_checks(_Context(age, findings, movement, fabq))
    for order, (subgroup, criteria) in enumerate(checks.items()):
        matched = [name for name, ok in criteria.items() if ok is True]
        share = len(matched) / len(criteria)
        if len(matched) < TBC_MIN_MATCHED or share < TBC_MIN_MATCH_FRACTION:
            continue
        candidate = TbcCandidate(
            subgroup=subgroup,
            criteria_matched=matched,
            criteria_total=len(criteria),
            criteria_unknown=[name for name, ok in criteria.items() if ok is None],
        )
        ranked.append((-share, -len(matched), order, candidate))
    return [c for *_, c in sorted(ranked, key=lambda r: r[:3])]


def classify(
    age: int, findings: Findings, movement: MovementProfile, fabq: FabqResult | None
) -> Classification:
    """Hicks rule and TBC candidates together."""
    return Classification(
        hicks=hicks_rule(age, findings),
        tbc=tbc_candidates(age, findings, movement, fabq),
    )
