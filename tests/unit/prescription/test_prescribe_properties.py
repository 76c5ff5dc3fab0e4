"""Safety and shape properties of prescribe() over every assessment the clinical core makes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.strategies import assessments

from spinecoach.clinical import Assessment
from spinecoach.errors import InputError
from spinecoach.exercises import Catalogue
from spinecoach.prescription import Overrides, prescribe
from spinecoach.prescription.program import Program
from spinecoach.prescription.rules import RULES
from spinecoach.prescription.safety import SUPPORT_SURFACES, implied_contraindications

DIRECTIONAL_RULES = {
    "select.directional_preference",
    "select.lateral_shift",
    "select.classification",
}

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _program(
    assessment: Assessment, catalogue: Catalogue, overrides: Overrides | None = None
) -> Program | None:
    """The program, or None when the generated time budget cannot hold any exercise."""
    try:
        return prescribe(assessment, assessment.patient, catalogue, overrides)
    except InputError as exc:
        message = str(exc)
    assert message.startswith("minutes:"), message
    return None


def _blocked(assessment: Assessment) -> bool:
    return assessment.red_flags.urgency in {"urgent", "emergency"}


def _check_safe(program: Program, assessment: Assessment, catalogue: Catalogue) -> None:
    provoking = assessment.movement.provoking_loads
    implied = set(implied_contraindications(assessment))
    available = set(assessment.patient.equipment)
    for item in program.exercises:
        exercise = catalogue.get(item.id)
        assert not exercise.loaded_directions & provoking, item.id
        assert not set(exercise.contraindications) & implied, item.id
        assert set(exercise.equipment) - SUPPORT_SURFACES <= available, item.id


@PROPERTY_SETTINGS
@given(assessment=assessments())
def test_programs_are_safe_explained_in_bounds_and_in_time(
    assessment: Assessment, catalogue: Catalogue
) -> None:
    program = _program(assessment, catalogue)
    if program is None:
        return
    if _blocked(assessment):
        assert program.status == "referral"
        assert program.exercises == []
        assert program.referral is not None
        assert program.phase == 1
        return
    assert program.status == "active"
    _check_safe(program, assessment, catalogue)
    assert program.total_minutes <= program.minutes_per_session
    for item in program.exercises:
        exercise = catalogue.get(item.id)
        assert exercise.bounds.admits(item.dose), item.id
        if item.dose.extra_set_side is not None:
            assert item.dose.sets + 1 <= exercise.bounds.sets.max
        if item.dose.pyramid is not None and exercise.bounds.reps is not None:
            assert all(exercise.bounds.reps.contains(r) for r in item.dose.pyramid)
        assert item.reasons
        assert all(r.rule and r.text for r in item.reasons)
        assert item.education.strip()
    assert program.safety.provoking_loads == sorted(assessment.movement.provoking_loads)
    in_program = {e.id for e in program.exercises}
    assert len(in_program) == len(program.exercises)
    assert not in_program & {e.id for e in program.excluded}
    ladders = [e.ladder for e in program.exercises]
    assert len(set(ladders)) == len(ladders), "one rung per ladder"
    for item in program.exercises:
        directional = {r.rule for r in item.reasons} & DIRECTIONAL_RULES
        assert catalogue.get(item.id).phase <= program.phase or directional, item.id
    every_reason = [r for e in program.exercises for r in e.reasons]
    every_reason += [r for e in program.excluded for r in e.reasons]
    every_reason += [*program.advice, *program.phase_reasons]
    assert {r.rule for r in every_reason} <= set(RULES)


@PROPERTY_SETTINGS
@given(assessment=assessments())
def test_same_input_gives_the_same_program(assessment: Assessment, catalogue: Catalogue) -> None:
    first = _program(assessment, catalogue)
    rebuilt = Catalogue.from_exercises(list(catalogue))
    second = _program(assessment, rebuilt)
    if first is None:
        assert second is None
        return
    assert second is not None
    assert first.model_dump_json() == second.model_dump_json()


@PROPERTY_SETTINGS
@given(data=st.data(), assessment=assessments())
def test_overrides_never_break_safety(
    data: st.DataObject, assessment: Assessment, catalogue: Catalogue
) -> None:
    ids = st.sampled_from(catalogue.ids)
    pin = data.draw(st.lists(ids, max_size=5, unique=True), label="pin")
    exclude = data.draw(
        st.lists(ids.filter(lambda i: i not in pin), max_size=3, unique=True), label="exclude"
    )
    overrides = Overrides(pin=pin, exclude=exclude)
    program = _program(assessment, catalogue, overrides)
    if program is None:
        return
    if _blocked(assessment):
        assert program.exercises == []
        refused = {e.id for e in program.excluded}
        assert set(pin) <= refused
        return
    _check_safe(program, assessment, catalogue)
    in_program = {e.id for e in program.exercises}
    assert not in_program & set(exclude)
    excluded = {e.id: e for e in program.excluded}
    for exercise_id in pin:
        assert exercise_id in in_program or exercise_id in excluded
        if exercise_id in in_program:
            assert next(e for e in program.exercises if e.id == exercise_id).pinned
        else:
            rules = {r.rule for r in excluded[exercise_id].reasons}
            assert rules & {"override.refused_safety", "override.refused_equipment"}


@pytest.mark.parametrize("minutes", [5, 6, 8, 12])
@settings(max_examples=30, deadline=None)
@given(assessment=assessments())
def test_short_budgets_fit_or_fail_naming_minutes(
    minutes: int, assessment: Assessment, catalogue: Catalogue
) -> None:
    profile = assessment.patient.model_copy(update={"minutes_per_session": minutes})
    try:
        program = prescribe(assessment, profile, catalogue)
    except InputError as exc:
        message = str(exc)
    else:
        assert program.total_minutes <= minutes
        return
    assert message.startswith("minutes:")
