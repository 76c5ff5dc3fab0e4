"""The exercise catalogue (no patient data; any signed-in user)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from spinecoach.api.deps import CurrentActor
from spinecoach.api.pagination import Page, PageParams
from spinecoach.api.schemas.catalogue import ExerciseSummary
from spinecoach.exercises import Exercise, load_catalogue

router = APIRouter(prefix="/catalogue", tags=["catalogue"])


@router.get("", response_model=Page[ExerciseSummary])
def list_exercises(
    actor: CurrentActor,
    paging: PageParams,
    tag: Annotated[list[str] | None, Query(description="all of these tags")] = None,
    purpose: str | None = None,
    mode: str | None = None,
    phase_max: Annotated[int | None, Query(ge=1, le=3)] = None,
) -> Page[ExerciseSummary]:
    found = load_catalogue().search(tags=tag or (), purpose=purpose, mode=mode, phase_max=phase_max)
    return paging.slice([ExerciseSummary.of(e) for e in found])


@router.get("/{exercise_id}", response_model=Exercise)
def read_exercise(exercise_id: str, actor: CurrentActor) -> Exercise:
    return load_catalogue().get(exercise_id)
