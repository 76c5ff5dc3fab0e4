"""Properties of assess() over any valid intake: it never crashes and it is deterministic."""

from __future__ import annotations

from hypothesis import given, settings
from tests.strategies import assessments, intakes

from spinecoach.clinical import Assessment, Intake, assess


@settings(max_examples=150, deadline=None)
@given(intakes())
def test_assess_is_total_and_deterministic(intake: Intake) -> None:
    first = assess(intake)
    assert assess(intake) == first
    assert first.patient == intake.patient
    assert Assessment.model_validate_json(first.model_dump_json()) == first


@settings(max_examples=150, deadline=None)
@given(assessments())
def test_every_assessment_explains_itself(assessment: Assessment) -> None:
    rules = [f.rule for f in assessment.findings]
    assert any(r.startswith("red_flags.") for r in rules)
    assert "classification.hicks" in rules
    assert all(f.text for f in assessment.findings)
    screen = assessment.red_flags
    assert screen.exercise_blocked == (screen.urgency in {"urgent", "emergency"})
    movement = assessment.movement
    assert not set(movement.provoking) & set(movement.relieving)
    if movement.directional_preference is not None:
        assert movement.directional_preference in movement.relieving


@settings(max_examples=100, deadline=None)
@given(intakes())
def test_intake_round_trips_through_json(intake: Intake) -> None:
    assert Intake.model_validate_json(intake.model_dump_json()) == intake
