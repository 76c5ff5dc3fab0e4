"""The clinician's pages: patients with alerts first, a patient's record, a program version and
its edit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from spinecoach.errors import ClinicalSafetyError, InputError
from spinecoach.services import (
    alerts,
    notes,
    outcomes,
    patients,
    programs,
    recordings,
    sessions,
    worklist,
)
from spinecoach.services.actors import Role
from spinecoach.services.errors import Conflict, Forbidden
from spinecoach.sessions.model import Session
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.web import assessment_view, review, views
from spinecoach.web.pages import Viewer, check_csrf, context_of, page, viewer

router = APIRouter(prefix="/clinic", include_in_schema=False)

KIND_WORDS = {
    "red_flag": "Red flag",
    "flare_up": "Flare-up",
    "peripheralization": "Peripheralization",
    "awaiting_approval": "Version awaiting approval",
    "low_adherence": "Low adherence",
    "pain_above_limit": "Pain above limit",
    "mcid_reached": "Clinically important change",
    "recording_failed": "Failed recording",
}


def _clinician(request: Request) -> Viewer:
    who = viewer(request)
    if not who.actor.has(Role.CLINICIAN):
        raise Forbidden("role: these pages are for clinicians")
    return who


def _uow(request: Request) -> UnitOfWork:
    return UnitOfWork(context_of(request).engine)


PAGE_SIZE = 50


@router.get("")
def home(
    request: Request,
    q: str = "",
    kind: str = "",
    page_no: Annotated[str, Query(alias="page")] = "1",
) -> Response:
    """The clinician's patients, those with alerts first (most severe first), each alert's why
    in one line; search by name, filter by alert kind, counts; 50 to a page."""
    who = _clinician(request)
    chosen = kind if kind in KIND_WORDS else None
    digits = page_no[:6]
    number = max(1, min(int(digits) if digits.isascii() and digits.isdigit() else 1, 100_000))
    found = worklist.worklist(
        _uow(request),
        who.actor,
        name=q[:200],
        kind=chosen,
        offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    pages = max(1, -(-found.matching // PAGE_SIZE))
    return page(
        request,
        "clinician/home.html",
        viewer=who,
        rows=found.rows,
        counts=[(k, KIND_WORDS[k], found.by_kind[k]) for k in KIND_WORDS if found.by_kind.get(k)],
        total=found.total,
        with_alerts=found.with_alerts,
        matching=found.matching,
        first=found.offset + 1 if found.rows else 0,
        last=found.offset + len(found.rows),
        page_no=number,
        pages=pages,
        kinds=KIND_WORDS,
        q=q,
        kind=chosen or "",
    )


def _session_rows(records: list[Any]) -> list[dict[str, Any]]:
    rows = []
    book = views.catalogue()
    for record in reversed(records[-10:]):
        s = Session.model_validate(record.document)
        rows.append(
            {
                "id": record.id,
                "date": s.date,
                "pain": f"{s.pain_before} → {s.pain_after}",
                "morning": "" if s.next_morning_pain is None else str(s.next_morning_pain),
                "done": sum(1 for e in s.exercises if e.completed),
                "of": len(s.exercises),
                "flags": ", ".join(s.red_flags),
                "loads": "; ".join(
                    f"{book.get(e.id).name if e.id in book else e.id} {e.load_kg:g} kg"
                    for e in s.exercises
                    if e.load_kg is not None
                ),
            }
        )
    return rows


@router.get("/patients/{patient_id}")
def patient_page(
    request: Request,
    patient_id: str,
    uploaded: int = 0,
    upload_message: str = "",
    status_code: int = 200,
    *,
    note_error: str = "",
    note_text: str = "",
) -> Response:
    """A patient's record: alerts, assessment, program in use, versions, sessions, charts,
    recordings (with the upload form)."""
    who = _clinician(request)
    patient = patients.get_patient(_uow(request), who.actor, patient_id)
    versions = programs.list_versions(_uow(request), who.actor, patient_id)
    current = next((v for v in reversed(versions) if v.status == "approved"), None)
    result = outcomes.compute_outcomes(_uow(request), who.actor, patient_id)
    recorded = recordings.list_recordings(_uow(request), who.actor, patient_id)
    return page(
        request,
        "clinician/patient.html",
        status_code=status_code,
        viewer=who,
        recordings=recorded,
        care_charts=views.care_charts(
            result.timeline.adherence if result.timeline else [],
            views.posture_days(result.entries),
            views.stillness_points(recorded),
            views.stillness_limit_deg(),
        ),
        upload_message=upload_message,
        uploaded=bool(uploaded),
        patient=patient,
        alerts=alerts.list_alerts(_uow(request), who.actor, patient_id=patient_id),
        kinds=KIND_WORDS,
        assessment_view=assessment_view.assessment_section(
            lambda: _uow(request), who.actor, patient_id
        ),
        current=current,
        program=programs.program_of(current) if current else None,
        cards=views.exercise_cards(programs.program_of(current)) if current else [],
        versions=list(reversed(versions)),
        sessions=_session_rows(sessions.list_sessions(_uow(request), who.actor, patient_id)),
        charts=views.outcome_charts(result.summary),
        summary=result.summary,
        notes=notes.list_notes(_uow(request), who.actor, patient_id),
        note_error=note_error,
        note_text=note_text,
    )


@router.post("/patients/{patient_id}/notes")
def write_note(
    request: Request,
    patient_id: str,
    text: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The clinician writes a note; an empty or too long note is named next to the box."""
    who = _clinician(request)
    check_csrf(who, csrf_token)
    try:
        notes.add_note(_uow(request), who.actor, patient_id, {"text": text})
    except InputError as exc:
        message = str(exc).split("': ", 1)[-1].removeprefix("Value error, ")
        return patient_page(
            request, patient_id, status_code=422, note_error=message, note_text=text[:5000]
        )
    return RedirectResponse(f"/clinic/patients/{patient_id}#notes", status_code=303)


