"""Assessments: a patient's list, and one by id."""

from __future__ import annotations

from fastapi import APIRouter

from spinecoach.api.deps import CurrentActor, UowDep
from spinecoach.api.pagination import Page, PageParams
from spinecoach.api.schemas.intakes import AssessmentPublic
from spinecoach.services import intake

router = APIRouter(tags=["assessments"])


@router.get("/patients/{patient_id}/assessments", response_model=Page[AssessmentPublic])
def list_assessments(
    patient_id: str, actor: CurrentActor, uow: UowDep, paging: PageParams
) -> Page[AssessmentPublic]:
    found = intake.list_assessments(uow, actor, patient_id)
    return paging.slice([AssessmentPublic.of(r) for r in found])


@router.get("/assessments/{assessment_id}", response_model=AssessmentPublic)
def read_assessment(assessment_id: str, actor: CurrentActor, uow: UowDep) -> AssessmentPublic:
    record, _ = intake.get_assessment(uow, actor, assessment_id)
    return AssessmentPublic.of(record)
