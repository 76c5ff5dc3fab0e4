"""Hicks stabilization rule and TBC candidates (CLINICAL.md section 6)."""

from __future__ import annotations

from spinecoach.clinical.assessment import FabqResult
from spinecoach.clinical.classification import hicks_rule, tbc_candidates
from spinecoach.clinical.intake import Findings, MovementTests
from spinecoach.clinical.movement import movement_profile


def test_hicks_all_four() -> None:
    result = hicks_rule(
        30, Findings(slr_deg=95, aberrant_movement=True, prone_instability_test=True)
    )
    assert result.count == 4
    assert result.meets_rule
    assert result.criteria_unknown == []


def test_hicks_needs_three() -> None:
    two = hicks_rule(30, Findings(slr_deg=91, aberrant_movement=True, prone_instability_test=False))
    assert (two.count, two.meets_rule) == (2, False)  # SLR must exceed 91
    three = hicks_rule(
        45, Findings(slr_deg=92, aberrant_movement=True, prone_instability_test=True)
    )
    assert (three.count, three.meets_rule) == (3, True)
    assert three.criteria_met == [
        "slr_over_91",
        "aberrant_movement",
        "prone_instability_test_positive",
    ]


def test_hicks_reports_unexamined_criteria() -> None:
    result = hicks_rule(40, Findings())
    assert result.count == 0
    assert result.criteria_unknown == [
        "slr_over_91",
        "aberrant_movement",
        "prone_instability_test_positive",
    ]


def _fabq(work: int) -> FabqResult:
    return FabqResult(
        physical_activity=5,
        work=work,
        physical_activity_elevated=False,
        work_elevated=work > 29,
    )


def test_acute_low_fear_patient_is_a_manipulation_candidate() -> None:
    findings = Findings(
        symptoms_below_knee=False,
        symptom_duration_days=10,
        hip_internal_rotation_deg=40,
        lumbar_hypomobility=True,
    )
    movement = movement_profile(MovementTests(flexion="no_effect", extension="no_effect"))
    best = tbc_candidates(45, findings, movement, _fabq(12))[0]
    assert best.subgroup == "manipulation"
    assert len(best.criteria_matched) == 5
    assert best.criteria_total == 5


def test_stenosis_pattern_is_flexion_specific_exercise() -> None:
    movement = movement_profile(MovementTests(flexion="better", extension="peripheralizes"))
    candidates = tbc_candidates(72, Findings(imaging_stenosis=True), movement, None)
    assert candidates[0].subgroup == "specific_exercise_flexion"
    assert candidates[0].criteria_matched == ["age_over_50", "imaging_stenosis", "prefers_flexion"]


def test_extension_pattern_and_best_first_ordering() -> None:
    movement = movement_profile(MovementTests(flexion="peripheralizes", extension="centralizes"))
    findings = Findings(symptoms_distal_to_buttock=True, aberrant_movement=True)
    candidates = tbc_candidates(35, findings, movement, None)
    assert candidates[0].subgroup == "specific_exercise_extension"
    assert len(candidates[0].criteria_matched) == 4
    shares = [len(c.criteria_matched) / c.criteria_total for c in candidates]
    assert shares == sorted(shares, reverse=True)


def test_traction_needs_nerve_root_signs_and_no_centralization() -> None:
    movement = movement_profile(MovementTests(flexion="worse", extension="worse"))
    with_signs = tbc_candidates(50, Findings(nerve_root_signs=True), movement, None)
    assert [c.subgroup for c in with_signs] == ["traction"]
    without = tbc_candidates(50, Findings(nerve_root_signs=False), movement, None)
    assert without == []


def test_a_single_matched_criterion_is_not_a_candidate() -> None:
    movement = movement_profile(MovementTests())
    assert tbc_candidates(30, Findings(), movement, None) == []


def test_hicks_is_undetermined_while_unexamined_criteria_could_make_three() -> None:
    from spinecoach.clinical.classification import hicks_rule
    from spinecoach.clinical.intake import Findings

    # only age examined (under 40): 1 met, 3 unknown -> could still reach 3
    result = hicks_rule(30, Findings())
    assert (result.verdict, result.meets_rule, result.count) == ("undetermined", False, 1)
    assert result.criteria_unknown == [
        "slr_over_91",
        "aberrant_movement",
        "prone_instability_test_positive",
    ]
    # age over 40 and two examined negative: at most 1 of 4 -> not met, whatever the rest
    done = hicks_rule(50, Findings(aberrant_movement=False, prone_instability_test=False))
    assert done.verdict == "not_met"
    met = hicks_rule(30, Findings(aberrant_movement=True, prone_instability_test=True))
    assert (met.verdict, met.meets_rule) == ("met", True)
