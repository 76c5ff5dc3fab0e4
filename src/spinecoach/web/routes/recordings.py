"""Recordings on the clinician's pages: the upload from the patient page (the raw file is stored
first, then processed off the request path, exactly as ``POST /api/patients/{id}/recordings``
does) and a recording's own page with its analysis drawn."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from spinecoach.errors import SpinecoachError
from spinecoach.services import patients, recordings
from spinecoach.services.errors import NotFound
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.web import views
from spinecoach.web.pages import check_csrf, context_of, page
from spinecoach.web.routes.clinician import _clinician, patient_page

router = APIRouter(prefix="/clinic", include_in_schema=False)


@router.post("/patients/{patient_id}/recordings")
def upload(
    request: Request,
    patient_id: str,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
    kind: Annotated[Literal["exercise", "day"], Form()] = "exercise",
    file_format: Annotated[Literal["canonical", "xsens-dot"], Form()] = "canonical",
    session_id: Annotated[str, Form(max_length=32)] = "",
    exercise_id: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Store the upload and queue its analysis; the record page lists it with its status."""
    who = _clinician(request)
    check_csrf(who, csrf_token)
    context = context_of(request)
    try:
        record = recordings.upload_recording(
            UnitOfWork(context.engine),
            who.actor,
            context.settings,
            patient_id,
            file.file,
            filename=file.filename or "recording.csv",
            kind=kind,
            session_id=(session_id or None) if kind == "exercise" else None,
            exercise_id=(exercise_id or None) if kind == "exercise" else None,
            file_format=file_format,
        )
    except NotFound:
        raise
    except SpinecoachError as exc:
        return patient_page(request, patient_id, upload_message=str(exc), status_code=422)
    context.processing.submit(record.id)
    return RedirectResponse(f"/clinic/patients/{patient_id}?uploaded=1#recordings", status_code=303)


@router.get("/recordings/{recording_id}")
def recording_page(request: Request, recording_id: str) -> Response:
    """One recording: its status, what processing found, and the analysis as charts (lumbar
    flexion over time, reps with their amplitude, stillness during holds, calibration)."""
    who = _clinician(request)
    engine = context_of(request).engine
    record, jobs = recordings.get_recording(UnitOfWork(engine), who.actor, recording_id)
    patient = patients.get_patient(UnitOfWork(engine), who.actor, record.patient_id)
    return page(
        request,
        "clinician/recording.html",
        viewer=who,
        patient=patient,
        recording=record,
        jobs=jobs,
        view=views.recording_view(record.metrics, record.detail, views.stillness_limit_deg()),
    )
