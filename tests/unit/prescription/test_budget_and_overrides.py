"""Time budget, clinician overrides and their refusals, on small hand-made catalogues."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from spinecoach.clinical import Assessment
from spinecoach.errors import InputError, UnknownItemError
from spinecoach.exercises import Catalogue
from spinecoach.prescription import Overrides, prescribe
from spinecoach.prescription.overrides import DoseChange

AssessFactory = Callable[..., Assessment]

MEDIUM_RISK = [1, 1, 1, 1, 0, 0, 0, 0, 0]  # total 4, psychosocial 0
PHASE_2 = {"start_back": MEDIUM_RISK, "nprs": 5, "odi": [2] * 10}


def _run(
    assess_intake: AssessFactory,
    catalogue: Catalogue,
    overrides: Overrides | None = None,
    **sections: Any,
) -> Any:
    assessment = assess_intake(**sections)
    return prescribe(assessment, assessment.patient, catalogue, overrides)


def test_short_budget_drops_low_priority_then_trims_and_stays_in_bounds(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    roomy = _run(assess_intake, small_catalogue, questionnaires=PHASE_2)
    tight = _run(
        assess_intake, small_catalogue, questionnaires=PHASE_2, patient={"minutes_per_session": 6}
    )
    assert tight.total_minutes <= 6 < roomy.total_minutes
    assert len(tight.exercises) < len(roomy.exercises)
    dropped = {e.id for e in tight.excluded if any(r.rule == "budget.dropped" for r in e.reasons)}
    assert dropped
    kept = {e.id for e in tight.exercises}
    assert kept.isdisjoint(dropped)
    for item in tight.exercises:
        assert small_catalogue.get(item.id).bounds.admits(item.dose)


def test_budget_that_holds_nothing_is_an_error_naming_minutes(
    assess_intake: AssessFactory, make_exercise: Callable[..., Any]
) -> None:
    long_only = Catalogue.from_exercises(
        [
            make_exercise(
                "long_breath",
                tags=["coordination", "breathing", "pelvic_floor"],
                dose={"sets": 3, "reps": 10, "hold_s": 10, "rest_s": 60},
                bounds={
                    "sets": {"min": 3, "max": 4},
                    "reps": {"min": 10, "max": 10},
                    "hold_s": {"min": 10, "max": 10},
                    "rest_s": {"min": 60, "max": 90},
                },
            )
        ]
    )
    with pytest.raises(InputError, match=r"^minutes: 5 minutes cannot hold"):
        _run(assess_intake, long_only, patient={"minutes_per_session": 5})


def test_budget_below_five_minutes_is_refused(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    assessment = assess_intake()
    profile = assessment.patient.model_copy(update={"minutes_per_session": 3})
    with pytest.raises(InputError, match=r"^minutes: 3 is too short"):
        prescribe(assessment, profile, small_catalogue)


def test_pin_adds_an_exercise_and_exclude_removes_one(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    base = _run(assess_intake, small_catalogue, questionnaires=PHASE_2)
    base_ids = [e.id for e in base.exercises]
    assert "knee_hug" not in base_ids
    assert "curl" in base_ids
    changed = _run(
        assess_intake,
        small_catalogue,
        Overrides(pin=["knee_hug"], exclude=["curl"]),
        questionnaires=PHASE_2,
    )
    by_id = {e.id: e for e in changed.exercises}
    assert by_id["knee_hug"].pinned
    assert by_id["knee_hug"].reasons[0].rule == "override.pinned"
    assert "curl" not in by_id
    excluded = {e.id: [r.rule for r in e.reasons] for e in changed.excluded}
    assert excluded["curl"][0] == "override.excluded"


def test_pin_that_loads_a_provoking_direction_is_refused_with_a_reason(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    program = _run(
        assess_intake,
        small_catalogue,
        Overrides(pin=["curl", "knee_hug"]),
        questionnaires=PHASE_2,
        movement_tests={"flexion": "worse"},
    )
    assert not {"curl", "knee_hug"} & {e.id for e in program.exercises}
    excluded = {e.id: [r.rule for r in e.reasons] for e in program.excluded}
    for exercise_id in ("curl", "knee_hug"):
        assert excluded[exercise_id][0] == "override.refused_safety"
        assert "safety.provoking_direction" in excluded[exercise_id]


def test_pin_cannot_bypass_a_red_flag(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    program = _run(
        assess_intake,
        small_catalogue,
        Overrides(pin=["breath"]),
        red_flags=["ces_bladder"],
    )
    assert program.status == "referral"
    assert program.exercises == []
    assert program.excluded[0].id == "breath"
    assert program.excluded[0].reasons[0].rule == "override.refused_safety"


def test_pin_needing_missing_equipment_is_not_applied(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    program = _run(assess_intake, small_catalogue, Overrides(pin=["chop"]))
    assert "chop" not in {e.id for e in program.exercises}
    excluded = {e.id: [r.rule for r in e.reasons] for e in program.excluded}
    assert excluded["chop"] == ["override.refused_equipment"]


def test_added_contraindication_excludes_matching_exercises(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    program = _run(
        assess_intake,
        small_catalogue,
        Overrides(contraindications=["shoulder_pain"]),
        questionnaires=PHASE_2,
    )
    assert "side_plank" not in {e.id for e in program.exercises}
    excluded = {e.id: [r.rule for r in e.reasons] for e in program.excluded}
    assert excluded["side_plank"] == ["safety.contraindication"]


def test_dose_change_is_applied_within_bounds_and_kept_under_budget_cuts(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    overrides = Overrides(doses={"drawing_in": DoseChange(sets=4, hold_s=10)})
    program = _run(assess_intake, small_catalogue, overrides, questionnaires={"nprs": 8})
    item = next(e for e in program.exercises if e.id == "drawing_in")
    assert (item.dose.sets, item.dose.hold_s) == (4, 10)
    assert item.pinned
    assert "override.dose" in {r.rule for r in item.reasons}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (DoseChange(hold_s=30), r"overrides.doses.drawing_in.hold_s: 30 is outside .* 5-10"),
        (DoseChange(sets=6), r"overrides.doses.drawing_in.sets: 6 is outside .* 1-4"),
        (DoseChange(load_kg=5), r"overrides.doses.drawing_in.load_kg: 'drawing_in' is not dosed"),
    ],
)
def test_dose_change_outside_bounds_names_exercise_and_field(
    assess_intake: AssessFactory, small_catalogue: Catalogue, change: DoseChange, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        _run(assess_intake, small_catalogue, Overrides(doses={"drawing_in": change}))


def test_load_change_must_follow_the_machine_step(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    overrides = Overrides(doses={"chop": DoseChange(load_kg=6)})
    with pytest.raises(InputError, match=r"load_kg: 6 kg is not a step of 2.5 kg"):
        _run(assess_intake, small_catalogue, overrides, patient={"equipment": ["pulley"]})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (Overrides(pin=["bird_dogg"]), r"overrides.pin: exercise 'bird_dogg' is unknown"),
        (Overrides(exclude=["nope"]), r"overrides.exclude: exercise 'nope' is unknown"),
        (
            Overrides(doses={"nope": DoseChange(sets=2)}),
            r"overrides.doses: exercise 'nope' is unknown",
        ),
    ],
)
def test_unknown_exercise_in_overrides_is_named(
    assess_intake: AssessFactory,
    small_catalogue: Catalogue,
    overrides: Overrides,
    message: str,
) -> None:
    with pytest.raises(UnknownItemError, match=message):
        _run(assess_intake, small_catalogue, overrides)


def test_pin_and_exclude_of_the_same_exercise_is_an_error(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    with pytest.raises(InputError, match="'breath' is both excluded and pinned"):
        _run(assess_intake, small_catalogue, Overrides(pin=["breath"], exclude=["breath"]))


def test_time_based_work_is_shortened_within_bounds_to_fit(
    assess_intake: AssessFactory, make_exercise: Callable[..., Any]
) -> None:
    walking = make_exercise(
        "walk",
        purpose="aerobic",
        mode="dynamic",
        position="standing",
        loads={"axial_compression": "low"},
        dose={"sets": 1, "duration_min": 20, "rest_s": 0},
        bounds={"sets": {"min": 1, "max": 2}, "duration_min": {"min": 6, "max": 40}},
        tags=["walking", "aerobic"],
    )
    breath = make_exercise(
        "breath", tags=["coordination", "breathing", "pelvic_floor", "deep_stabilizer"]
    )
    catalogue = Catalogue.from_exercises([walking, breath])
    low_risk = {"start_back": [0] * 9, "nprs": 5}
    program = _run(
        assess_intake,
        catalogue,
        questionnaires=low_risk,
        patient={"minutes_per_session": 10},
    )
    by_id = {e.id: e for e in program.exercises}
    assert set(by_id) == {"walk", "breath"}
    walk = by_id["walk"]
    assert walk.dose.duration_min is not None
    assert 6 <= walk.dose.duration_min < 20
    assert "dose.budget_trimmed" in {r.rule for r in walk.reasons}
    assert program.total_minutes <= 10


def test_the_intake_gives_the_equipment_load_step_and_overrides_win(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    patient = {"equipment": ["pulley", "dumbbells"], "load_steps_kg": {"pulley": 1.25}}
    from_intake = _run(assess_intake, small_catalogue, questionnaires=PHASE_2, patient=patient)
    assert from_intake.safety.load_steps_kg == {"pulley": 1.25}
    both = _run(
        assess_intake,
        small_catalogue,
        Overrides(load_steps_kg={"pulley": 0.5, "dumbbells": 1.0}),
        questionnaires=PHASE_2,
        patient=patient,
    )
    assert both.safety.load_steps_kg == {"pulley": 0.5, "dumbbells": 1.0}


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ({"pulley": 0}, "pulley: 0 kg must be more than 0"),
        ({"pulley": 80}, "pulley: 80 kg must be more than 0"),
        ({"dumbbells": 1.0}, "dumbbells: not in the patient's equipment"),
    ],
)
def test_a_load_step_outside_the_patients_equipment_or_range_is_refused(
    assess_intake: AssessFactory, steps: dict[str, float], message: str
) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        assess_intake(patient={"equipment": ["pulley"], "load_steps_kg": steps})
