"""The patient's pages: today's exercises and the session log, the next-morning check-in, progress.

A patient opens only their own pages: the services answer NotFound for anyone else's record,
shown as the 404 page (the address gives nothing away).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from spinecoach.clinical.red_flags import RED_FLAGS
from spinecoach.errors import SpinecoachError
from spinecoach.prescription.precautions import EXTERNAL_LOADS
from spinecoach.prescription.program import Program
from spinecoach.services import outcomes, patients, programs, recordings, sessions
from spinecoach.services.sessions import CheckIn
from spinecoach.sessions.model import Session
from spinecoach.store.records import VersionRecord
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.web import views
from spinecoach.web.forms import FieldErrors, blank_to_none, validate_form
from spinecoach.web.pages import Viewer, check_csrf, context_of, page, viewer

router = APIRouter(prefix="/patients/{patient_id}", include_in_schema=False)

CHECKIN_FLAGS = tuple(
    f for f in RED_FLAGS.values() if f.category in ("cauda_equina", "neurological")
)
"""The red-flag questions asked every morning after a session (cauda equina and nerve loss)."""


def _uow(request: Request) -> UnitOfWork:
    return UnitOfWork(context_of(request).engine)


def _current(request: Request, who: Viewer, patient_id: str) -> VersionRecord | None:
    approved = programs.list_versions(_uow(request), who.actor, patient_id, status="approved")
    return approved[-1] if approved else None


def _today(
    request: Request,
    who: Viewer,
    patient_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: FieldErrors | None = None,
    message: str | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    patient = patients.get_patient(_uow(request), who.actor, patient_id)
    current = _current(request, who, patient_id)
    program = programs.program_of(current) if current else None
    return page(
        request,
        "patient/today.html",
        status_code=status_code,
        viewer=who,
        patient=patient,
        current=current,
        program=program,
        cards=views.exercise_cards(program) if program else [],
        loads=_loads(program) if program else {},
        values=values or {"date": dt.date.today().isoformat()},
        errors=errors or {},
        message=message,
        saved=saved,
    )


def _loads(program: Program) -> dict[int, str]:
    """Exercise index -> the prescribed load in kg ('' when none is set), for the exercises
    done with a pulley or weights: their session log asks for the load used."""
    book = views.catalogue()
    found: dict[int, str] = {}
    for i, item in enumerate(program.exercises):
        equipment = set(book.get(item.id).equipment) if item.id in book else set()
        if item.dose.load_kg is not None or equipment & EXTERNAL_LOADS:
            found[i] = "" if item.dose.load_kg is None else f"{item.dose.load_kg:g}"
    return found


@router.get("/today")
def today(request: Request, patient_id: str, saved: int = 0) -> Response:
    """Today's exercises (picture, steps, dose, why) and the form to log the session."""
    return _today(request, viewer(request), patient_id, saved=bool(saved))


def _session_field(loc: tuple[Any, ...]) -> str:
    if len(loc) >= 3 and loc[0] == "exercises":
        return f"{loc[2]}_{loc[1]}"
    return str(loc[0]) if loc else "form"


@router.post("/sessions")
async def log_session(request: Request, patient_id: str) -> Response:
    """Log the session through the sessions service; a bad value is shown beside its field."""
    who = viewer(request)
    form = await request.form()
    values = {k: str(v) for k, v in form.items()}
    check_csrf(who, values.get("csrf_token"))
    current = _current(request, who, patient_id)
    program = programs.program_of(current) if current else None
    exercises = []
    for i, item in enumerate(program.exercises if program else []):
        exercises.append(
            {
                "id": item.id,
                "sets": blank_to_none(values.get(f"sets_{i}")) or "0",
                "reps": blank_to_none(values.get(f"reps_{i}")),
                "hold_s": blank_to_none(values.get(f"hold_s_{i}")),
                "load_kg": blank_to_none(values.get(f"load_kg_{i}")),
                "completed": values.get(f"completed_{i}") == "on",
                "rpe": blank_to_none(values.get(f"rpe_{i}")),
            }
        )
    document = {
        "date": blank_to_none(values.get("date")),
        "pain_before": blank_to_none(values.get("pain_before")),
        "pain_after": blank_to_none(values.get("pain_after")),
        "exercises": exercises,
    }
    session, errors = validate_form(Session, document, _session_field)
    if session is None:
        return _today(request, who, patient_id, values=values, errors=errors, status_code=422)
    try:
        sessions.log_session(_uow(request), who.actor, patient_id, session)
    except SpinecoachError as exc:
        if exc.__class__.__name__ == "NotFound":
            raise
        return _today(request, who, patient_id, values=values, message=str(exc), status_code=422)
    return RedirectResponse(f"/patients/{patient_id}/today?saved=1", status_code=303)


