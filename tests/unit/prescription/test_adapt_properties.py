"""Property tests of adapt() over generated programs and session logs (packaged catalogue)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinecoach.clinical.red_flags import RED_FLAGS
from spinecoach.exercises import load_catalogue
from spinecoach.exercises.model import Dose, Exercise
from spinecoach.prescription import Adaptation, AdaptationSettings, adapt
from spinecoach.prescription.dosing import estimate_minutes
from spinecoach.prescription.precautions import active_precautions, precaution_reasons
from spinecoach.prescription.program import Program
from spinecoach.prescription.progression import volume_load
from spinecoach.prescription.safety import SUPPORT_SURFACES
from spinecoach.sessions.model import SessionLog
from spinecoach.vocabulary import CONTRAINDICATIONS, DIRECTION_LOADS, EQUIPMENT

CAT = load_catalogue()
POLICY = AdaptationSettings()
LOADS = ("flexion", "extension", "rotation", "lateral_flexion", "axial_compression")
FLAG_IDS = sorted(RED_FLAGS)


@st.composite
def doses(draw: st.DrawFn, e: Exercise) -> Dose:
    """A dose of ``e`` with every parameter drawn inside its bounds."""
    raw: dict[str, Any] = e.dose.model_dump()
    b = e.bounds
    edge = draw(st.sampled_from(["inside", "top", "bottom"]))
    if edge != "inside":  # doses at an edge exercise the ladder moves
        return _edge_dose(e, top=edge == "top")
    raw["sets"] = draw(st.integers(int(b.sets.min), int(b.sets.max)))
    for name in ("reps",):
        bound = getattr(b, name)
        if raw[name] is not None and bound is not None:
            raw[name] = draw(st.integers(max(int(bound.min), 1), int(bound.max)))
    for name in ("hold_s", "duration_min"):
        bound = getattr(b, name)
        if raw[name] is not None and bound is not None:
            raw[name] = float(draw(st.integers(int(bound.min * 2), int(bound.max * 2)))) / 2
            raw[name] = min(max(raw[name], bound.min, 0.5), bound.max)
    if raw["load_kg"] is not None and b.load_kg is not None and b.load_increment_kg:
        steps = int((b.load_kg.max - b.load_kg.min) / b.load_increment_kg)
        raw["load_kg"] = b.load_kg.min + b.load_increment_kg * draw(st.integers(0, steps))
    if raw["pyramid"] is not None:
        top = raw["reps"] or raw["pyramid"][0]
        raw["pyramid"] = [max(top - 2 * i, 1) for i in range(raw["sets"])]
    return Dose.model_validate(raw)


def _edge_dose(e: Exercise, *, top: bool) -> Dose:
    raw: dict[str, Any] = e.dose.model_dump()
    for name in ("sets", "reps", "hold_s", "load_kg", "duration_min"):
        bound = getattr(e.bounds, name)
        if raw[name] is not None and bound is not None:
            value = bound.max if top else bound.min
            raw[name] = max(int(value), 1) if name in ("sets", "reps") else value
    if raw["pyramid"] is not None:
        top_reps = raw["reps"] or raw["pyramid"][0]
        raw["pyramid"] = [max(top_reps - 2 * i, 1) for i in range(raw["sets"])]
    return Dose.model_validate(raw)


@st.composite
def programs(draw: st.DrawFn) -> Program:
    chosen = draw(st.lists(st.sampled_from(CAT.ids), min_size=1, max_size=5, unique=True))
    entries = [CAT.get(i) for i in chosen]
    loaded = {load for e in entries for load in e.loads}
    free = [x for x in LOADS if x not in loaded]
    provoking = draw(st.lists(st.sampled_from(free), unique=True)) if free else []
    needed = {k for e in entries for k in e.equipment}
    equipment = sorted(needed | set(draw(st.lists(st.sampled_from(EQUIPMENT), unique=True))))
    carried = {t for e in entries for t in e.contraindications}
    spare = sorted(set(CONTRAINDICATIONS) - carried)
    contraindications = draw(st.lists(st.sampled_from(spare), unique=True)) if spare else []
    review_flags = sorted(f.id for f in RED_FLAGS.values() if f.urgency == "review")
    under_review = draw(st.lists(st.sampled_from(review_flags), max_size=2, unique=True))
    history = st.sampled_from(
        [
            [],
            [{"rule": "adapt.progress.hold_s", "text": "raised last time"}],
            [{"rule": "adapt.regress.streak", "text": "1 regression(s) in a row"}],
        ]
    )
    exercises = []
    for e in entries:
        dose = draw(doses(e))
        exercises.append(
            {
                "id": e.id,
                "name": e.name,
                "purpose": e.purpose,
                "mode": e.mode,
                "loads": list(e.loads),
                "level": e.level,
                "ladder": e.ladder,
                "dose": dose.model_dump(),
                "minutes": estimate_minutes(dose),
                "reasons": [{"rule": "prescribe.test", "text": "test"}, *draw(history)],
                "education": e.education,
                "pinned": draw(st.booleans()) and draw(st.booleans()),
            }
        )
    floor_minutes = max(5, math.ceil(sum(e["minutes"] for e in exercises)) + 1)
    return Program.model_validate(
        {
            "patient_id": "p1",
            "version": draw(st.integers(1, 20)),
            "status": draw(st.sampled_from(["active", "paused"])),
            "phase": draw(st.integers(1, 3)),
            "care_pathway": "physio_led",
            "dosing": draw(st.sampled_from(["pain_contingent", "quota_based"])),
            "minutes_per_session": draw(st.integers(floor_minutes, floor_minutes + 30)),
            "sessions_per_week": 3,
            "exercises": exercises,
            "safety": {
                "provoking_loads": provoking,
                "equipment": equipment,
                "contraindications": contraindications,
                "red_flags_under_review": under_review,
                "baseline_nprs": draw(st.one_of(st.none(), st.integers(0, 10))),
                "health": draw(st.one_of(st.none(), healths())),
            },
        }
    )


@st.composite
def healths(draw: st.DrawFn) -> dict[str, Any]:
    """A health section with some of the conditions of CLINICAL.md section 10."""
    health: dict[str, Any] = {"as_of": "2026-01-01"}
    if draw(st.booleans()):
        health["pregnancy_weeks"] = draw(st.integers(4, 38))
    for flag in ("osteoporosis", "long_term_oral_steroids", "falls_risk", "cardiac_disease"):
        health[flag] = draw(st.booleans())
    if draw(st.booleans()):
        health["spinal_surgery"] = {
            "type": "discectomy",
            "date": (
                dt.date(2026, 1, 1) - dt.timedelta(days=draw(st.integers(7, 120)))
            ).isoformat(),
            "restricted_loads": draw(st.lists(st.sampled_from(LOADS), unique=True, max_size=2)),
        }
    return health


@st.composite
def logs(draw: st.DrawFn, program: Program, red_flag_chance: bool = True) -> SessionLog:
    n = draw(st.integers(0, 6))
    calm = draw(st.booleans())  # a calm log: pain safe and settled, exercises completed
    date = dt.date(2026, 1, 5)
    sessions = []
    for _ in range(n):
        date += dt.timedelta(days=draw(st.integers(1, 3)))
        done = [
            {
                "id": e.id,
                "sets": draw(st.integers(0, e.dose.sets)),
                "completed": calm or draw(st.booleans()),
                "rpe": draw(st.one_of(st.none(), st.integers(0, 5 if calm else 10))),
            }
            for e in program.exercises
            if calm or draw(st.integers(0, 4)) > 0
        ]
        rare = st.integers(0, 15)
        before = draw(st.integers(0, 3 if calm else 10))
        after = draw(st.integers(max(before - 1, 0), before + 1) if calm else st.integers(0, 10))
        morning = st.integers(0, before) if calm else st.integers(0, 10)
        sessions.append(
            {
                "date": date.isoformat(),
                "pain_before": before,
                "pain_after": after,
                "next_morning_pain": draw(st.one_of(st.none(), morning)),
                "red_flags": (
                    [draw(st.sampled_from(FLAG_IDS))] if red_flag_chance and draw(rare) == 0 else []
                ),
                "new_neuro_symptoms": draw(rare) == 0,
                "peripheralization": (
                    draw(st.sampled_from(sorted(DIRECTION_LOADS))) if draw(rare) == 0 else None
                ),
                "exercises": done,
            }
        )
    return SessionLog.model_validate(
        {"patient_id": "p1", "program_version": program.version, "sessions": sessions}
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[Program, SessionLog, Adaptation]:
    program = draw(programs())
    log = draw(logs(program))
    return program, log, adapt(program, log, POLICY, CAT)


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _progressed(result: Adaptation) -> bool:
    return any(c.action == "progress" for c in result.changes)


@PROPERTY
@given(cases())
def test_no_progress_after_an_unsettled_rise_or_a_missing_morning(
    case: tuple[Program, SessionLog, Adaptation],
) -> None:
    """A rise of 2+ that did not settle, or any missing morning: no exercise progresses,
    whatever the dosing; pain-contingent dosing also needs pain at 5 or below."""
    program, log, result = case
    unsettled = any(
        s.pain_rise >= 2 and s.next_morning_pain is not None and s.next_morning_pain > s.pain_before
        for s in log.sessions
    )
    missing = any(s.next_morning_pain is None for s in log.sessions)
    high = any(max(s.pain_before, s.pain_after, s.next_morning_pain or 0) > 5 for s in log.sessions)
    if unsettled or missing or (high and program.dosing == "pain_contingent"):
        assert not _progressed(result)


@PROPERTY
@given(cases())
def test_no_progress_while_the_window_is_two_above_baseline(
    case: tuple[Program, SessionLog, Adaptation],
) -> None:
    program, log, result = case
    baseline = program.safety.baseline_nprs
    if baseline is None or not log.sessions:
        return
    mean = sum(s.pain_before for s in log.sessions) / len(log.sessions)
    if mean >= baseline + 2:
        assert not _progressed(result)


@PROPERTY
@given(cases())
def test_no_step_above_the_dose_limits(case: tuple[Program, SessionLog, Adaptation]) -> None:
    """Timed work grows by minutes (never sets), at most 20 % a step and 10 % a week for
    walking; a load step adds at most 10 % unless the reps drop so the work does not grow."""
    _, log, result = case
    for c in result.changes:
        if c.action != "progress" or not isinstance(c.from_, Dose) or not isinstance(c.to, Dose):
            continue
        before, after = c.from_, c.to
        if before.duration_min is not None:
            assert after.sets == before.sets
            grown = (after.duration_min or 0) - before.duration_min
            share = POLICY.duration_step_share
            if {"walking", "aerobic"} & set(CAT.get(c.exercise).tags):
                share = min(share, POLICY.aerobic_weekly_share * _weeks(log))
            assert grown <= share * before.duration_min + 1e-6, (c.exercise, before, after)
        if before.load_kg is not None and after.load_kg != before.load_kg:
            added = (after.load_kg or 0) - before.load_kg
            if added > POLICY.max_load_step_share * before.load_kg + 1e-9:
                assert volume_load(after) <= volume_load(before) + 1e-9, (c.exercise, before, after)


def _weeks(log: SessionLog) -> int:
    s = log.sessions
    return max(1, ((s[-1].date - s[0].date).days + 1) // 7) if s else 1


@PROPERTY
@given(cases())
def test_a_regression_never_adds_minutes(case: tuple[Program, SessionLog, Adaptation]) -> None:
    program, _, result = case
    before = {e.id: estimate_minutes(e.dose) for e in program.exercises}
    after = {e.id: estimate_minutes(e.dose) for e in result.program.exercises}
    for c in result.changes:
        if c.action not in ("regress", "replace"):
            continue
        new_id = c.to if isinstance(c.to, str) else c.exercise
        assert after[new_id] <= before[c.exercise] + 1e-9, (c.exercise, new_id)


def _fits(program: Program) -> bool:
    total = sum(round(estimate_minutes(e.dose) * 100) for e in program.exercises)
    return total <= program.minutes_per_session * 100


@PROPERTY
@given(programs(), st.data())
def test_the_session_stays_within_its_minutes_over_many_adaptations(
    program: Program, data: st.DataObject
) -> None:
    assert _fits(program)
    for _ in range(4):
        if program.status == "referral":
            break
        result = adapt(program, data.draw(logs(program, red_flag_chance=False)), POLICY, CAT)
        assert _fits(result.program), result.program.exercises
        program = result.program.model_copy(update={"approved_by": "test"})


@PROPERTY
@given(cases())
def test_no_version_breaks_a_health_precaution(
    case: tuple[Program, SessionLog, Adaptation],
) -> None:
    program, log, result = case
    day = log.sessions[-1].date if log.sessions else None
    precautions = active_precautions(program.safety.health, day)
    for e in result.program.exercises:
        assert precaution_reasons(CAT.get(e.id), precautions) == [], e.id


@PROPERTY
@given(cases())
def test_a_red_flag_always_stops(case: tuple[Program, SessionLog, Adaptation]) -> None:
    _, log, result = case
    if any(s.red_flags for s in log.sessions):
        assert result.program.status == "referral"
        assert result.program.exercises == []
        assert result.program.referral is not None
        assert all(c.action == "stop" for c in result.changes)


@PROPERTY
@given(cases())
def test_doses_stay_within_bounds(case: tuple[Program, SessionLog, Adaptation]) -> None:
    _, _, result = case
    for e in result.program.exercises:
        assert CAT.get(e.id).bounds.admits(e.dose), (e.id, e.dose)


@PROPERTY
@given(cases())
def test_ladders_move_one_rung_at_a_time(case: tuple[Program, SessionLog, Adaptation]) -> None:
    _, _, result = case
    for c in result.changes:
        if c.parameter != "ladder" or c.action not in ("progress", "regress"):
            continue
        assert isinstance(c.from_, str)
        assert isinstance(c.to, str)
        step = CAT.harder(c.from_) if c.action == "progress" else CAT.easier(c.from_)
        assert step is not None
        assert step.id == c.to
        assert abs(CAT.get(c.to).level - CAT.get(c.from_).level) == 1


@PROPERTY
@given(cases())
def test_no_change_introduces_a_provoking_load(
    case: tuple[Program, SessionLog, Adaptation],
) -> None:
    _, _, result = case
    forbidden = set(result.program.safety.provoking_loads)
    for e in result.program.exercises:
        assert not forbidden & set(e.loads), (e.id, e.loads, forbidden)


@PROPERTY
@given(cases())
def test_no_change_needs_missing_equipment_or_a_contraindicated_exercise(
    case: tuple[Program, SessionLog, Adaptation],
) -> None:
    _, _, result = case
    safety = result.program.safety
    for e in result.program.exercises:
        entry = CAT.get(e.id)
        needed = set(entry.equipment) - SUPPORT_SURFACES
        assert needed <= set(safety.equipment), (e.id, entry.equipment)
        assert not set(entry.contraindications) & set(safety.contraindications), e.id


@PROPERTY
@given(cases())
def test_no_progress_while_a_red_flag_awaits_review(
    case: tuple[Program, SessionLog, Adaptation],
) -> None:
    program, _, result = case
    if program.safety.red_flags_under_review:
        assert all(c.action != "progress" for c in result.changes)
        assert result.program.phase <= program.phase


@PROPERTY
@given(cases())
def test_one_new_unapproved_version_with_a_change_per_exercise(
    case: tuple[Program, SessionLog, Adaptation],
) -> None:
    program, _, result = case
    assert result.program.version == program.version + 1
    assert result.program.approved_by is None
    assert sorted(c.exercise for c in result.changes) == sorted(e.id for e in program.exercises)
    assert all(c.reasons for c in result.changes)
    assert len({e.id for e in result.program.exercises}) == len(result.program.exercises)
