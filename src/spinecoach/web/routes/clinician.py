"""The clinician's pages: patients with alerts first, a patient's record, a program version."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from spinecoach.services import (
    alerts,
    outcomes,
    patients,
    programs,
    recordings,
    sessions,
)
from spinecoach.services.actors import Role
from spinecoach.services.errors import Conflict, Forbidden
from spinecoach.sessions.model import Session
from spinecoach.store.records import AlertRecord, PatientRecord
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.web import assessment_view, views
from spinecoach.web.pages import Viewer, check_csrf, context_of, page, viewer

router = APIRouter(prefix="/clinic", include_in_schema=False)

SEVERITY_ORDER = {"emergency": 0, "high": 1, "normal": 2}
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


def _all_pages(fetch: Any, limit: int = 500) -> list[Any]:
    found: list[Any] = []
    while True:
        batch = fetch(offset=len(found), limit=limit)
        found.extend(batch)
        if len(batch) < limit:
            return found


def _rank(items: list[AlertRecord]) -> tuple[int, int]:
    worst = min((SEVERITY_ORDER.get(a.severity, 3) for a in items), default=4)
    return (worst, -len(items))


@router.get("")
def home(request: Request, q: str = "", kind: str = "") -> Response:
    """Patients with alerts first (most severe first), each alert's why in one line."""
    who = _clinician(request)
    mine: list[PatientRecord] = _all_pages(
        lambda offset, limit: patients.list_patients(
            _uow(request), who.actor, offset=offset, limit=limit
        )
    )
    open_alerts: list[AlertRecord] = _all_pages(
        lambda offset, limit: alerts.list_alerts(
            _uow(request), who.actor, offset=offset, limit=limit
        )
    )
    by_patient: dict[str, list[AlertRecord]] = {}
    for alert in open_alerts:
        by_patient.setdefault(alert.patient_id, []).append(alert)
    counts = Counter(a.kind for a in open_alerts)
    needle = q.strip().lower()
    rows = [
        (p, sorted(by_patient.get(p.id, []), key=lambda a: SEVERITY_ORDER.get(a.severity, 3)))
        for p in mine
        if (not needle or needle in p.display_name.lower())
        and (not kind or any(a.kind == kind for a in by_patient.get(p.id, [])))
    ]
    rows.sort(key=lambda row: (_rank(row[1]), row[0].display_name))
    return page(
        request,
        "clinician/home.html",
        viewer=who,
        rows=rows,
        counts=[(k, KIND_WORDS.get(k, k), counts[k]) for k in KIND_WORDS if counts[k]],
        total=len(mine),
        with_alerts=sum(1 for p in mine if p.id in by_patient),
        kinds=KIND_WORDS,
        q=q,
        kind=kind,
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
) -> Response:
    """A patient's record: alerts, assessment, program in use, versions, sessions, charts,
    recordings (with the upload form)."""
    who = _clinician(request)
    patient = patients.get_patient(_uow(request), who.actor, patient_id)
    versions = programs.list_versions(_uow(request), who.actor, patient_id)
    current = next((v for v in reversed(versions) if v.status == "approved"), None)
    result = outcomes.compute_outcomes(_uow(request), who.actor, patient_id)
    return page(
        request,
        "clinician/patient.html",
        status_code=status_code,
        viewer=who,
        recordings=recordings.list_recordings(_uow(request), who.actor, patient_id),
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
    )


@router.get("/versions/{version_id}")
def version_page(request: Request, version_id: str, message: str = "") -> Response:
    """A version beside the one it came from: exercises and doses, the changes and why."""
    who = _clinician(request)
    version = programs.get_version(_uow(request), who.actor, version_id)
    parent = (
        programs.get_version(_uow(request), who.actor, version.parent_id)
        if version.parent_id
        else None
    )
    patient = patients.get_patient(_uow(request), who.actor, version.patient_id)
    return page(
        request,
        "clinician/version.html",
        viewer=who,
        patient=patient,
        version=version,
        parent=parent,
        diff=views.version_diff(
            programs.program_of(parent) if parent else None, programs.program_of(version)
        ),
        changes=views.change_lines(version.changes),
        message=message,
    )


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
