"""What the patient actually did: logged exercise sessions and how their back responded."""

from spinecoach.sessions.model import (
    ExerciseDone,
    SensorMetrics,
    Session,
    SessionLog,
    check_against_program,
)
from spinecoach.sessions.response import (
    ExerciseRecord,
    PainZone,
    exercise_record,
    flare_up,
    next_morning_above_baseline,
    pain_zone,
    weekly_trend_rising,
)

__all__ = [
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
]
