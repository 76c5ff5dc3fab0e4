"""adapt(): hand-worked cases for every rule, on the packaged catalogue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from spinecoach.errors import ClinicalSafetyError, UnknownItemError
from spinecoach.exercises import load_catalogue
from spinecoach.exercises.model import Dose
from spinecoach.prescription import Adaptation, AdaptationSettings, adapt
from spinecoach.prescription.dosing import estimate_minutes
from spinecoach.prescription.program import Program, ProgramExercise, ProgramSafety, Reason
from spinecoach.sessions.model import ExerciseDone, Session, SessionLog
from spinecoach.vocabulary import EQUIPMENT

CAT = load_catalogue()


def program_of(
    ids: Sequence[str],
    *,
    phase: int = 1,
    dosing: str = "pain_contingent",
    provoking_loads: Sequence[str] = (),
    doses: dict[str, Dose] | None = None,
    extra_reasons: dict[str, list[Reason]] | None = None,
    status: str = "active",
    pinned: Sequence[str] = (),
    equipment: Sequence[str] = EQUIPMENT,
    contraindications: Sequence[str] = (),
    red_flags_under_review: Sequence[str] = (),
) -> Program:
    """A program of catalogue exercises (template doses unless given; all equipment at hand)."""
    exercises = []
    for i in ids:
        e = CAT.get(i)
        dose = (doses or {}).get(i, e.dose)
        reasons = [Reason(rule="prescribe.test", text="chosen for the test")]
        reasons += (extra_reasons or {}).get(i, [])
        exercises.append(
            ProgramExercise(
                id=e.id,
                name=e.name,
                purpose=e.purpose,
                mode=e.mode,
                loads=list(e.loads),
                level=e.level,
                ladder=e.ladder,
                dose=dose,
                minutes=estimate_minutes(dose),
                reasons=reasons,
                education=e.education,
                pinned=i in pinned,
            )
        )
    return Program.model_validate(
        {
            "patient_id": "p1",
            "status": status,
            "phase": phase,
            "care_pathway": "physio_led",
            "dosing": dosing,
            "minutes_per_session": 20,
            "sessions_per_week": 3,
            "exercises": [e.model_dump() for e in exercises],
            "safety": ProgramSafety.model_validate(
                {
                    "provoking_loads": list(provoking_loads),
                    "equipment": list(equipment),
                    "contraindications": list(contraindications),
                    "red_flags_under_review": list(red_flags_under_review),
                }
            ).model_dump(),
            "approved_by": "physio",
        }
    )


def log_of(
    program: Program,
    pains: Sequence[tuple[int, int, int | None]],
    *,
    rpe: float = 3,
    completed: bool = True,
    **session_extra: Any,
) -> SessionLog:
    """Sessions every other day with the given (before, after, next morning) pain."""
    sessions = []
    for k, (before, after, morning) in enumerate(pains):
        done = [
            ExerciseDone(id=e.id, sets=e.dose.sets, completed=completed, rpe=rpe)
            for e in program.exercises
        ]
        extra = session_extra if k == len(pains) - 1 else {}
        sessions.append(
            Session(
                date=dt.date(2026, 1, 5) + dt.timedelta(days=2 * k),
                pain_before=before,
                pain_after=after,
                next_morning_pain=morning,
                exercises=done,
                **extra,
            )
        )
    return SessionLog(
        patient_id=program.patient_id, program_version=program.version, sessions=sessions
    )


SAFE = [(3, 3, 3), (3, 3, 2), (2, 3, 2)]


def actions(result: Adaptation) -> dict[str, str]:
    return {c.exercise: c.action for c in result.changes}


def rules(result: Adaptation, exercise: str) -> set[str]:
    change = next(c for c in result.changes if c.exercise == exercise)
    return {r.rule for r in change.reasons}


def test_safe_sessions_progress_each_exercise_by_one_parameter() -> None:
    program = program_of(["bird_dog_arm", "tra_drawing_in"])
    result = adapt(program, log_of(program, SAFE), catalogue=CAT)
    assert result.program.version == 2
    assert result.program.approved_by is None
    assert actions(result) == {"bird_dog_arm": "progress", "tra_drawing_in": "progress"}
    bird = next(c for c in result.changes if c.exercise == "bird_dog_arm")
    assert bird.parameter == "hold_s"
    assert isinstance(bird.from_, Dose)
    assert isinstance(bird.to, Dose)
    assert (bird.from_.hold_s, bird.to.hold_s) == (5, 7)
    assert {"adapt.pain_safe", "adapt.progress.hold_s"} <= rules(result, "bird_dog_arm")
    kept = {e.id: e for e in result.program.exercises}
    assert kept["bird_dog_arm"].dose.hold_s == 7
    assert any(r.rule == "prescribe.test" for r in kept["bird_dog_arm"].reasons)


def test_change_serialises_from_and_to() -> None:
    program = program_of(["bird_dog_arm"])
    change = adapt(program, log_of(program, SAFE), catalogue=CAT).changes[0]
    dumped = change.model_dump(mode="json")
    assert "from" in dumped
    assert dumped["from"]["hold_s"] == 5


@pytest.mark.parametrize(
    ("pains", "rule"),
    [
        ([(3, 3, 3), (3, 3, 3), (3, 5, 4)], "adapt.regress.rise_not_settled"),
        ([(3, 5, 3), (3, 3, 3), (3, 5, 3)], "adapt.regress.two_rises"),
        ([(5, 5, 5), (5, 5, 5), (5, 5, 5)], "adapt.regress.above_baseline"),
    ],
)
def test_rise_not_settled_two_rises_or_mean_above_baseline_regresses(
    pains: list[tuple[int, int, int]], rule: str
) -> None:
    program = program_of(["bird_dog_leg"], doses={"bird_dog_leg": Dose(sets=2, reps=6, hold_s=9)})
    program = program.model_copy(
        update={"safety": program.safety.model_copy(update={"baseline_nprs": 3})}
    )
    result = adapt(program, log_of(program, pains), catalogue=CAT)
    assert actions(result) == {"bird_dog_leg": "regress"}
    assert rule in rules(result, "bird_dog_leg")
    assert result.program.exercises[0].dose.sets == 1  # sets are raised last, so cut first


def test_a_single_session_far_above_baseline_regresses_whatever_the_count() -> None:
    program = program_of(["bird_dog_leg"], doses={"bird_dog_leg": Dose(sets=2, reps=6, hold_s=9)})
    program = program.model_copy(
        update={"safety": program.safety.model_copy(update={"baseline_nprs": 2})}
    )
    result = adapt(program, log_of(program, [(4, 4, 4)]), catalogue=CAT)
    assert "adapt.regress.above_baseline" in rules(result, "bird_dog_leg")


def test_regression_undoes_the_most_recent_progression_first() -> None:
    recent = [Reason(rule="adapt.progress.hold_s", text="hold up last time")]
    program = program_of(["bird_dog_leg", "tra_drawing_in"], extra_reasons={"bird_dog_leg": recent})
    result = adapt(program, log_of(program, [(3, 7, 4)]), catalogue=CAT)
    assert actions(result) == {"bird_dog_leg": "regress", "tra_drawing_in": "hold"}
    assert "adapt.hold.not_recently_progressed" in rules(result, "tra_drawing_in")


@pytest.mark.parametrize(
    ("pains", "rule"),
    [
        ([(2, 4, 2), (2, 2, 2), (2, 2, 2)], "adapt.hold.rise_settled"),
        ([(2, 2, 2), (2, 2, None), (2, 2, 2)], "adapt.hold.morning_missing"),
        ([(9, 9, 9), (9, 9, 9), (9, 9, 9)], "adapt.hold.pain_high"),
        ([(5, 6, 5), (5, 5, 5), (5, 5, 5)], "adapt.hold.pain_high"),
    ],
)
def test_settled_rise_missing_morning_or_high_steady_pain_holds(
    pains: list[tuple[int, int, int | None]], rule: str
) -> None:
    program = program_of(["bird_dog_arm"])
    result = adapt(program, log_of(program, pains), catalogue=CAT)
    assert actions(result) == {"bird_dog_arm": "hold"}
    assert rule in rules(result, "bird_dog_arm")
    assert result.program.exercises[0].dose == program.exercises[0].dose


def test_a_slow_climb_across_versions_is_caught() -> None:
    """Pain creeping up review after review stops progression, though each window is flat."""
    program = program_of(["bird_dog_arm"])
    program = program.model_copy(
        update={"safety": program.safety.model_copy(update={"baseline_nprs": 2})}
    )
    first = adapt(program, log_of(program, [(2, 2, 2)] * 3), catalogue=CAT)
    assert actions(first) == {"bird_dog_arm": "progress"}
    second_program = first.program
    second = adapt(second_program, log_of(second_program, [(3, 3, 3)] * 3), catalogue=CAT)
    assert actions(second) == {"bird_dog_arm": "hold"}
    assert {"adapt.hold.mean_rising", "adapt.hold.above_baseline"} <= rules(second, "bird_dog_arm")
    assert [w.mean_before for w in second.program.pain_windows] == [2.0, 3.0]


@pytest.mark.parametrize(
    ("pains", "kwargs", "rule"),
    [
        (SAFE[:2], {}, "adapt.hold.min_sessions"),
        (SAFE, {"completed": False}, "adapt.hold.completion"),
        (SAFE, {"rpe": 8}, "adapt.hold.effort"),
    ],
)
def test_not_ready_to_progress_holds(
    pains: list[tuple[int, int, int]], kwargs: dict[str, Any], rule: str
) -> None:
    program = program_of(["tra_drawing_in"])
    if kwargs.get("completed") is False:
        log = log_of(program, pains)
        sessions = [
            s.model_copy(
                update={
                    "exercises": [
                        d.model_copy(update={"sets": 0, "completed": False}) for d in s.exercises
                    ]
                }
            )
            for s in log.sessions
        ]
        log = log.model_copy(update={"sessions": sessions})
    else:
        log = log_of(program, pains, **kwargs)
    result = adapt(program, log, catalogue=CAT)
    assert actions(result) == {"tra_drawing_in": "hold"}
    assert rule in rules(result, "tra_drawing_in")


def test_new_red_flag_refers_and_stops_everything() -> None:
    program = program_of(["bird_dog_arm", "tra_drawing_in"])
    log = log_of(program, SAFE, red_flags=["ces_bladder"])
    result = adapt(program, log, catalogue=CAT)
    assert result.program.status == "referral"
    assert result.program.exercises == []
    assert result.program.referral is not None
    assert result.program.referral.urgency == "emergency"
    assert result.program.referral.flags == ["ces_bladder"]
    assert set(actions(result).values()) == {"stop"}
    assert result.needs_clinician


def test_unknown_red_flag_is_named() -> None:
    program = program_of(["tra_drawing_in"])
    with pytest.raises(UnknownItemError, match="red flag 'back_ache'"):
        adapt(program, log_of(program, SAFE, red_flags=["back_ache"]), catalogue=CAT)


def test_a_referral_program_cannot_be_adapted() -> None:
    program = program_of([], status="referral")
    with pytest.raises(ClinicalSafetyError, match="referral"):
        adapt(program, log_of(program, []), catalogue=CAT)


def test_peripheralization_stops_that_direction_and_records_it() -> None:
    program = program_of(["bird_dog_arm", "curl_up_head_lift", "tra_drawing_in"])
    log = log_of(program, SAFE, peripheralization="extension")
    result = adapt(program, log, catalogue=CAT)
    assert actions(result)["bird_dog_arm"] == "stop"
    assert "bird_dog_arm" not in {e.id for e in result.program.exercises}
    safety = result.program.safety
    assert "extension" in safety.provoking
    assert "extension" in safety.peripheralizing
    assert "extension" in safety.provoking_loads
    assert any(a.rule == "adapt.peripheralization" and a.escalate for a in result.alerts)


def test_flare_up_pauses_and_falls_back_to_pain_free_phase_one_work() -> None:
    program = program_of(
        ["bird_dog", "tra_drawing_in", "curl_up_head_lift", "glute_bridge"], phase=2
    )
    result = adapt(program, log_of(program, [(3, 3, 3), (4, 9, 7)]), catalogue=CAT)
    assert result.program.status == "paused"
    assert result.program.phase == 1
    assert any(a.rule == "adapt.flare_up" for a in result.alerts)
    assert "progress" not in actions(result).values()
    for e in result.program.exercises:
        entry = CAT.get(e.id)
        assert "flare_safe" in entry.tags
        assert entry.phase == 1
    assert actions(result)["bird_dog"] == "replace"
    assert {e.id for e in result.program.exercises} >= {"bird_dog_arm", "tra_drawing_in"}


def test_paused_program_resumes_when_calm() -> None:
    program = program_of(["tra_drawing_in"], status="paused")
    result = adapt(program, log_of(program, SAFE), catalogue=CAT)
    assert result.program.status == "active"
    assert any(r.rule == "adapt.flare_settled" for r in result.program.phase_reasons)


def _top(exercise_id: str) -> Dose:
    e = CAT.get(exercise_id)
    b = e.bounds
    update: dict[str, Any] = {"sets": int(b.sets.max)}
    if e.dose.reps is not None and b.reps is not None:
        update["reps"] = int(b.reps.max)
        if e.dose.pyramid is not None:
            update["pyramid"] = [max(int(b.reps.max) - 2 * i, 1) for i in range(int(b.sets.max))]
    if e.dose.hold_s is not None and b.hold_s is not None:
        update["hold_s"] = b.hold_s.max
    return Dose.model_validate({**e.dose.model_dump(), **update})


def test_dose_at_the_top_moves_one_rung_up_the_ladder() -> None:
    program = program_of(["bird_dog_arm"], doses={"bird_dog_arm": _top("bird_dog_arm")})
    result = adapt(program, log_of(program, SAFE), catalogue=CAT)
    change = result.changes[0]
    assert (change.action, change.parameter, change.from_, change.to) == (
        "progress",
        "ladder",
        "bird_dog_arm",
        "bird_dog_leg",
    )
    new = result.program.exercises[0]
    assert (new.id, new.level, new.ladder) == ("bird_dog_leg", 2, "bird_dog")
    assert new.dose == CAT.get("bird_dog_leg").dose


def test_next_rung_that_loads_a_provoking_direction_is_not_taken() -> None:
    program = program_of(
        ["glute_bridge"],
        phase=3,
        provoking_loads=["rotation"],
        doses={"glute_bridge": _top("glute_bridge")},
    )
    result = adapt(program, log_of(program, SAFE), catalogue=CAT)
    assert actions(result) == {"glute_bridge": "hold"}
    assert "adapt.hold.provoking_rung" in rules(result, "glute_bridge")


def _top_of_ladder_step(needing: str) -> tuple[str, str]:
    """An exercise whose next rung needs ``needing`` (equipment or contraindication tag)."""
    for e in CAT:
        rung = CAT.harder(e.id)
        if rung is None:
            continue
        needs = set(rung.equipment) | set(rung.contraindications)
        mine = set(e.equipment) | set(e.contraindications)
        if needing in needs and needing not in mine:
            return e.id, rung.id
    raise LookupError(needing)


def test_next_rung_needing_equipment_the_patient_lacks_is_not_taken() -> None:
    low, rung = _top_of_ladder_step("pulley")
    have = [k for k in EQUIPMENT if k != "pulley"]
    program = program_of([low], phase=3, equipment=have, doses={low: _top(low)})
    result = adapt(program, log_of(program, SAFE), catalogue=CAT)
    assert actions(result) == {low: "hold"}
    assert "adapt.hold.equipment_rung" in rules(result, low)
    assert rung not in {e.id for e in result.program.exercises}
    with_pulley = program_of([low], phase=3, doses={low: _top(low)})
    moved = adapt(with_pulley, log_of(with_pulley, SAFE), catalogue=CAT)
    assert rung in {e.id for e in moved.program.exercises}


def test_next_rung_contraindicated_for_the_patient_is_not_taken() -> None:
    tag = next(t for e in CAT for t in e.contraindications)
    low, rung = _top_of_ladder_step(tag)
    program = program_of([low], phase=3, contraindications=[tag], doses={low: _top(low)})
    result = adapt(program, log_of(program, SAFE), catalogue=CAT)
    assert actions(result) == {low: "hold"}
    assert "adapt.hold.contraindicated_rung" in rules(result, low)
    assert rung not in {e.id for e in result.program.exercises}


def test_next_rung_of_a_later_phase_waits_for_the_phase() -> None:
    program = program_of(["bird_dog_leg"], doses={"bird_dog_leg": _top("bird_dog_leg")})
    result = adapt(program, log_of(program, SAFE), catalogue=CAT)
    assert "adapt.hold.phase" in rules(result, "bird_dog_leg")
    assert result.program.phase == 2  # every exercise has outgrown phase 1


def test_phase_advances_after_enough_safe_reviews() -> None:
    policy = AdaptationSettings(phase_min_reviews=2)
    program = program_of(["bird_dog_arm", "tra_drawing_in", "diaphragmatic_breathing"])
    first = adapt(program, log_of(program, SAFE), policy, CAT).program
    assert first.phase == 1
    assert any(r.rule == "adapt.phase.safe_reviews" for r in first.phase_reasons)
    second = adapt(first, log_of(first, SAFE), policy, CAT).program
    assert second.phase == 2
    assert any(r.rule == "adapt.phase" for r in second.phase_reasons)


def test_two_regressions_in_a_row_escalate() -> None:
    program = program_of(["bird_dog_leg"], doses={"bird_dog_leg": Dose(sets=2, reps=8, hold_s=9)})
    once = adapt(program, log_of(program, [(3, 7, 4)]), catalogue=CAT)
    assert not once.needs_clinician
    twice = adapt(once.program, log_of(once.program, [(3, 7, 4)]), catalogue=CAT)
    assert twice.changes[0].action == "regress"
    assert any(a.rule == "adapt.escalate.regressions" and a.escalate for a in twice.alerts)


def test_new_neurological_symptoms_hold_and_escalate() -> None:
    program = program_of(["tra_drawing_in"])
    result = adapt(program, log_of(program, SAFE, new_neuro_symptoms=True), catalogue=CAT)
    assert actions(result) == {"tra_drawing_in": "hold"}
    assert result.needs_clinician


def test_quota_based_dosing_progresses_by_plan_not_pain() -> None:
    program = program_of(["tra_drawing_in"], dosing="quota_based")
    unsettled = [(3, 5, 3), (3, 5, 3), (3, 5, 3)]  # acceptable zone: pain-contingent would hold
    result = adapt(program, log_of(program, unsettled, rpe=8), catalogue=CAT)
    assert actions(result) == {"tra_drawing_in": "progress"}
    assert "adapt.plan.quota" in rules(result, "tra_drawing_in")


def test_quota_based_dosing_still_stops_on_a_flare_up() -> None:
    program = program_of(["bird_dog_leg"], dosing="quota_based")
    result = adapt(program, log_of(program, [(3, 9, 8)]), catalogue=CAT)
    assert result.program.status == "paused"
    assert "progress" not in actions(result).values()


def test_pinned_exercise_keeps_its_dose() -> None:
    program = program_of(["tra_drawing_in"], pinned=["tra_drawing_in"])
    result = adapt(program, log_of(program, SAFE), catalogue=CAT)
    assert rules(result, "tra_drawing_in") == {"adapt.hold.pinned"}


def test_every_change_carries_rule_ids_and_the_policy_note() -> None:
    program = program_of(["bird_dog_arm"])
    result = adapt(program, log_of(program, SAFE), catalogue=CAT)
    reasons = result.changes[0].reasons
    assert all(r.rule.startswith("adapt.") for r in reasons)
    assert any(r.source and "not a published LBP rule" in r.source for r in reasons)


def test_an_exercise_held_last_time_is_not_taken_for_a_recent_progression() -> None:
    program = program_of(["bird_dog_arm", "tra_drawing_in"])
    log = log_of(program, SAFE)
    sessions = [  # tra_drawing_in done only in the first session: held for too few sessions
        s.model_copy(update={"exercises": s.exercises[:1]}) if k else s
        for k, s in enumerate(log.sessions)
    ]
    first = adapt(program, log.model_copy(update={"sessions": sessions}), catalogue=CAT)
    assert actions(first) == {"bird_dog_arm": "progress", "tra_drawing_in": "hold"}
    second = adapt(first.program, log_of(first.program, [(3, 7, 4)]), catalogue=CAT)
    assert actions(second) == {"bird_dog_arm": "regress", "tra_drawing_in": "hold"}


def test_red_flag_under_review_suspends_progression_and_escalates() -> None:
    program = program_of(
        ["bird_dog_arm", "tra_drawing_in"], red_flags_under_review=["age_over_50_new_onset"]
    )
    result = adapt(program, log_of(program, SAFE), catalogue=CAT)
    assert actions(result) == {"bird_dog_arm": "hold", "tra_drawing_in": "hold"}
    assert "adapt.hold.red_flag_review" in rules(result, "bird_dog_arm")
    assert result.needs_clinician
    assert "adapt.escalate.red_flag_review" in {a.rule for a in result.alerts}
    assert result.program.phase == program.phase
    assert result.program.safety.red_flags_under_review == ["age_over_50_new_onset"]


def test_red_flag_under_review_still_lets_pain_regress() -> None:
    program = program_of(["bird_dog_arm"], red_flags_under_review=["failure_to_improve"])
    result = adapt(program, log_of(program, [(3, 7, 3), (3, 7, 4), (3, 7, 4)]), catalogue=CAT)
    assert actions(result) == {"bird_dog_arm": "regress"}


def test_cleared_flag_lets_progression_resume() -> None:
    program = program_of(["bird_dog_arm"])
    result = adapt(program, log_of(program, SAFE), catalogue=CAT)
    assert actions(result) == {"bird_dog_arm": "progress"}
