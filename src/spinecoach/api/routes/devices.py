"""Paired sensor gateways of a patient: list, pair (the token shown once), revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from spinecoach.api.deps import CurrentActor, UowDep
from spinecoach.api.live import LIVE_PREFIX
from spinecoach.api.schemas.devices import DevicePaired, DevicePublic, NewDevice
from spinecoach.services import devices

router = APIRouter(tags=["devices"])


def ingest_url(request: Request) -> str:
    """The WebSocket address a gateway streams to on this server."""
    base = str(request.base_url).rstrip("/")
    return base.replace("http", "ws", 1) + f"{LIVE_PREFIX}/ingest"


@router.get("/patients/{patient_id}/devices", response_model=list[DevicePublic])
def list_devices(patient_id: str, actor: CurrentActor, uow: UowDep) -> list[DevicePublic]:
    """The patient's devices, revoked ones included (when and by whom)."""
    return [DevicePublic.of(d) for d in devices.list_devices(uow, actor, patient_id)]


@router.post(
    "/patients/{patient_id}/devices",
    response_model=DevicePaired,
    status_code=status.HTTP_201_CREATED,
)
def pair_device(
    patient_id: str, body: NewDevice, request: Request, actor: CurrentActor, uow: UowDep
) -> DevicePaired:
    """Pair a device with the patient (the patient or their clinician): the token is in this
    answer only."""
    paired = devices.pair_device(uow, actor, patient_id, body.name, scopes=body.scopes)
    public = DevicePublic.of(paired.device)
    return DevicePaired(**public.model_dump(), token=paired.token, ingest_url=ingest_url(request))


@router.delete("/devices/{device_id}", response_model=DevicePublic)
def revoke_device(device_id: str, actor: CurrentActor, uow: UowDep) -> DevicePublic:
    """Revoke a device: its token stops at once; a running stream ends within seconds, what
    it sent is kept."""
    return DevicePublic.of(devices.revoke_device(uow, actor, device_id))
