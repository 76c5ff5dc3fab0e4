"""Outcomes: the patient's timeline and summary against MCIDs; follow-up measurements."""

from __future__ import annotations

from fastapi import APIRouter, status

from spinecoach.api.deps import CurrentActor, UowDep
from spinecoach.outcomes import Measurement
from spinecoach.services import outcomes
from spinecoach.services.outcomes import PatientOutcomes

router = APIRouter(prefix="/patients/{patient_id}/outcomes", tags=["outcomes"])


@router.get("", response_model=PatientOutcomes)
def read_outcomes(patient_id: str, actor: CurrentActor, uow: UowDep) -> PatientOutcomes:
    return outcomes.compute_outcomes(uow, actor, patient_id)


@router.post("", response_model=PatientOutcomes, status_code=status.HTTP_201_CREATED)
def record_measurement(
    patient_id: str, body: Measurement, actor: CurrentActor, uow: UowDep
) -> PatientOutcomes:
    """A follow-up measurement by the patient's clinician; returns the outcomes after it."""
    outcomes.record_measurement(uow, actor, patient_id, body)
    return outcomes.compute_outcomes(uow, actor, patient_id)
