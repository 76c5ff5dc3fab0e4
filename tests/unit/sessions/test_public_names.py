"""The public names of the sessions and outcomes packages, so the API cannot drift silently."""

from __future__ import annotations

import spinecoach.outcomes
import spinecoach.prescription
import spinecoach.sessions


def test_sessions_exports() -> None:
    assert set(spinecoach.sessions.__all__) == {
        "ExerciseDone",
        "ExerciseRecord",
        "PainZone",
        "SensorMetrics",
        "Session",
        "SessionLog",
        "check_against_program",
        "exercise_record",
        "flare_up",
        "next_morning_above_baseline",
        "pain_zone",
        "weekly_trend_rising",
    }


def test_outcomes_exports() -> None:
    assert set(spinecoach.outcomes.__all__) == {
        "MEASURE_THRESHOLDS",
        "AdherenceSummary",
        "AdherenceWeek",
        "ExerciseCompletion",
        "MeasureChange",
        "Measurement",
        "OutcomeSummary",
        "Timeline",
        "classify_change",
        "exercise_completion",
        "render_summary",
        "summarize_adherence",
        "summarize_timeline",
        "weekly_adherence",
    }


def test_adaptation_names_are_exported_from_prescription() -> None:
    names = {"Adaptation", "AdaptationSettings", "Change", "adapt"}
    assert names <= set(spinecoach.prescription.__all__)
    assert all(hasattr(spinecoach.prescription, n) for n in names)
