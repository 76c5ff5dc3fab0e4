"""FHIR R4: a patient's record as a Bundle (``Patient/{id}/$everything``), and a
QuestionnaireResponse from another system scored into the patient's outcome timeline."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from spinecoach.api.deps import CurrentActor, SettingsDep, UowDep
from spinecoach.errors import InputError
from spinecoach.services import patient_record
from spinecoach.services.patient_record import IMPORT_LIMIT_BYTES, ImportedScore

router = APIRouter(tags=["fhir"])

FHIR_JSON = "application/fhir+json"


@router.get(
    "/fhir/Patient/{patient_id}/$everything",
    response_class=Response,
    responses={200: {"content": {FHIR_JSON: {}}, "description": "a FHIR R4 Bundle"}},
)
def everything(
    patient_id: str,
    actor: CurrentActor,
    uow: UowDep,
    settings: SettingsDep,
    bundle_type: Annotated[
        Literal["collection", "transaction"],
        Query(alias="type", description="collection, or transaction to load into a FHIR server"),
    ] = "collection",
) -> Response:
    """Everything about the patient as one Bundle: the patient themself or their clinician."""
    bundle = patient_record.fhir_bundle(
        uow, actor, patient_id, clinic_name=settings.clinic_name, kind=bundle_type
    )
    return Response(bundle.model_dump_json(), media_type=FHIR_JSON)


@router.post(
    "/patients/{patient_id}/questionnaire-responses",
    response_model=ImportedScore,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {FHIR_JSON: {"schema": {"type": "object"}}, "application/json": {}},
            "description": "one FHIR R4 QuestionnaireResponse (ODI, RMDQ, STarT Back, NPRS, "
            "PSFS or FABQ)",
        }
    },
)
async def import_response(
    patient_id: str, request: Request, actor: CurrentActor, uow: UowDep, settings: SettingsDep
) -> ImportedScore:
    """Score a response taken elsewhere and add it to the timeline (the patient's clinician)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > IMPORT_LIMIT_BYTES:
        raise InputError(f"body: larger than the limit of {IMPORT_LIMIT_BYTES} bytes")
    raw = await request.body()
    return await run_in_threadpool(
        patient_record.import_response, uow, actor, settings, patient_id, raw
    )
