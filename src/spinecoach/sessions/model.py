"""The session log document: what was done in each session and how the back responded.

Field names are the public document format (`spinecoach schema sessions`). A log belongs to
one program version: it holds the sessions done since that version was handed out, and
``adapt`` turns it into the next version.

Sessions are ordered by ``date`` and optional ``time``: at most one session per calendar date
unless each session on that date carries a ``time`` (McGill-style short sessions may be done
twice a day), and the order must be strictly increasing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, model_validator

from spinecoach.errors import InputError, UnknownItemError
from spinecoach.vocabulary import Direction

if TYPE_CHECKING:  # the prescription package imports this module: no import cycle at runtime
    from spinecoach.prescription.program import Program

__all__ = [
    "MAX_SESSIONS_PER_DAY",
    "ExerciseDone",
    "SensorMetrics",
    "Session",
    "SessionLog",
    "check_against_program",
]


MAX_SESSIONS_PER_DAY = 2
"""Two short sessions a day (McGill-style) is the most a program asks for; a log with more on
one date is a logging error, and would otherwise read as over 100 % adherence."""


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SensorMetrics(_Doc):
    """Measures the sensor pipeline adds to an exercise when it was recorded with IMUs."""

    rep_count: int | None = Field(default=None, ge=0, le=1000, description="repetitions counted")
    quality: float | None = Field(
        default=None, ge=0, le=1, description="lumbar stillness, 1 = spine held perfectly still"
    )
    rom_deg: float | None = Field(default=None, ge=0, le=180, description="lumbar range used")


class ExerciseDone(_Doc):
    """One exercise as actually done in a session (per side for one-sided drills)."""

    id: str = Field(description="program exercise id")
    sets: int = Field(ge=0, le=10, description="sets done")
    reps: int | None = Field(default=None, ge=0, le=100, description="reps (or holds) per set")
    hold_s: float | None = Field(default=None, ge=0, le=600, description="hold time per rep, s")
    load_kg: float | None = Field(default=None, ge=0, le=200, description="external load used")
    duration_min: float | None = Field(default=None, ge=0, le=240, description="time-based work")
    completed: bool = Field(description="the whole prescribed dose was done")
    rpe: float | None = Field(default=None, ge=0, le=10, description="effort, Borg CR-10 (0-10)")
    sensor: SensorMetrics | None = None


class Session(_Doc):
    """One session: pain before and after (NPRS 0-10), next-morning pain and any new warning."""

    date: dt.date
    time: dt.time | None = Field(default=None, description="needed for a second session a day")
    pain_before: int = Field(ge=0, le=10, description="NPRS just before the session")
    pain_after: int = Field(ge=0, le=10, description="NPRS at its peak during / right after")
    next_morning_pain: int | None = Field(
        default=None, ge=0, le=10, description="NPRS on waking the next day; null = not yet known"
    )
    red_flags: list[str] = Field(
        default_factory=list, description="ids of red-flag questions newly answered yes"
    )
    new_neuro_symptoms: bool = Field(
        default=False, description="new numbness, tingling or weakness in a leg since last time"
    )
    peripheralization: Direction | None = Field(
        default=None, description="direction whose movement sent symptoms further down the leg"
    )
    exercises: list[ExerciseDone] = Field(default_factory=list)

    @property
    def when(self) -> dt.datetime:
        """Date and time (start of day when no time was logged), for ordering."""
        return dt.datetime.combine(self.date, self.time or dt.time(0, 0))

    @property
    def pain_rise(self) -> int:
        """How far pain rose during the session (negative when it eased)."""
        return self.pain_after - self.pain_before


class SessionLog(_Doc):
    """Every session done on one program version, oldest first."""

    patient_id: str = Field(min_length=1)
    program_version: int = Field(ge=1, description="the program version these sessions followed")
    sessions: list[Session] = Field(default_factory=list)

    @model_validator(mode="after")
    def _in_order(self) -> SessionLog:
        per_day: dict[dt.date, int] = {}
        for i, session in enumerate(self.sessions):
            per_day[session.date] = per_day.get(session.date, 0) + 1
            if per_day[session.date] > MAX_SESSIONS_PER_DAY:
                raise ValueError(
                    f"sessions.{i}.date {session.date}: more than {MAX_SESSIONS_PER_DAY} "
                    "sessions on one day; log each session once"
                )
            seen: set[str] = set()
            for j, done in enumerate(session.exercises):
                if done.id in seen:
                    raise ValueError(
                        f"sessions.{i}.exercises.{j}.id '{done.id}' is logged twice in one "
                        "session; log each exercise once with the sets done"
                    )
                seen.add(done.id)
        for i in range(1, len(self.sessions)):
            before, after = self.sessions[i - 1], self.sessions[i]
            if after.when <= before.when:
                raise ValueError(
                    f"sessions.{i}.date {after.date}"
                    + (f" {after.time}" if after.time else "")
                    + f" is not after the previous session ({before.date}"
                    + (f" {before.time}" if before.time else "")
                    + "); sessions must be in strictly increasing date order"
                    + " (give a time for a second session on the same day)"
                )
        return self

    def exercise_ids(self) -> Iterable[str]:
        """Every exercise id logged, in order of appearance (with repeats)."""
        for session in self.sessions:
            for done in session.exercises:
                yield done.id


def check_against_program(log: SessionLog, program: Program) -> None:
    """Reject a log that belongs to another patient or names exercises not in the program."""
    if log.patient_id != program.patient_id:
        raise UnknownItemError(
            f"sessions.patient_id '{log.patient_id}' does not match the program's patient "
            f"'{program.patient_id}'"
        )
    if log.program_version != program.version:
        raise InputError(
            f"sessions.program_version {log.program_version} does not match the program's "
            f"version {program.version}; log the sessions against the program they followed"
        )
    known = {e.id for e in program.exercises}
    for i, session in enumerate(log.sessions):
        for j, done in enumerate(session.exercises):
            if done.id not in known:
                allowed = ", ".join(sorted(known)) or "none (the program has no exercises)"
                raise UnknownItemError(
                    f"sessions.{i}.exercises.{j}.id '{done.id}' ({session.date}) is not in "
                    f"program version {program.version}; allowed: {allowed}"
                )
