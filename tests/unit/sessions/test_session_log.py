"""The session log document: pain in range, dates in order, exercises from the program."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from spinecoach.documents import parse_document
from spinecoach.errors import DocumentError, InputError, UnknownItemError
from spinecoach.prescription.program import Program, ProgramSafety
from spinecoach.prescription.settings import AdaptationSettings
from spinecoach.sessions.model import SessionLog, check_against_program
from spinecoach.sessions.response import (
    exercise_record,
    flare_up,
    next_morning_above_baseline,
    pain_zone,
    weekly_trend_rising,
)


def _session(date: str, before: int = 3, after: int = 3, **extra: Any) -> dict[str, Any]:
    return {"date": date, "pain_before": before, "pain_after": after, **extra}


def _log(*sessions: dict[str, Any]) -> dict[str, Any]:
    return {"patient_id": "p1", "program_version": 1, "sessions": list(sessions)}


def test_a_valid_log_parses_with_exercises_and_sensor_metrics() -> None:
    raw = _log(
        _session(
            "2026-01-05",
            next_morning_pain=2,
            exercises=[
                {
                    "id": "bird_dog",
                    "sets": 2,
                    "reps": 6,
                    "hold_s": 5,
                    "completed": True,
                    "rpe": 3,
                    "sensor": {"rep_count": 12, "quality": 0.9, "rom_deg": 4.5},
                }
            ],
        )
    )
    log = parse_document(raw, SessionLog)
    assert log.sessions[0].exercises[0].sensor is not None
    assert log.sessions[0].exercises[0].sensor.quality == 0.9
    assert log.sessions[0].pain_rise == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("pain_before", 11), ("pain_after", -1), ("next_morning_pain", 12)],
)
def test_pain_out_of_range_names_the_field(field: str, value: int) -> None:
    session = _session("2026-01-05")
    session[field] = value
    with pytest.raises(DocumentError, match=rf"sessions\.0\.{field}"):
        parse_document(_log(session), SessionLog)


def test_rpe_is_borg_cr10() -> None:
    bad = _session("2026-01-05", exercises=[{"id": "x", "sets": 1, "completed": True, "rpe": 11}])
    with pytest.raises(DocumentError, match=r"sessions\.0\.exercises\.0\.rpe"):
        parse_document(_log(bad), SessionLog)


@pytest.mark.parametrize(
    "dates",
    [("2026-01-07", "2026-01-05"), ("2026-01-05", "2026-01-05")],
)
def test_dates_must_strictly_increase(dates: tuple[str, str]) -> None:
    with pytest.raises(DocumentError, match=r"strictly increasing"):
        parse_document(_log(*(_session(d) for d in dates)), SessionLog)


def test_two_sessions_on_one_day_need_increasing_times() -> None:
    log = parse_document(
        _log(_session("2026-01-05", time="09:00"), _session("2026-01-05", time="15:30")),
        SessionLog,
    )
    assert log.sessions[1].when == dt.datetime(2026, 1, 5, 15, 30)


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(DocumentError, match=r"pain_peak"):
        parse_document(_log(_session("2026-01-05", pain_peak=3)), SessionLog)


def _program(ids: list[str]) -> Program:
    exercises = [
        {
            "id": i,
            "name": i,
            "purpose": "activation",
            "mode": "static",
            "loads": ["none"],
            "level": 1,
            "ladder": i,
            "dose": {"sets": 1, "reps": 5},
            "minutes": 1,
            "reasons": [{"rule": "test", "text": "test"}],
            "education": "x",
        }
        for i in ids
    ]
    return Program.model_validate(
        {
            "patient_id": "p1",
            "status": "active",
            "phase": 1,
            "care_pathway": "physio_led",
            "dosing": "pain_contingent",
            "minutes_per_session": 20,
            "sessions_per_week": 3,
            "exercises": exercises,
            "safety": ProgramSafety().model_dump(),
        }
    )


def test_exercises_not_in_the_program_are_named() -> None:
    log = parse_document(
        _log(_session("2026-01-05", exercises=[{"id": "plank", "sets": 1, "completed": True}])),
        SessionLog,
    )
    with pytest.raises(UnknownItemError, match=r"sessions\.0\.exercises\.0\.id 'plank'.*bird_dog"):
        check_against_program(log, _program(["bird_dog"]))


def test_log_for_another_version_or_patient_is_rejected() -> None:
    log = parse_document({**_log(), "program_version": 2}, SessionLog)
    with pytest.raises(InputError, match=r"program_version 2 .* version 1"):
        check_against_program(log, _program([]))
    other = parse_document({**_log(), "patient_id": "p2"}, SessionLog)
    with pytest.raises(UnknownItemError, match=r"patient_id 'p2'"):
        check_against_program(other, _program([]))


# --- pain response ------------------------------------------------------------------------

SETTINGS = AdaptationSettings()


def _one(before: int, after: int, morning: int | None = None, date: str = "2026-01-05") -> Any:
    raw = _log(_session(date, before, after, next_morning_pain=morning))
    return parse_document(raw, SessionLog).sessions[0]


@pytest.mark.parametrize(
    ("before", "after", "zone"),
    [
        (2, 3, "safe"),  # rose by 1: measurement noise
        (4, 6, "beyond_limit"),  # rose by 2: a real rise
        (1, 5, "beyond_limit"),  # rose by 4
        (2, 5, "beyond_limit"),  # rose by 3
        (6, 6, "acceptable"),  # steady, but above 5/10: never a reason to progress
        (5, 7, "beyond_limit"),
        (5, 5, "safe"),  # steady at the ceiling
    ],
)
def test_pain_zones_follow_the_settings(before: int, after: int, zone: str) -> None:
    assert pain_zone(_one(before, after), SETTINGS) == zone


def test_next_morning_above_the_pre_session_pain() -> None:
    assert next_morning_above_baseline(_one(3, 3, 4))
    assert not next_morning_above_baseline(_one(3, 5, 3))
    assert not next_morning_above_baseline(_one(3, 3, None))


def test_flare_up_by_peak_by_next_morning_and_by_streak() -> None:
    assert flare_up([_one(4, 8)], SETTINGS) is not None
    assert flare_up([_one(3, 3, 6)], SETTINGS) is not None
    streak = [_one(4, 6, date="2026-01-05"), _one(4, 6, date="2026-01-07")]
    assert "2 sessions in a row" in (flare_up(streak, SETTINGS) or "")
    assert flare_up([_one(4, 6)], SETTINGS) is None


def test_weekly_trend_is_a_least_squares_slope_over_seven_days() -> None:
    rising = [_one(p, p, date=f"2026-01-{d:02d}") for p, d in ((2, 5), (3, 7), (4, 9), (5, 11))]
    assert weekly_trend_rising(rising, SETTINGS) == pytest.approx(3.5)
    flat = [_one(3, 3, date=f"2026-01-{d:02d}") for d in (5, 7, 9, 11)]
    assert weekly_trend_rising(flat, SETTINGS) is None
    assert weekly_trend_rising(rising[:3], SETTINGS) is None  # too few sessions to read a trend
    old = [_one(9, 9, date="2025-12-20"), *rising[1:]]  # older than 7 days: left out
    assert weekly_trend_rising(old, SETTINGS) is None


def test_exercise_record_counts_completion_effort_and_form() -> None:
    raw = _log(
        _session(
            "2026-01-05",
            exercises=[{"id": "a", "sets": 2, "completed": True, "rpe": 4}],
        ),
        _session(
            "2026-01-07",
            exercises=[
                {"id": "a", "sets": 1, "completed": False, "rpe": 6, "sensor": {"quality": 0.5}}
            ],
        ),
    )
    rec = exercise_record(parse_document(raw, SessionLog).sessions, "a", prescribed_sets=2)
    assert rec.sessions == 2
    assert rec.completion == pytest.approx(0.75)
    assert rec.mean_rpe == pytest.approx(5.0)
    assert rec.mean_quality == pytest.approx(0.5)
