"""Live sensors on the pages: pairing devices, the patient's live view, today's zones.

- ``/patients/{id}/devices``: the patient's (or their clinician's) paired devices; pairing shows
  the token once with the address the gateway streams to; revoking ends a stream in seconds.
- ``/patients/{id}/live``: exercise mode (one of today's exercises: the live lumbar angle in its
  target zone, reps, hold time, a gentle cue) or posture mode (alerts as notifications). The
  page draws the state the server had when it was rendered; ``live.js`` then follows the
  feedback stream (Server-Sent Events, reconnecting by itself).
- ``/clinic/patients/{id}/live``: the clinician's view of the same, with today's time in the
  posture zones from the running stream and the day's streamed recordings.

Every page and form goes through the services (access, audit); forms carry the CSRF token.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from spinecoach.api.live import LIVE_PREFIX, ClinicLive
from spinecoach.api.routes.devices import ingest_url
from spinecoach.errors import InputError
from spinecoach.exercises import load_catalogue
from spinecoach.live.feedback import HoldTarget, RepTarget, target_for_exercise
from spinecoach.sensors.posture import ZONES
from spinecoach.services import devices, patients, programs, recordings
from spinecoach.services.actors import Role
from spinecoach.services.devices import PairedDevice
from spinecoach.services.errors import Conflict, NotFound
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.web.pages import Viewer, check_csrf, context_of, page, viewer

router = APIRouter(include_in_schema=False)

ZONE_WORDS = {
    "neutral": "upright (under 20°)",
    "mild": "a little bent (20-40°)",
    "moderate": "bent (40-60°)",
    "severe": "far bent (over 60°)",
}
"""The posture zones of lumbar flexion in plain words (edges: the sensor settings' defaults)."""


def _uow(request: Request) -> UnitOfWork:
    return UnitOfWork(context_of(request).engine)


def _live(request: Request) -> ClinicLive:
    live: ClinicLive = request.app.state.live
    return live


# --- devices ---


def _devices_page(
    request: Request,
    who: Viewer,
    patient_id: str,
    *,
    paired: PairedDevice | None = None,
    error: str | None = None,
    name: str = "",
    revoked: bool = False,
    status_code: int = 200,
) -> Response:
    patient = patients.get_patient(_uow(request), who.actor, patient_id)
    found = devices.list_devices(_uow(request), who.actor, patient_id)
    return page(
        request,
        "patient/devices.html",
        status_code=status_code,
        viewer=who,
        patient=patient,
        clinician=who.actor.has(Role.CLINICIAN),
        active=[d for d in found if d.revoked_at is None],
        revoked_devices=[d for d in found if d.revoked_at is not None],
        paired=paired,
        ingest=ingest_url(request),
        error=error,
        name=name,
        revoked=revoked,
        scope_words={"stream": "stream the sensors", "feedback": "read live feedback"},
    )


@router.get("/patients/{patient_id}/devices")
def devices_page(request: Request, patient_id: str, revoked: int = 0) -> Response:
    """The patient's paired devices and the form to pair one."""
    return _devices_page(request, viewer(request), patient_id, revoked=bool(revoked))


@router.post("/patients/{patient_id}/devices")
async def pair_device(request: Request, patient_id: str) -> Response:
    """Pair a device; the answer shows its token once (it is in no address and no log)."""
    who = viewer(request)
    form = await request.form()
    check_csrf(who, str(form.get("csrf_token", "")))
    name = str(form.get("name", ""))
    try:
        paired = devices.pair_device(_uow(request), who.actor, patient_id, name)
    except (InputError, Conflict) as exc:
        return _devices_page(request, who, patient_id, error=str(exc), name=name, status_code=422)
    return _devices_page(request, who, patient_id, paired=paired)


@router.post("/patients/{patient_id}/devices/{device_id}/revoke")
async def revoke_device(request: Request, patient_id: str, device_id: str) -> Response:
    """Revoke a device: its token stops now; a stream it sends ends within seconds."""
    who = viewer(request)
    form = await request.form()
    check_csrf(who, str(form.get("csrf_token", "")))
    device = devices.get_device(_uow(request), who.actor, device_id)
    if device.patient_id != patient_id:
        raise NotFound("device", device_id)
    devices.revoke_device(_uow(request), who.actor, device_id)
    return RedirectResponse(f"/patients/{patient_id}/devices?revoked=1", status_code=303)


# --- the live view ---


def _followable(request: Request, who: Viewer, patient_id: str) -> list[dict[str, Any]]:
    """Today's exercises that can be followed live, each with its target from the program's
    dose (a hold's time, a set's reps)."""
    approved = programs.list_versions(_uow(request), who.actor, patient_id, status="approved")
    if not approved or approved[-1].program_status != "active":
        return []
    catalogue = load_catalogue()
    out = []
    for item in programs.program_of(approved[-1]).exercises:
        exercise = catalogue.get(item.id)
        try:
            target = target_for_exercise(exercise)
        except InputError:
            continue  # no lumbar movement or hold to follow
        if isinstance(target, HoldTarget):
            target = target.model_copy(update={"hold_s": item.dose.hold_s or target.hold_s})
            what = f"hold {item.dose.hold_s or target.hold_s:g} s, back still"
        else:
            target = target.model_copy(update={"reps": item.dose.reps})
            lo, hi = target.range_deg
            what = f"{item.dose.reps or ''} reps, {lo:g}-{hi:g}° of {target.axis}".strip()
        out.append({"id": item.id, "name": exercise.name, "what": what, "target": target})
    return out


def _state(live: ClinicLive, patient_id: str) -> dict[str, Any]:
    raw = live.service.channel(patient_id).state
    state: dict[str, Any] = json.loads(raw) if raw else {"status": "waiting"}
    return state


def _chosen_id(live: ClinicLive, patient_id: str) -> str | None:
    target = live.service.chosen.get(patient_id)
    return None if target is None else target.exercise_id


def _todays_zones(request: Request, who: Viewer, patient_id: str) -> dict[str, float]:
    """Seconds in each posture zone today: the day's processed recordings (streamed or
    uploaded), plus the stream running now."""
    today = dt.datetime.now(dt.UTC).date()
    total = dict.fromkeys(ZONES, 0.0)
    for record in recordings.list_recordings(_uow(request), who.actor, patient_id):
        if record.recorded_on == today and record.metrics:
            for zone, seconds in record.metrics.get("time_in_zones_s", {}).items():
                total[zone] = total.get(zone, 0.0) + float(seconds)
    return total


def _live_page(
    request: Request,
    who: Viewer,
    patient_id: str,
    *,
    clinician_view: bool,
    message: str | None = None,
) -> Response:
    patient = patients.get_patient(_uow(request), who.actor, patient_id)
    live = _live(request)
    state = _state(live, patient_id)
    return page(
        request,
        "patient/live.html",
        viewer=who,
        patient=patient,
        clinician=clinician_view,
        options=_followable(request, who, patient_id),
        chosen=_chosen_id(live, patient_id),
        state=state,
        feedback_url=f"{LIVE_PREFIX}/patients/{patient_id}/feedback",
        zone_words=ZONE_WORDS,
        filed_zones=_todays_zones(request, who, patient_id) if clinician_view else None,
        message=message,
    )


@router.get("/patients/{patient_id}/live")
def live_page(request: Request, patient_id: str, running: int = -1) -> Response:
    """The patient's live view: exercise or posture mode, following the sensors."""
    who = viewer(request)
    message = None
    if running == 0:
        message = "Your choice is kept: the sensors start in it when they begin to stream."
    return _live_page(request, who, patient_id, clinician_view=False, message=message)


@router.post("/patients/{patient_id}/live/mode")
async def choose_mode(request: Request, patient_id: str) -> Response:
    """Exercise mode for one of today's exercises, or posture mode (no exercise)."""
    who = viewer(request)
    form = await request.form()
    check_csrf(who, str(form.get("csrf_token", "")))
    chosen = str(form.get("exercise_id", "") or "")
    options = {o["id"]: o["target"] for o in _followable(request, who, patient_id)}
    if chosen and chosen not in options:
        return _live_page(
            request,
            who,
            patient_id,
            clinician_view=False,
            message=f"exercise_id '{chosen}': not one of today's exercises to follow live",
        )
    target: HoldTarget | RepTarget | None = options.get(chosen) if chosen else None
    running = _live(request).service.choose(patient_id, target)
    return RedirectResponse(f"/patients/{patient_id}/live?running={int(running)}", status_code=303)


@router.get("/clinic/patients/{patient_id}/live")
def clinician_live_page(request: Request, patient_id: str) -> Response:
    """The clinician's view: the patient's live state and today's time in the zones."""
    who = viewer(request)
    if not who.actor.has(Role.CLINICIAN):
        raise NotFound("patient", patient_id)
    return _live_page(request, who, patient_id, clinician_view=True)
