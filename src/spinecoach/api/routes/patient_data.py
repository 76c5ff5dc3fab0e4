"""The patient's own data: download the whole record as a zip, erase it, hold it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from spinecoach.api.deps import ContextDep, CurrentActor, UowDep
from spinecoach.api.schemas.patient_data import ErasurePublic, HoldRequest, LegalHoldPublic
from spinecoach.services import patient_data

router = APIRouter(prefix="/patients/{patient_id}", tags=["patient data"])


@router.get(
    "/export",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "the patient's archive"}},
)
def export_patient(
    patient_id: str, actor: CurrentActor, uow: UowDep, context: ContextDep
) -> FileResponse:
    """Everything about the patient as one zip with a manifest of checksums (the patient
    themself or their clinician; audited)."""
    folder = Path(tempfile.mkdtemp(prefix="spinecoach-export-"))
    try:
        out = folder / "archive.zip"
        patient_data.export_patient(uow, actor, context.settings, patient_id, out)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        out,
        media_type="application/zip",
        filename=f"spinecoach-patient-{patient_id}.zip",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.delete("", response_model=ErasurePublic)
def erase_patient(
    patient_id: str,
    actor: CurrentActor,
    uow: UowDep,
    context: ContextDep,
    confirm: Annotated[
        str | None, Query(max_length=32, description="the patient's id again: it is final")
    ] = None,
) -> ErasurePublic:
    """Erase the patient and all their data (an admin or their clinician); 409 under a legal
    hold. The audit trail keeps that it happened, under a reference that names no one."""
    result = patient_data.erase_patient(uow, actor, context.settings, patient_id, confirm=confirm)
    return ErasurePublic.of(result)


@router.get("/legal-hold", response_model=LegalHoldPublic)
def read_hold(patient_id: str, actor: CurrentActor, uow: UowDep) -> LegalHoldPublic:
    return LegalHoldPublic.of(patient_data.get_hold(uow, actor, patient_id))


@router.put("/legal-hold", response_model=LegalHoldPublic)
def place_hold(
    patient_id: str, body: HoldRequest, actor: CurrentActor, uow: UowDep
) -> LegalHoldPublic:
    """Keep the record: erasure is refused until the hold is released (admin or clinician)."""
    return LegalHoldPublic.of(patient_data.place_hold(uow, actor, patient_id, body.reason))


@router.delete("/legal-hold", response_model=LegalHoldPublic)
def release_hold(patient_id: str, actor: CurrentActor, uow: UowDep) -> LegalHoldPublic:
    patient_data.release_hold(uow, actor, patient_id)
    return LegalHoldPublic.of(None)