def _open_session(request: Request, who: Viewer, patient_id: str) -> Any:
    """The latest session still waiting for its next-morning check-in."""
    for record in reversed(sessions.list_sessions(_uow(request), who.actor, patient_id)):
        if record.document.get("next_morning_pain") is None:
            return record
        return None
    return None


def _checkin(
    request: Request,
    who: Viewer,
    patient_id: str,
    *,
    errors: FieldErrors | None = None,
    values: dict[str, Any] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    patient = patients.get_patient(_uow(request), who.actor, patient_id)
    return page(
        request,
        "patient/checkin.html",
        status_code=status_code,
        viewer=who,
        patient=patient,
        session=_open_session(request, who, patient_id),
        flags=CHECKIN_FLAGS,
        errors=errors or {},
        values=values or {},
        message=message,
    )


@router.get("/checkin")
def checkin_page(request: Request, patient_id: str) -> Response:
    """The next-morning questions after the latest session."""
    return _checkin(request, viewer(request), patient_id)


@router.post("/checkin")
async def check_in(request: Request, patient_id: str) -> Response:
    """Submit the check-in; a cauda equina answer shows the emergency message and stops exercise."""
    who = viewer(request)
    form = await request.form()
    check_csrf(who, str(form.get("csrf_token", "")))
    values = {k: str(v) for k, v in form.items()}
    flags = [str(v) for v in form.getlist("red_flags")]
    session = _open_session(request, who, patient_id)
    if session is None or values.get("session_id") != session.id:
        return _checkin(request, who, patient_id, message="session_id: nothing to check in")
    answers, errors = validate_form(
        CheckIn,
        {
            "next_morning_pain": blank_to_none(values.get("next_morning_pain")),
            "red_flags": flags,
            "new_neuro_symptoms": values.get("new_neuro_symptoms") == "on",
        },
        lambda loc: str(loc[0]) if loc else "form",
    )
    if answers is None:
        return _checkin(request, who, patient_id, errors=errors, values=values, status_code=422)
    outcome = sessions.check_in(_uow(request), who.actor, session.id, answers)
    patient = patients.get_patient(_uow(request), who.actor, patient_id)
    return page(
        request,
        "patient/checked_in.html",
        viewer=who,
        patient=patient,
        emergency=outcome.emergency_text,
        stopped=outcome.program_stopped,
    )


@router.get("/progress")
def progress(request: Request, patient_id: str) -> Response:
    """My progress: the same charts with plain titles, and what changed in plain words."""
    who = viewer(request)
    patient = patients.get_patient(_uow(request), who.actor, patient_id)
    result = outcomes.compute_outcomes(_uow(request), who.actor, patient_id)
    recorded = recordings.list_recordings(_uow(request), who.actor, patient_id)
    return page(
        request,
        "patient/progress.html",
        viewer=who,
        patient=patient,
        care_charts=views.care_charts(
            result.timeline.adherence if result.timeline else [],
            views.posture_days(result.entries),
            views.stillness_points(recorded),
            views.stillness_limit_deg(),
            plain=True,
        ),
        charts=views.outcome_charts(result.summary, plain=True),
        sentences=views.progress_sentences(result.summary),
    )
