"""Pure outcome tracking: change from baseline against MCID / MDC, recovery and adherence."""

from spinecoach.outcomes.adherence import (
    AdherenceSummary,
    AdherenceWeek,
    ExerciseCompletion,
    exercise_completion,
    summarize_adherence,
    weekly_adherence,
)
from spinecoach.outcomes.change import MEASURE_THRESHOLDS, MeasureChange, classify_change
from spinecoach.outcomes.timeline import (
    Measurement,
    OutcomeSummary,
    Timeline,
    render_summary,
    summarize_timeline,
)

__all__ = [
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
]
