"""A session log is checked on its own terms: no more sessions a day than a program can ask
for, no exercise logged twice in one session."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from spinecoach.sessions import SessionLog


def _session(date: str, time: str | None, exercises: list[dict[str, Any]]) -> dict[str, Any]:
    return {"date": date, "time": time, "pain_before": 2, "pain_after": 2, "exercises": exercises}


def test_three_sessions_on_one_day_are_refused() -> None:
    sessions = [_session("2026-01-05", f"0{h}:00", []) for h in (7, 8, 9)]
    with pytest.raises(ValidationError, match=r"sessions\.2\.date 2026-01-05: more than 2"):
        SessionLog.model_validate({"patient_id": "p", "program_version": 1, "sessions": sessions})


def test_an_exercise_logged_twice_in_one_session_is_refused() -> None:
    done = {"id": "bird_dog", "sets": 2, "completed": True}
    sessions = [_session("2026-01-05", None, [done, done])]
    with pytest.raises(ValidationError, match=r"sessions\.0\.exercises\.1\.id 'bird_dog'"):
        SessionLog.model_validate({"patient_id": "p", "program_version": 1, "sessions": sessions})
