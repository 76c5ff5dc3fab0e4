"""Simulated courses over many seeds: tolerant patients reach phase 3, provoking directions are
never given, adherence drops are flagged."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from spinecoach.clinical.intake import Intake
from spinecoach.documents import load_document
from spinecoach.exercises import load_catalogue
from spinecoach.simulate.course import Course, render_course, run_course

SEEDS = range(24)


@pytest.fixture(scope="module")
def courses() -> list[Course]:
    catalogue = load_catalogue()
    return [run_course(weeks=12, seed=seed, catalogue=catalogue) for seed in SEEDS]


def _tolerates_load(course: Course) -> bool:
    first = course.programs[0]
    hidden = set(course.traits.provoking_loads) - set(first.safety.provoking_loads)
    return (
        course.traits.tolerance >= 1.0
        and course.traits.drift_per_week == 0
        and not hidden
        and first.sessions_per_week >= 3
        and first.status == "active"
    )


def test_patients_who_tolerate_load_progress_to_phase_three(courses: list[Course]) -> None:
    tolerant = [c for c in courses if _tolerates_load(c)]
    assert len(tolerant) >= 5
    reached = [c for c in tolerant if max(p.phase for p in c.programs) == 3]
    # pain must stay within noise of the pre-session pain and at 5/10 or below to progress
    # (CLINICAL.md s7 revised), so fewer of the model's patients reach phase 3 in 12 weeks
    assert len(reached) >= 0.6 * len(tolerant), [
        (c.seed, [p.phase for p in c.programs]) for c in tolerant
    ]


def test_a_provoking_direction_is_never_given(courses: list[Course]) -> None:
    for course in courses:
        at_intake = set(course.programs[0].safety.provoking_loads)
        for program in course.programs:
            forbidden = at_intake | set(program.safety.provoking_loads)
            for e in program.exercises:
                assert not forbidden & set(e.loads), (course.seed, program.version, e.id)


def test_adherence_drops_are_flagged(courses: list[Course]) -> None:
    drifters = [c for c in courses if c.traits.drift_per_week > 0]
    assert len(drifters) >= 3
    for course in drifters:
        assert course.outcome.adherence is not None
        assert course.outcome.adherence.alert, course.seed
    steady = [c for c in courses if c.traits.drift_per_week == 0]
    flagged = [c for c in steady if c.outcome.adherence and c.outcome.adherence.alert]
    assert len(flagged) < len(steady) / 2


def test_every_review_makes_one_new_version(courses: list[Course]) -> None:
    for course in courses:
        versions = [p.version for p in course.programs]
        assert versions == list(range(versions[0], versions[0] + len(versions)))
        assert len(course.session_logs) == len(course.programs) - 1
        assert all(p.approved_by for p in course.programs[1:])
        assert [w.week for w in course.log] == list(range(1, 13))


def test_outcomes_are_re_measured_every_four_weeks(courses: list[Course]) -> None:
    dates = [m.date for m in courses[0].timeline.measurements]
    assert len(dates) == 4  # baseline, weeks 4, 8 and 12
    assert [(b - a).days for a, b in itertools.pairwise(dates)] == [27, 28, 28]


def test_same_seed_same_course() -> None:
    assert run_course(weeks=4, seed=7) == run_course(weeks=4, seed=7)


def test_a_red_flag_intake_ends_the_course_at_once(examples_dir: Path) -> None:
    intake = load_document(examples_dir / "red-flag.intake.json", Intake)
    course = run_course(intake, weeks=12, seed=1)
    assert course.programs[0].status == "referral"
    assert course.ended is not None
    assert course.log == []


def test_rendered_course_shows_twelve_weeks_and_the_outcomes(courses: list[Course]) -> None:
    text = render_course(courses[0])
    week_rows = [line for line in text.splitlines() if line[:6].strip().isdigit()]
    assert len(week_rows) == 12
    assert "approved automatically unless the adaptation escalates" in text
    assert "felt better (pain)" in text


EXAMPLES = (
    "desk-worker",
    "manual-worker",
    "older-adult-stenosis",
    "runner",
    "pregnancy",
    "osteoporosis-steroids",
)


@pytest.mark.slow
@pytest.mark.parametrize("case", EXAMPLES)
def test_pain_that_rises_after_every_session_is_never_progressed(
    examples_dir: Path, case: str
) -> None:
    intake = load_document(examples_dir / f"{case}.intake.json", Intake)
    course = run_course(intake, weeks=12, seed=1, pain_profile="rises")
    assert sum(w.reviewed for w in course.log) >= 4
    progressed = [
        (w.week, c.exercise) for w in course.log for c in w.changes if c.action == "progress"
    ]
    assert progressed == []
    assert max(p.phase for p in course.programs[1:]) <= course.programs[0].phase


@pytest.mark.slow
@pytest.mark.parametrize("case", EXAMPLES)
def test_a_course_that_goes_well_progresses_in_small_steps_to_phase_two_or_three(
    examples_dir: Path, case: str
) -> None:
    intake = load_document(examples_dir / f"{case}.intake.json", Intake)
    course = run_course(intake, weeks=12, seed=1, pain_profile="goes_well")
    progressions = [c for w in course.log for c in w.changes if c.action == "progress"]
    assert len(progressions) >= 8
    assert 2 <= max(p.phase for p in course.programs) <= 3
    for program in course.programs:
        assert program.total_minutes <= program.minutes_per_session
    for c in progressions:  # one parameter (or one rung) per step
        assert c.parameter is not None
    assert all(p.status == "active" for p in course.programs)
