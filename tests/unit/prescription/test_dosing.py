"""Dose from the template, adjusted within bounds, and the time estimate."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinecoach.exercises import Catalogue
from spinecoach.exercises.model import Dose, Exercise
from spinecoach.prescription.dosing import (
    BIG3_MAX_HOLD_S,
    DosingContext,
    estimate_minutes,
    fewer_sets,
    initial_dose,
    pyramid,
)
from spinecoach.prescription.index import index_catalogue
from spinecoach.prescription.program import ProgramExercise, Reason

ExerciseFactory = Callable[..., Exercise]

PLAIN = DosingContext(
    phase=2, quota=False, conditioning="moderate", age=40, sessions_per_week=3, weak_side=None
)


def test_estimate_minutes_counts_setup_work_sides_and_rest() -> None:
    # 15 s setup + 2 sides x 3 sets x 6 x (8 s + 2 s) + 2 rests x 30 s = 15 + 360 + 60 = 435 s
    dose = Dose(sets=3, reps=6, hold_s=8, rest_s=30, per_side=True)
    assert estimate_minutes(dose) == pytest.approx(435 / 60)


def test_estimate_minutes_of_a_pyramid_and_an_extra_set() -> None:
    # sets of 6, 4, 2 holds of 10 s (12 s each with the changeover): 72 + 48 + 24 = 144 s;
    # the extra set repeats the last set (24 s) and adds one rest: 15 + 144 + 24 + 3 x 20
    dose = Dose(sets=3, reps=6, hold_s=10, rest_s=20, pyramid=[6, 4, 2], extra_set_side="left")
    assert estimate_minutes(dose) == pytest.approx((15 + 144 + 24 + 60) / 60)


def test_estimate_minutes_of_reps_and_of_time() -> None:
    assert estimate_minutes(Dose(sets=2, reps=10, rest_s=60)) == pytest.approx((15 + 60 + 60) / 60)
    assert estimate_minutes(Dose(sets=1, duration_min=10)) == pytest.approx(10.25)


def test_template_dose_is_kept_for_a_plain_patient(make_exercise: ExerciseFactory) -> None:
    exercise = make_exercise("drill")
    dose, reasons = initial_dose(exercise, frozenset(), PLAIN)
    assert dose == exercise.dose
    assert [r.rule for r in reasons] == ["dose.template"]


def test_big3_holds_are_capped_and_form_a_descending_pyramid(
    make_exercise: ExerciseFactory,
) -> None:
    exercise = make_exercise("curl", dose={"sets": 3, "reps": 6, "hold_s": 10, "rest_s": 30})
    dose, reasons = initial_dose(exercise, frozenset({"big3"}), PLAIN)
    assert dose.hold_s is not None
    assert dose.hold_s <= BIG3_MAX_HOLD_S
    assert dose.pyramid == [6, 4, 2]
    assert "dose.big3" in {r.rule for r in reasons}


def test_pyramid_never_goes_below_the_reps_bound(make_exercise: ExerciseFactory) -> None:
    bounds = make_exercise("x").bounds  # reps 2..10
    assert pyramid(4, 4, bounds) == [4, 2, 2, 2]
    assert pyramid(10, 3, bounds) == [10, 8, 6]


def test_quota_starts_submaximal_but_within_bounds(make_exercise: ExerciseFactory) -> None:
    exercise = make_exercise("drill", dose={"sets": 2, "reps": 10, "hold_s": 6, "rest_s": 30})
    ctx = DosingContext(
        phase=1, quota=True, conditioning="moderate", age=40, sessions_per_week=3, weak_side=None
    )
    dose, reasons = initial_dose(exercise, frozenset(), ctx)
    assert dose.reps == 8
    assert dose.hold_s == 5  # 4.8 rounds to 5, the lower bound
    assert "dose.quota" in {r.rule for r in reasons}


def test_conditioning_age_and_frequency_adjust_within_bounds(
    make_exercise: ExerciseFactory,
) -> None:
    exercise = make_exercise(
        "lift", purpose="strength", mode="dynamic", dose={"sets": 3, "reps": 8, "rest_s": 30}
    )
    ctx = DosingContext(
        phase=3, quota=False, conditioning="low", age=70, sessions_per_week=6, weak_side=None
    )
    dose, reasons = initial_dose(exercise, frozenset(), ctx)
    assert dose.sets == 1  # one fewer for low conditioning, one fewer for 6 sessions a week
    assert dose.rest_s == 45
    rules = [r.rule for r in reasons]
    assert {"dose.conditioning", "dose.frequent_sessions", "dose.older_adult_rest"} <= set(rules)
    assert exercise.bounds.admits(dose)


def test_weak_side_extra_set_only_when_the_bounds_allow(make_exercise: ExerciseFactory) -> None:
    ctx = DosingContext(
        phase=2, quota=False, conditioning="moderate", age=40, sessions_per_week=3, weak_side="left"
    )
    roomy = make_exercise("side", dose={"sets": 2, "reps": 6, "hold_s": 8, "per_side": True})
    dose, _ = initial_dose(roomy, frozenset({"side_bridge"}), ctx)
    assert dose.extra_set_side == "left"
    full = make_exercise("full", dose={"sets": 4, "reps": 6, "hold_s": 8, "per_side": True})
    dose, _ = initial_dose(full, frozenset({"side_bridge"}), ctx)
    assert dose.extra_set_side is None


def test_fewer_sets_stops_at_the_lower_bound(make_exercise: ExerciseFactory) -> None:
    exercise = make_exercise("drill", dose={"sets": 2, "reps": 6, "hold_s": 8, "pyramid": [6, 4]})
    one = fewer_sets(exercise.dose, exercise.bounds)
    assert one is not None
    assert one.sets == 1
    assert one.pyramid is None
    assert one.reps == 6
    assert fewer_sets(one, exercise.bounds) is None


CONTEXTS = st.builds(
    DosingContext,
    phase=st.sampled_from([1, 2, 3]),
    quota=st.booleans(),
    conditioning=st.sampled_from(["low", "moderate", "high"]),
    age=st.integers(16, 110),
    sessions_per_week=st.integers(1, 14),
    weak_side=st.sampled_from([None, "left", "right"]),
)
TEMPLATES = st.fixed_dictionaries(
    {
        "sets": st.integers(1, 4),
        "reps": st.integers(2, 10),
        "hold_s": st.integers(5, 10),
        "rest_s": st.integers(0, 90),
    }
)


@settings(max_examples=150, deadline=None)
@given(
    template=TEMPLATES,
    ctx=CONTEXTS,
    tags=st.sets(st.sampled_from(["big3", "side_bridge"])),
    purpose=st.sampled_from(["endurance", "strength"]),
)
def test_initial_dose_always_lies_within_bounds(
    make_exercise: ExerciseFactory,
    template: dict[str, int],
    ctx: DosingContext,
    tags: set[str],
    purpose: str,
) -> None:
    exercise = make_exercise("drill", purpose=purpose, dose=template)
    dose, reasons = initial_dose(exercise, frozenset(tags), ctx)
    assert exercise.bounds.admits(dose)
    assert reasons[0].rule == "dose.template"
    if dose.extra_set_side is not None:
        assert dose.sets + 1 <= exercise.bounds.sets.max
    if dose.pyramid is not None:
        assert dose.pyramid == sorted(dose.pyramid, reverse=True)
        assert all(2 <= r <= 10 for r in dose.pyramid)


def test_estimate_minutes_reads_an_exercise_or_a_program_exercise(
    make_exercise: ExerciseFactory, small_catalogue: Catalogue
) -> None:
    exercise = make_exercise("drill")
    assert estimate_minutes(exercise) == estimate_minutes(exercise.dose)
    program_exercise = ProgramExercise(
        id="drill",
        name="Drill",
        purpose="activation",
        mode="static",
        loads=[],
        level=1,
        ladder="drill",
        dose=exercise.dose,
        minutes=1,
        reasons=[Reason(rule="dose.template", text="template")],
        education="why",
    )
    assert estimate_minutes(program_exercise) == estimate_minutes(exercise.dose)


def test_catalogue_index_is_built_once_per_catalogue(small_catalogue: Catalogue) -> None:
    first = index_catalogue(small_catalogue)
    assert index_catalogue(small_catalogue) is first
    assert [e.id for e in first.entries] == small_catalogue.ids
    assert {e.id for e in first.tagged(("big3",))} == {"curl", "side_plank", "quadruped_reach"}
    assert {e.id for e in first.tagged(("big3", "curl_up"))} == {"curl"}
