"""The example patients get clinically sensible programs."""

from __future__ import annotations

from collections.abc import Callable

from spinecoach.clinical import Assessment
from spinecoach.exercises import Catalogue
from spinecoach.prescription import prescribe
from spinecoach.prescription.program import Program

Example = Callable[[str], Assessment]


def _program(case: str, example_assessment: Example, catalogue: Catalogue) -> Program:
    assessment = example_assessment(case)
    return prescribe(assessment, assessment.patient, catalogue)


def _rules(program: Program, exercise_id: str) -> set[str]:
    return {r.rule for e in program.exercises if e.id == exercise_id for r in e.reasons}


def test_flexion_provoked_desk_worker_gets_extension_work_and_no_flexion(
    example_assessment: Example, catalogue: Catalogue
) -> None:
    program = _program("desk-worker", example_assessment, catalogue)
    assert program.status == "active"
    assert program.care_pathway == "physio_led"
    assert all("flexion" not in e.loads for e in program.exercises)
    preference = [
        e for e in program.exercises if "select.directional_preference" in _rules(program, e.id)
    ]
    assert preference, "extension-preference work is missing"
    assert all("directional_extension" in catalogue.get(e.id).tags for e in preference)
    excluded = {e.id: {r.rule for r in e.reasons} for e in program.excluded}
    flexion_drills = [e.id for e in catalogue if "flexion" in e.loaded_directions]
    assert flexion_drills
    for exercise_id in flexion_drills:
        assert "safety.provoking_direction" in excluded[exercise_id]
    every_rule = {r.rule for e in program.exercises for r in e.reasons}
    assert {"tailor.desk", "tailor.goals"} <= every_rule
    assert program.total_minutes <= 25


def test_desk_worker_weaker_right_side_gets_an_extra_set(
    example_assessment: Example, catalogue: Catalogue
) -> None:
    program = _program("desk-worker", example_assessment, catalogue)
    side_bridges = [e for e in program.exercises if "side_bridge" in catalogue.get(e.id).tags]
    assert side_bridges
    assert all(e.dose.extra_set_side == "right" for e in side_bridges)
    assert all("tailor.weak_side" in _rules(program, e.id) for e in side_bridges)


def test_older_adult_with_stenosis_gets_flexion_work_and_no_extension(
    example_assessment: Example, catalogue: Catalogue
) -> None:
    program = _program("older-adult-stenosis", example_assessment, catalogue)
    assert program.phase == 1
    assert all("extension" not in e.loads for e in program.exercises)
    assert all(
        "stenosis_extension" not in catalogue.get(e.id).contraindications for e in program.exercises
    )
    assert any(
        "directional_flexion" in catalogue.get(e.id).tags
        and "select.directional_preference" in _rules(program, e.id)
        for e in program.exercises
    )
    excluded = {e.id: {r.rule for r in e.reasons} for e in program.excluded}
    for exercise in catalogue:
        if "extension" in exercise.loaded_directions:
            assert "safety.peripheralizing" in excluded[exercise.id]
        if "balance_impaired_unsupported" in exercise.contraindications:
            assert "safety.contraindication" in excluded[exercise.id]
    assert program.total_minutes <= 15
    for item in program.exercises:
        bounds = catalogue.get(item.id).bounds
        if item.dose.sets > 1:
            assert item.dose.rest_s >= min(45, bounds.rest_s.max)


def test_red_flag_case_is_referred_with_no_exercises(
    example_assessment: Example, catalogue: Catalogue
) -> None:
    program = _program("red-flag", example_assessment, catalogue)
    assert program.status == "referral"
    assert program.exercises == []
    assert program.referral is not None
    assert program.referral.urgency == "emergency"
    assert program.referral.flags
    assert program.advice[0].rule == "advice.referral"
    assert "red_flag.referral" in {r.rule for r in program.phase_reasons}


def test_high_risk_manual_worker_gets_graded_activity_and_no_provoking_loads(
    example_assessment: Example, catalogue: Catalogue
) -> None:
    program = _program("manual-worker", example_assessment, catalogue)
    assert program.care_pathway == "psychologically_informed"
    assert program.dosing == "quota_based"
    assert "advice.psychologically_informed" in {r.rule for r in program.advice}
    assert program.phase == 1  # pain 7/10
    for item in program.exercises:
        assert not {"flexion", "lateral_flexion"} & set(item.loads)
        assert "dose.quota" in _rules(program, item.id)


def test_low_risk_runner_gets_a_short_self_management_program(
    example_assessment: Example, catalogue: Catalogue
) -> None:
    program = _program("runner", example_assessment, catalogue)
    assert program.care_pathway == "self_management"
    assert "advice.self_management" in {r.rule for r in program.advice}
    assert program.total_minutes <= program.minutes_per_session
    assert program.phase == 3
    every_rule = {r.rule for e in program.exercises for r in e.reasons}
    assert "tailor.running" in every_rule  # tailoring kept: the time is fitted by doses
    assert program.exercises[0].id == "tra_multifidus_supine"  # coordination first
    for item in program.exercises:
        assert not {"extension", "rotation"} & set(item.loads)


def test_every_program_follows_nice_advice(
    example_assessment: Example, catalogue: Catalogue
) -> None:
    for case in ("desk-worker", "manual-worker", "older-adult-stenosis", "runner"):
        program = _program(case, example_assessment, catalogue)
        advice = {r.rule for r in program.advice}
        assert {"advice.exercise_core", "advice.stay_active", "advice.not_recommended"} <= advice
        text = " ".join(r.text for r in program.advice).lower()
        for device in ("belts", "traction", "tens"):
            assert device in text  # named only as not recommended


def test_program_carries_the_limits_adaptation_must_keep(
    example_assessment: Example, catalogue: Catalogue
) -> None:
    program = _program("older-adult-stenosis", example_assessment, catalogue)
    assessment = example_assessment("older-adult-stenosis")
    assert program.safety.equipment == sorted(assessment.patient.equipment)
    assert "stenosis_extension" in program.safety.contraindications
    assert "balance_impaired_unsupported" in program.safety.contraindications


def test_review_level_red_flag_keeps_exercise_but_locks_progression(
    catalogue: Catalogue, assess_intake: Callable[..., Assessment]
) -> None:
    assessment = assess_intake(
        patient={"age": 58}, red_flags=["age_over_50_new_onset"], questionnaires={"nprs": 4}
    )
    program = prescribe(assessment, assessment.patient, catalogue)
    assert program.status == "active"
    assert program.exercises
    assert program.safety.red_flags_under_review == ["age_over_50_new_onset"]
    review = [a for a in program.advice if a.rule == "red_flag.review"]
    assert review
    assert "without progression until a clinician clears the flag" in review[0].text
