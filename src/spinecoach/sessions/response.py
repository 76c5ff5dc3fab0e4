"""How the back responded to the sessions: pain zones, flare-ups, weekly trend, readiness.

Pure functions over logged sessions and :class:`AdaptationSettings`. The thresholds are the
clinic's policy (CLINICAL.md section 7 proposed defaults), not published rules for low back
pain; the pain-monitoring idea comes from Silbernagel et al. (Am J Sports Med 2007).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from spinecoach.sessions.model import Session

if TYPE_CHECKING:  # the prescription package imports this module: no import cycle at runtime
    from spinecoach.prescription.settings import AdaptationSettings

__all__ = [
    "ExerciseRecord",
    "PainZone",
    "exercise_record",
    "flare_up",
    "next_morning_above_baseline",
    "pain_zone",
    "weekly_trend_rising",
]

TREND_MIN_SESSIONS = 4
"""Sessions needed in the last 7 days before a weekly pain trend is read (clinic policy)."""
TREND_MIN_SPAN_DAYS = 4
"""Days those sessions must span (clinic policy)."""

PainZone = Literal["safe", "acceptable", "beyond_limit"]
"""safe: may progress; acceptable: hold; beyond_limit: pain rose too far, regress."""


def pain_zone(session: Session, settings: AdaptationSettings) -> PainZone:
    """Classify one session's pain response by the revised rules (CLINICAL.md s7).

    Beyond the limit: pain rose by ``rise_nprs`` or more. Safe: it rose by no more than
    measurement noise and stayed at or below ``progress_max_nprs``. Anything between is
    acceptable (hold).
    """
    rise = session.pain_rise
    if rise >= settings.rise_nprs:
        return "beyond_limit"
    if rise <= settings.noise_rise_nprs and session.pain_after <= settings.progress_max_nprs:
        return "safe"
    return "acceptable"


def next_morning_above_baseline(session: Session) -> bool:
    """True when pain on waking the next day was above the pre-session pain (not settled)."""
    return session.next_morning_pain is not None and session.next_morning_pain > session.pain_before


def flare_up(sessions: Sequence[Session], settings: AdaptationSettings) -> str | None:
    """Why the log shows a flare-up, in plain words, or None when it does not."""
    streak = 0
    for s in sessions:
        if s.pain_rise > 0 and s.pain_after >= settings.flare_peak_nprs:
            return f"pain reached {s.pain_after}/10 on {s.date} (flare-up at >= {settings.flare_peak_nprs})"
        if (
            s.next_morning_pain is not None
            and s.next_morning_pain - s.pain_before >= settings.flare_next_morning_rise
        ):
            return (
                f"next-morning pain {s.next_morning_pain}/10 after {s.date} was "
                f"{s.next_morning_pain - s.pain_before} above the pre-session pain "
                f"(flare-up at +{settings.flare_next_morning_rise})"
            )
        streak = streak + 1 if pain_zone(s, settings) == "beyond_limit" else 0
        if streak >= settings.flare_sessions_in_a_row:
            return (
                f"pain rose beyond the limit in {streak} sessions in a row up to {s.date} "
                f"(flare-up at {settings.flare_sessions_in_a_row})"
            )
    return None


def weekly_trend_rising(sessions: Sequence[Session], settings: AdaptationSettings) -> float | None:
    """Pre-session pain slope (points per week) over the last 7 days when it is rising, else None.

    Least-squares slope of the pain before each session against the day, using the sessions of
    the 7 days up to the last one. It needs at least 4 sessions over at least 4 days: with
    fewer, a one-point day-to-day wobble would read as a weekly trend.
    """
    if not sessions:
        return None
    last = sessions[-1].date
    window = [s for s in sessions if last - s.date < dt.timedelta(days=7)]
    days = [(s.date - window[0].date).days + _day_fraction(s) for s in window]
    if len(window) < TREND_MIN_SESSIONS or days[-1] - days[0] < TREND_MIN_SPAN_DAYS:
        return None
    mean_d = sum(days) / len(days)
    mean_p = sum(s.pain_before for s in window) / len(window)
    spread = sum((d - mean_d) ** 2 for d in days)
    slope = sum((d - mean_d) * (s.pain_before - mean_p) for d, s in zip(days, window, strict=True))
    per_week = 7 * slope / spread
    return per_week if per_week >= settings.trend_rise_per_week else None


def _day_fraction(session: Session) -> float:
    t = session.time
    return 0.0 if t is None else (t.hour * 60 + t.minute) / 1440


@dataclass(frozen=True)
class ExerciseRecord:
    """What the log says about one exercise: how often it was done, how fully, how hard."""

    sessions: int
    completion: float
    """Sets done over sets prescribed, summed over the sessions it was logged in (0..1)."""
    mean_rpe: float | None
    mean_quality: float | None


def exercise_record(
    sessions: Sequence[Session], exercise_id: str, prescribed_sets: int
) -> ExerciseRecord:
    """Summarise one exercise over the log (sessions where it was not logged do not count)."""
    done = [d for s in sessions for d in s.exercises if d.id == exercise_id]
    if not done:
        return ExerciseRecord(0, 0.0, None, None)
    # a row with no sets done is no work done, whatever its ``completed`` flag says
    sets_done = sum(
        prescribed_sets if d.completed and d.sets > 0 else min(d.sets, prescribed_sets)
        for d in done
    )
    completion = min(sets_done / (prescribed_sets * len(done)), 1.0)
    rpes = [d.rpe for d in done if d.rpe is not None]
    qualities = [d.sensor.quality for d in done if d.sensor and d.sensor.quality is not None]
    return ExerciseRecord(
        sessions=len(done),
        completion=completion,
        mean_rpe=sum(rpes) / len(rpes) if rpes else None,
        mean_quality=sum(qualities) / len(qualities) if qualities else None,
    )
