"""What the patient actually did: logged exercise sessions and how their back responded."""

from spinecoach.sessions.model import (
    ExerciseDone,
    SensorMetrics,
    Session,
    SessionLog,
    check_against_program,
)

__all__ = ["ExerciseDone", "SensorMetrics", "Session", "SessionLog", "check_against_program"]
