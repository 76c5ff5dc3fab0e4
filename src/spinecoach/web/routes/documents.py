"""Documents to download: the clinician's progress report and discharge summary of a patient
(PDF or HTML), and the patient's own exercise handout (PDF).

The same services as the API and the command line build them (the patient themself or their
clinician may read; every download is audited); the pages only link to them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from spinecoach.services import patient_record
from spinecoach.services.errors import NotFound
from spinecoach.services.patient_record import ReportFormat, ReportKind
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.web.pages import context_of, viewer
from spinecoach.web.routes.clinician import _clinician

router = APIRouter(include_in_schema=False)

MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
FILE_NAMES = {"progress": "progress-report", "discharge": "discharge-summary"}
KINDS: dict[str, ReportKind] = {"progress": "progress", "discharge": "discharge"}
FORMATS: dict[str, ReportFormat] = {"pdf": "pdf", "html": "html"}


def _download(data: bytes, output: str, name: str) -> Response:
    """The document as an attachment (saved, not shown inside the clinic's pages)."""
    return Response(
        data,
        media_type=MEDIA[output],
        headers={"content-disposition": f'attachment; filename="{name}.{output}"'},
    )


@router.get("/clinic/patients/{patient_id}/reports/{kind}")
def clinic_report(
    request: Request,
    patient_id: str,
    kind: str,
    output: Annotated[str, Query(alias="format")] = "pdf",
) -> Response:
    """A progress report or discharge summary, for the patient's clinician."""
    who = _clinician(request)
    report_kind = KINDS.get(kind)
    report_format = FORMATS.get(output)
    if report_kind is None or report_format is None:
        raise NotFound("report", f"{kind}.{output}")
    context = context_of(request)
    data = patient_record.patient_report(
        UnitOfWork(context.engine),
        who.actor,
        patient_id,
        report_kind,
        report_format,
        clinic_name=context.settings.clinic_name,
    )
    return _download(data, output, f"{FILE_NAMES[kind]}-{dt.date.today().isoformat()}")


@router.get("/patients/{patient_id}/handout.pdf")
def my_handout(request: Request, patient_id: str) -> Response:
    """The patient's exercise program to print or keep (the patient, or their clinician)."""
    who = viewer(request)
    context = context_of(request)
    data = patient_record.patient_report(
        UnitOfWork(context.engine),
        who.actor,
        patient_id,
        "handout",
        "pdf",
        clinic_name=context.settings.clinic_name,
    )
    return _download(data, "pdf", "my-exercise-program")
