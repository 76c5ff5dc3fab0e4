"""The patient register: list, register, read."""

from __future__ import annotations

from fastapi import APIRouter, status

from spinecoach.api.deps import CurrentActor, UowDep
from spinecoach.api.pagination import Page, PageParams
from spinecoach.api.schemas.patients import PatientCreate, PatientPublic
from spinecoach.services import patients

router = APIRouter(prefix="/patients", tags=["patients"])


@router.get("", response_model=Page[PatientPublic])
def list_patients(actor: CurrentActor, uow: UowDep, paging: PageParams) -> Page[PatientPublic]:
    """The patients the caller may see: a clinician's own, a patient themself, all for an admin
    (register entries only)."""
    found = patients.list_patients(uow, actor, offset=paging.offset, limit=paging.limit + 1)
    return paging.fetched([PatientPublic.of(p) for p in found])


@router.post("", response_model=PatientPublic, status_code=status.HTTP_201_CREATED)
def register_patient(body: PatientCreate, actor: CurrentActor, uow: UowDep) -> PatientPublic:
    """Register a patient; a clinician who does so is assigned to them."""
    return PatientPublic.of(patients.register_patient(uow, actor, body.model_dump()))


@router.get("/{patient_id}", response_model=PatientPublic)
def read_patient(patient_id: str, actor: CurrentActor, uow: UowDep) -> PatientPublic:
    return PatientPublic.of(patients.get_patient(uow, actor, patient_id))
