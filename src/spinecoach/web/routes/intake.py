"""Intake entry by the clinician: one page of sections (profile and goals, questionnaires, red
flags, movement and endurance tests, examination, health), saved through the intake service.

The post is turned into the intake document and validated as the API validates it; a problem is
shown next to its field with every value kept, and nothing is saved. A saved intake is assessed
and a first program proposed (or a referral, when a red flag stops exercise), as through the API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from spinecoach.errors import SpinecoachError
from spinecoach.services import intake, patients
from spinecoach.services.actors import Role
from spinecoach.services.errors import Forbidden, NotFound
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.web import intake_form as form
from spinecoach.web.pages import Viewer, check_csrf, context_of, page, viewer

router = APIRouter(prefix="/clinic/patients/{patient_id}/intake", include_in_schema=False)

KEPT_FROM_LAST_INTAKE = ("patient", "health")
"""A new intake starts from the last one's profile and health (they rarely change between
visits); answers, tests and red flags are asked afresh."""


def _clinician(request: Request) -> Viewer:
    who = viewer(request)
    if not who.actor.has(Role.CLINICIAN):
        raise Forbidden("role: intake entry is for clinicians")
    return who


def _uow(request: Request) -> UnitOfWork:
    return UnitOfWork(context_of(request).engine)


def _form_page(
    request: Request,
    who: Viewer,
    patient_id: str,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    patient = patients.get_patient(_uow(request), who.actor, patient_id)
    errors = errors or {}
    labels = _labels()
    return page(
        request,
        "clinician/intake.html",
        status_code=status_code,
        viewer=who,
        patient=patient,
        values=values,
        errors=errors,
        error_list=[
            (name, labels.get(name, name.replace("_", " ")), text) for name, text in errors.items()
        ],
        message=message,
        form=form,
        red_flag_groups=form.red_flag_groups(),
    )


def _labels() -> dict[str, str]:
    labels = {
        "age": "Age",
        "sex": "Sex",
        "occupation": "Work",
        "activities": "Sports and activities",
        "conditioning": "Conditioning",
        "equipment": "Equipment",
        "minutes_per_session": "Minutes per session",
        "sessions_per_week": "Sessions per week",
        "goals": "Goals",
        "nprs": "Pain now (NPRS)",
        "psfs": "PSFS activities",
        "red_flags": "Red flags",
        "health": "Health",
        "health_as_of": "Health recorded on",
        "pregnancy_weeks": "Weeks of pregnancy",
        "surgery_type": "Spinal surgery",
        "surgery_date": "Date of surgery",
        "surgery_restricted": "Loads the surgeon restricts",
        "health_notes": "Other conditions",
    }
    for instrument in form.QUESTIONNAIRES:
        for item in instrument.items:
            labels[item.name] = f"{instrument.title.split(' (')[0]} {item.label}"
    for n in range(1, form.PSFS_ROWS + 1):
        labels[f"psfs_activity_{n}"] = f"PSFS activity {n}"
        labels[f"psfs_score_{n}"] = f"PSFS score {n}"
    for field in (*form.MOVEMENTS, *form.ENDURANCE_TESTS, *(f for f, _ in form.FINDINGS)):
        labels[field.name] = field.label
    for name in form.LOADED_EQUIPMENT:
        labels[f"load_step_{name}"] = f"Smallest load step, {name} (kg)"
    return labels


@router.get("")
def intake_page(request: Request, patient_id: str) -> Response:
    """The empty intake form (profile and health carried over from the last intake)."""
    who = _clinician(request)
    found = intake.list_intakes(_uow(request), who.actor, patient_id)
    values: dict[str, Any] = {"red_flags_asked": "yes", "red_flags": []}
    if found:
        values.update(form.form_values(found[-1].document, sections=KEPT_FROM_LAST_INTAKE))
    return _form_page(request, who, patient_id, values)


@router.post("")
async def submit_intake(request: Request, patient_id: str) -> Response:
    """Validate the form as the intake document; save, assess and propose only when valid."""
    who = _clinician(request)
    posted = await request.form()
    check_csrf(who, str(posted.get("csrf_token", "")))
    values: dict[str, Any] = {
        k: [str(v) for v in posted.getlist(k)] if k in _MULTI else str(posted.get(k, ""))
        for k in posted
    }
    values.setdefault("red_flags", [])
    document, checked, errors = form.read_form(posted)
    if checked is None:
        return _form_page(request, who, patient_id, values, errors, status_code=422)
    try:
        intake.submit_intake(_uow(request), who.actor, patient_id, document)
    except NotFound:
        raise
    except SpinecoachError as exc:
        return _form_page(request, who, patient_id, values, message=str(exc), status_code=422)
    return RedirectResponse(f"/clinic/patients/{patient_id}?intake=saved#assessment", 303)


_MULTI = frozenset({"equipment", "red_flags", "surgery_restricted"})
"""Fields posted once per ticked box."""
