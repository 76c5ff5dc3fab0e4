"""Schemas of the exercise catalogue's list view."""

from __future__ import annotations

from pydantic import BaseModel

from spinecoach.exercises import Exercise

__all__ = ["ExerciseSummary"]


class ExerciseSummary(BaseModel):
    id: str
    name: str
    ladder: str
    level: int
    phase: int
    purpose: str
    mode: str
    equipment: list[str]
    tags: list[str]

    @classmethod
    def of(cls, exercise: Exercise) -> ExerciseSummary:
        return cls(
            id=exercise.id,
            name=exercise.name,
            ladder=exercise.ladder,
            level=exercise.level,
            phase=exercise.phase,
            purpose=exercise.purpose,
            mode=exercise.mode,
            equipment=list(exercise.equipment),
            tags=list(exercise.tags),
        )
