"""Intakes: submit one (-> assessment -> proposed first program), list a patient's."""

from __future__ import annotations

from fastapi import APIRouter, status

from spinecoach.api.deps import CurrentActor, UowDep
from spinecoach.api.pagination import Page, PageParams
from spinecoach.api.schemas.intakes import AssessmentPublic, IntakePublic, IntakeSubmitted
from spinecoach.api.schemas.programs import VersionPublic
from spinecoach.clinical import Intake
from spinecoach.services import intake

router = APIRouter(prefix="/patients/{patient_id}/intakes", tags=["intakes"])


@router.get("", response_model=Page[IntakePublic])
def list_intakes(
    patient_id: str, actor: CurrentActor, uow: UowDep, paging: PageParams
) -> Page[IntakePublic]:
    found = intake.list_intakes(uow, actor, patient_id)
    return paging.slice([IntakePublic.of(r) for r in found])


@router.post("", response_model=IntakeSubmitted, status_code=status.HTTP_201_CREATED)
def submit_intake(
    patient_id: str, body: Intake, actor: CurrentActor, uow: UowDep
) -> IntakeSubmitted:
    """The intake document (``spinecoach schema intake``); ``patient.id`` is set to the record's."""
    outcome = intake.submit_intake(uow, actor, patient_id, body)
    return IntakeSubmitted(
        intake=IntakePublic.of(outcome.intake),
        assessment=AssessmentPublic.of(outcome.assessment),
        version=VersionPublic.of(outcome.version),
    )
