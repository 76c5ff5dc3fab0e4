"""Sensor recordings: upload (multipart; stored first, processed off the request path), list,
read with its processing attempts, process again."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile, status

from spinecoach.api.deps import ContextDep, CurrentActor, UowDep
from spinecoach.api.pagination import Page, PageParams
from spinecoach.api.schemas.recordings import RecordingDetail, RecordingPublic
from spinecoach.services import recordings

router = APIRouter(tags=["recordings"])


@router.get("/patients/{patient_id}/recordings", response_model=Page[RecordingPublic])
def list_recordings(
    patient_id: str, actor: CurrentActor, uow: UowDep, paging: PageParams
) -> Page[RecordingPublic]:
    found = recordings.list_recordings(uow, actor, patient_id)
    return paging.slice([RecordingPublic.of(r) for r in found])


@router.post(
    "/patients/{patient_id}/recordings",
    response_model=RecordingPublic,
    status_code=status.HTTP_202_ACCEPTED,
)
def upload_recording(
    patient_id: str,
    file: Annotated[UploadFile, File(description="canonical CSV/Parquet or an Xsens DOT CSV")],
    actor: CurrentActor,
    uow: UowDep,
    context: ContextDep,
    kind: Annotated[Literal["exercise", "day"], Form()] = "exercise",
    session_id: Annotated[str | None, Form(max_length=32)] = None,
    exercise_id: Annotated[str | None, Form(max_length=100)] = None,
    file_format: Annotated[Literal["canonical", "xsens-dot"], Form()] = "canonical",
    sha256: Annotated[
        str | None, Form(pattern=r"^[0-9a-f]{64}$", description="checked against the upload")
    ] = None,
    recorded_on: Annotated[dt.date | None, Form()] = None,
) -> RecordingPublic:
    """Store the raw file (checksum verified, size-limited), then queue its processing.

    Answers 202 at once; poll ``GET /recordings/{id}`` for ``processed`` or ``failed``."""
    record = recordings.upload_recording(
        uow,
        actor,
        context.settings,
        patient_id,
        file.file,
        filename=file.filename or "recording.csv",
        kind=kind,
        session_id=session_id,
        exercise_id=exercise_id,
        file_format=file_format,
        sha256=sha256,
        recorded_on=recorded_on,
    )
    context.processing.submit(record.id)
    return RecordingPublic.of(record)


@router.get("/recordings/{recording_id}", response_model=RecordingDetail)
def read_recording(recording_id: str, actor: CurrentActor, uow: UowDep) -> RecordingDetail:
    record, jobs = recordings.get_recording(uow, actor, recording_id)
    return RecordingDetail.of(record, jobs)


@router.post("/recordings/{recording_id}/reprocess", response_model=RecordingPublic)
def reprocess(
    recording_id: str, actor: CurrentActor, uow: UowDep, context: ContextDep
) -> RecordingPublic:
    """Process the stored file again (the patient's clinician); idempotent."""
    return RecordingPublic.of(recordings.reprocess(uow, actor, context.settings, recording_id))
