"""Adherence: sessions done against sessions prescribed per week, completion per exercise.

The targets are clinic policy (no published adherence cut-off is in CLINICAL.md): a week
counts as adherent at 80 % of the prescribed sessions, and the clinician is alerted when
two weeks in a row fall below 60 %. Long et al. (Spine 2004) saw about a third of patients
on unmatched exercise drop out within two weeks, so a drop is worth catching early.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, model_validator

from spinecoach.prescription.program import Program
from spinecoach.sessions.model import SessionLog

__all__ = [
    "ADHERENCE_TARGET",
    "NON_ADHERENCE_BELOW",
    "NON_ADHERENCE_WEEKS",
    "AdherenceSummary",
    "AdherenceWeek",
    "ExerciseCompletion",
    "exercise_completion",
    "summarize_adherence",
    "weekly_adherence",
]

ADHERENCE_TARGET = 0.8
"""Share of prescribed sessions that makes an adherent week (clinic policy)."""
NON_ADHERENCE_BELOW = 0.6
"""A week below this share of prescribed sessions is a low week (clinic policy)."""
NON_ADHERENCE_WEEKS = 2
"""This many low weeks in a row raise the non-adherence alert (clinic policy)."""


MAX_SESSIONS_PER_WEEK = 14
"""Two sessions a day (McGill-style short sessions), the most a program asks for and the most a
week can plausibly log; more is a typing error, not "100 % adherence"."""


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AdherenceWeek(_Doc):
    """One week of the program: sessions prescribed and sessions done."""

    week: int = Field(ge=1, description="week of the program, 1 = first")
    start: dt.date
    sessions_prescribed: int = Field(ge=0, le=MAX_SESSIONS_PER_WEEK)
    sessions_done: int = Field(
        ge=0,
        le=MAX_SESSIONS_PER_WEEK,
        description="may exceed the prescription; the summary says so instead of capping it",
    )

    @property
    def ratio(self) -> float | None:
        """Sessions done over prescribed (None when nothing was prescribed)."""
        if self.sessions_prescribed == 0:
            return None
        return self.sessions_done / self.sessions_prescribed


class ExerciseCompletion(_Doc):
    """How often one exercise was fully done when a logged session called for it."""

    id: str
    sessions_due: int = Field(ge=0, description="logged sessions whose program included it")
    sessions_completed: int = Field(ge=0, description="sessions in which its dose was completed")

    @model_validator(mode="after")
    def _completed_within_due(self) -> ExerciseCompletion:
        if self.sessions_completed > self.sessions_due:
            raise ValueError(
                f"sessions_completed {self.sessions_completed} is more than sessions_due "
                f"{self.sessions_due} for '{self.id}'"
            )
        return self

    @property
    def completion(self) -> float | None:
        if self.sessions_due == 0:
            return None
        return self.sessions_completed / self.sessions_due


class AdherenceSummary(_Doc):
    """Adherence over the course so far, and whether the clinician should be told."""

    overall: float | None = Field(description="sessions done / prescribed over all weeks")
    adherent_weeks: int
    low_weeks: list[int] = Field(description="weeks below the low-adherence share")
    over_weeks: list[int] = Field(
        default_factory=list,
        description="weeks with more sessions done than prescribed (counted as 100 %, shown "
        "to the clinician: over-doing is worth a word too)",
    )
    alert: bool
    alert_text: str | None = None
    exercises: list[ExerciseCompletion] = Field(default_factory=list)


def weekly_adherence(
    session_dates: Sequence[dt.date], start: dt.date, prescribed_per_week: Sequence[int]
) -> list[AdherenceWeek]:
    """Count the sessions done in each 7-day week from ``start`` against the prescription."""
    weeks: list[AdherenceWeek] = []
    for i, prescribed in enumerate(prescribed_per_week):
        begin = start + dt.timedelta(days=7 * i)
        end = begin + dt.timedelta(days=7)
        done = sum(1 for d in session_dates if begin <= d < end)
        weeks.append(
            AdherenceWeek(
                week=i + 1, start=begin, sessions_prescribed=prescribed, sessions_done=done
            )
        )
    return weeks


def exercise_completion(logs: Sequence[tuple[Program, SessionLog]]) -> list[ExerciseCompletion]:
    """Per exercise: sessions that called for it and sessions that completed it, by id."""
    due: dict[str, int] = {}
    completed: dict[str, int] = {}
    for program, log in logs:
        for session in log.sessions:
            for e in program.exercises:
                due[e.id] = due.get(e.id, 0) + 1
            for done in session.exercises:
                if done.completed:
                    completed[done.id] = completed.get(done.id, 0) + 1
    return [
        ExerciseCompletion(id=i, sessions_due=n, sessions_completed=min(completed.get(i, 0), n))
        for i, n in sorted(due.items())
    ]


def summarize_adherence(
    weeks: Sequence[AdherenceWeek], exercises: Sequence[ExerciseCompletion] = ()
) -> AdherenceSummary:
    """Overall adherence, low weeks and the non-adherence alert (two low weeks in a row)."""
    prescribed = sum(w.sessions_prescribed for w in weeks)
    done = sum(min(w.sessions_done, w.sessions_prescribed) for w in weeks)
    ratios = [(w.week, w.ratio) for w in weeks]
    low = [week for week, r in ratios if r is not None and r < NON_ADHERENCE_BELOW]
    adherent = sum(1 for _, r in ratios if r is not None and r >= ADHERENCE_TARGET)
    run = _longest_run(low)
    alert = run >= NON_ADHERENCE_WEEKS
    text = None
    if alert:
        text = (
            f"non-adherence: {run} weeks in a row below {NON_ADHERENCE_BELOW:.0%} of the "
            f"prescribed sessions (all low weeks: {', '.join(str(w) for w in low)}); talk it through "
            "with the patient (clinic policy)"
        )
    return AdherenceSummary(
        overall=round(done / prescribed, 3) if prescribed else None,
        adherent_weeks=adherent,
        low_weeks=low,
        over_weeks=[w.week for w in weeks if w.sessions_done > w.sessions_prescribed],
        alert=alert,
        alert_text=text,
        exercises=list(exercises),
    )


def _longest_run(weeks: Sequence[int]) -> int:
    best = run = 0
    previous: int | None = None
    for w in weeks:
        run = run + 1 if previous is not None and w == previous + 1 else 1
        best = max(best, run)
        previous = w
    return best