@router.get("/versions/{version_id}")
def version_page(
    request: Request,
    version_id: str,
    message: str = "",
    edited: int = 0,
    *,
    form: dict[str, str] | None = None,
    errors: review.FormErrors | None = None,
    contraindications: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    """A version beside the one it came from: exercises and doses, the changes and why; a
    proposed version also carries the edit form (pin, exclude, doses, contraindications)."""
    who = _clinician(request)
    version = programs.get_version(_uow(request), who.actor, version_id)
    parent = (
        programs.get_version(_uow(request), who.actor, version.parent_id)
        if version.parent_id
        else None
    )
    patient = patients.get_patient(_uow(request), who.actor, version.patient_id)
    program = programs.program_of(version)
    return page(
        request,
        "clinician/version.html",
        status_code=status_code,
        viewer=who,
        patient=patient,
        version=version,
        parent=parent,
        diff=views.version_diff(programs.program_of(parent) if parent else None, program),
        changes=views.change_lines(version.changes),
        message=message,
        edited=bool(edited),
        edit_rows=review.edit_rows(program, form),
        errors=errors or {},
        note=(form or {}).get("note", ""),
        contraindication_words=review.CONTRAINDICATION_WORDS,
        in_force=set(program.safety.contraindications),
        chosen=set(contraindications or []),
        pain_rose=programs.pain_rose(program, version.changes),
    )


@router.post("/versions/{version_id}/edit")
async def edit(request: Request, version_id: str) -> Response:
    """The clinician's edit of a proposed version, through the same service as the API: a new
    proposed version on success; a refusal is shown next to what it refused and saves nothing."""
    who = _clinician(request)
    posted = await request.form()
    check_csrf(who, _text(posted.get("csrf_token")))
    form = {k: _text(v) for k, v in posted.items() if k != "csrf_token"}
    chosen = [c for c in (_text(v) for v in posted.getlist("contraindication")) if c]
    version = programs.get_version(_uow(request), who.actor, version_id)
    program = programs.program_of(version)
    document, errors = review.overrides_from_form(program, form, chosen)
    if not errors:
        try:
            edited = programs.edit_version(_uow(request), who.actor, version_id, document)
        except (InputError, ClinicalSafetyError, Conflict) as exc:
            names = {e.id: e.name for e in program.exercises}
            errors = review.place_refusal(str(exc), document, names)
        else:
            return RedirectResponse(f"/clinic/versions/{edited.id}?edited=1", status_code=303)
    return version_page(
        request,
        version_id,
        form=form,
        errors=errors,
        contraindications=chosen,
        status_code=422,
    )


def _text(value: Any) -> str:
    """A posted value as text (a file field posted here is ignored)."""
    return value if isinstance(value, str) else ""


@router.post("/versions/{version_id}/decision")
def decide(
    request: Request,
    version_id: str,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Approve or reject a proposed version (the services re-check who may and the status)."""
    who = _clinician(request)
    check_csrf(who, csrf_token)
    decide_with = {"approve": programs.approve_version, "reject": programs.reject_version}
    if decision not in decide_with:
        raise Conflict("decision: choose approve or reject")
    try:
        decide_with[decision](_uow(request), who.actor, version_id, note=note or None)
    except Conflict as exc:
        return version_page(request, version_id, message=str(exc))
    return RedirectResponse(f"/clinic/versions/{version_id}", status_code=303)
