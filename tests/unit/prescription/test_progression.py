"""Dose steps: one parameter at a time, hold -> reps -> sets -> load, always inside the bounds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from spinecoach.exercises.model import Dose, DoseBounds, Range
from spinecoach.prescription.progression import (
    StepLimits,
    describe_dose,
    floor_dose,
    step_down,
    step_up,
)
from spinecoach.prescription.settings import AdaptationSettings

SETTINGS = AdaptationSettings()
HOLDS = DoseBounds(sets=Range(min=1, max=3), reps=Range(min=4, max=8), hold_s=Range(min=5, max=10))
PULLEY = DoseBounds(
    sets=Range(min=1, max=3),
    reps=Range(min=8, max=12),
    load_kg=Range(min=2.5, max=10),
    load_increment_kg=2.5,
)


def _walk_up(dose: Dose, bounds: DoseBounds) -> list[str]:
    moved: list[str] = []
    step = step_up(dose, bounds, SETTINGS)
    while step is not None:
        moved.append(step.parameter)
        dose = step.dose
        step = step_up(dose, bounds, SETTINGS)
    return moved


def test_hold_time_then_reps_then_sets() -> None:
    start = Dose(sets=1, reps=4, hold_s=5)
    assert _walk_up(start, HOLDS) == ["hold_s"] * 3 + ["reps"] * 2 + ["sets"] * 2


def test_first_hold_step_is_two_seconds_and_capped_at_the_bound() -> None:
    step = step_up(Dose(sets=1, reps=4, hold_s=9), HOLDS, SETTINGS)
    assert step is not None
    assert step.parameter == "hold_s"
    assert step.dose.hold_s == 10  # 9 + 2 capped at 10 (the McGill cap in these bounds)


def test_long_holds_move_by_a_share_of_the_hold() -> None:
    stretch = DoseBounds(
        sets=Range(min=1, max=3), reps=Range(min=1, max=3), hold_s=Range(min=30, max=180)
    )
    step = step_up(Dose(sets=1, reps=1, hold_s=120), stretch, SETTINGS)
    assert step is not None
    assert step.dose.hold_s == 132  # 10 % of 120 s, more than the 2 s step
    down = step_down(Dose(sets=1, reps=1, hold_s=120), stretch, SETTINGS)
    assert down is not None
    assert (down.parameter, down.dose.hold_s) == ("hold_s", 108)


HEAVY_PULLEY = DoseBounds(
    sets=Range(min=1, max=3),
    reps=Range(min=8, max=12),
    load_kg=Range(min=5, max=50),
    load_increment_kg=2.5,
)


def test_load_moves_by_the_smallest_step_when_it_is_at_most_ten_percent() -> None:
    step = step_up(Dose(sets=3, reps=12, load_kg=25), HEAVY_PULLEY, SETTINGS)
    assert step is not None
    assert (step.parameter, step.dose.load_kg, step.double_progression) == ("load_kg", 27.5, False)


def test_a_large_equipment_step_waits_for_the_reps_then_resets_them() -> None:
    """2.5 kg on 5 kg is 50 %: reps first, then load up with reps back down (double
    progression), and only when the work done (sets x reps x kg) does not grow."""
    assert (
        _walk_up(Dose(sets=1, reps=8, load_kg=5), HEAVY_PULLEY)[:4] == ["reps"] * 2 + ["sets"] * 2
    )
    top = Dose(sets=3, reps=12, load_kg=5)
    step = step_up(top, HEAVY_PULLEY, SETTINGS)
    assert step is not None
    assert step.double_progression
    assert (step.dose.load_kg, step.dose.reps) == (7.5, 8)
    assert step_up(Dose(sets=3, reps=10, load_kg=5), HEAVY_PULLEY, SETTINGS) is not None
    assert (
        step_up(Dose(sets=3, reps=12, load_kg=2.5), PULLEY, SETTINGS) is None
    )  # 2.5 -> 5 kg at 8 reps is more work than 12 x 2.5 kg: no step


def test_the_patients_own_smaller_step_is_used() -> None:
    limits = StepLimits(load_step_kg=1.25)
    step = step_up(Dose(sets=3, reps=12, load_kg=12.5), HEAVY_PULLEY, SETTINGS, limits)
    assert step is not None
    assert (step.dose.load_kg, step.double_progression) == (13.75, False)


def test_timed_work_grows_by_minutes_never_by_sets() -> None:
    walk = DoseBounds(sets=Range(min=1, max=3), duration_min=Range(min=5, max=60))
    step = step_up(Dose(sets=1, duration_min=10), walk, SETTINGS)
    assert step is not None
    assert (step.parameter, step.dose.sets, step.dose.duration_min) == ("duration_min", 1, 12)
    weekly = step_up(Dose(sets=1, duration_min=10), walk, SETTINGS, StepLimits(duration_share=0.1))
    assert weekly is not None
    assert weekly.dose.duration_min == 11
    assert describe_dose(Dose(sets=1, duration_min=10)) == "10 min"
    assert describe_dose(Dose(sets=2, duration_min=10)) == "2 x 10 min"


@given(
    minutes=st.floats(min_value=0.3, max_value=60, allow_nan=False),
    share=st.floats(min_value=0.01, max_value=1.0),
)
@settings(max_examples=200, deadline=None)
def test_timed_steps_never_exceed_their_share(minutes: float, share: float) -> None:
    bounds = DoseBounds(sets=Range(min=1, max=3), duration_min=Range(min=0.1, max=120))
    dose = Dose(sets=1, duration_min=round(minutes, 1))
    step = step_up(dose, bounds, SETTINGS, StepLimits(duration_share=share))
    if step is not None:
        assert step.dose.sets == dose.sets
        grown = (step.dose.duration_min or 0) - (dose.duration_min or 0)
        assert (
            0 < grown <= min(share, SETTINGS.duration_step_share) * (dose.duration_min or 0) + 1e-6
        )


def test_regression_takes_back_the_last_parameter_first() -> None:
    top = Dose(sets=3, reps=12, load_kg=10)
    step = step_down(top, PULLEY, SETTINGS)
    assert step is not None
    assert (step.parameter, step.dose.load_kg) == ("load_kg", 7.5)
    floor = Dose(sets=1, reps=8, load_kg=2.5)
    assert step_down(floor, PULLEY, SETTINGS) is None


def test_pyramid_follows_reps_and_sets() -> None:
    dose = Dose(sets=3, reps=6, hold_s=10, pyramid=[6, 4, 2])
    bounds = DoseBounds(
        sets=Range(min=1, max=4), reps=Range(min=1, max=8), hold_s=Range(min=7, max=10)
    )
    step = step_up(dose, bounds, SETTINGS)
    assert step is not None
    assert step.parameter == "reps"
    assert step.dose.pyramid == [8, 6, 4]
    down = step_down(dose, bounds, SETTINGS)
    assert down is not None
    assert down.dose.sets == 2
    assert down.dose.pyramid == [6, 4]


def test_floor_dose_puts_every_parameter_at_its_minimum() -> None:
    floored = floor_dose(Dose(sets=3, reps=8, hold_s=10), HOLDS)
    assert (floored.sets, floored.reps, floored.hold_s) == (1, 4, 5)


def test_readable_dose_and_minutes() -> None:
    dose = Dose(sets=3, reps=6, hold_s=10, per_side=True, pyramid=[6, 4, 2])
    assert describe_dose(dose) == "3 x 6-4-2 x 10 s holds, each side"
    assert describe_dose(Dose(sets=1, duration_min=20)) == "20 min"


_bounds_and_dose = st.integers(1, 3).flatmap(
    lambda smin: st.tuples(
        st.just(smin),
        st.integers(smin, 5),
        st.integers(1, 10),
        st.integers(0, 10),
        st.floats(1, 10),
        st.floats(0, 30),
    )
)


@settings(max_examples=150, deadline=None)
@given(_bounds_and_dose, st.data())
def test_steps_stay_inside_bounds_and_move_one_parameter(
    spec: tuple[int, int, int, int, float, float], data: st.DataObject
) -> None:
    smin, smax, rmin, rspan, hmin, hspan = spec
    bounds = DoseBounds(
        sets=Range(min=smin, max=smax),
        reps=Range(min=rmin, max=rmin + rspan),
        hold_s=Range(min=hmin, max=hmin + hspan),
    )
    dose = Dose(
        sets=data.draw(st.integers(smin, smax)),
        reps=data.draw(st.integers(rmin, rmin + rspan)),
        hold_s=data.draw(st.floats(hmin, hmin + hspan)),
    )
    for step in (step_up(dose, bounds, SETTINGS), step_down(dose, bounds, SETTINGS)):
        if step is None:
            continue
        assert bounds.admits(step.dose)
        before, after = dose.model_dump(), step.dose.model_dump()
        changed = {k for k in before if before[k] != after[k]}
        assert changed == {step.parameter}
