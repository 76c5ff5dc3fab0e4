"""Paired sensor gateways: pair, list and revoke a patient's devices; resolve a device token.

A device token lets a gateway (the patient's phone app, a bridge next to the sensors) stream
for one patient; it is shown once when the device is paired and stored only as its SHA-256
digest. The patient pairs and revokes their own devices, their clinician those of their
patients; every action is audited. :class:`StoreDeviceAuthority` is the live layer's
:class:`~spinecoach.live.devices.DeviceAuthority` over this table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from spinecoach.errors import InputError, shorten
from spinecoach.live.devices import SCOPES, DeviceGrant
from spinecoach.services import audit
from spinecoach.services.actors import SYSTEM, Actor
from spinecoach.services.clock import utcnow
from spinecoach.services.errors import Conflict, NotFound
from spinecoach.services.patients import clinical_patient
from spinecoach.store.records import DeviceRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = [
    "TOKEN_PREFIX",
    "PairedDevice",
    "StoreDeviceAuthority",
    "get_device",
    "is_device_token",
    "list_devices",
    "pair_device",
    "revoke_device",
    "token_digest",
]

TOKEN_PREFIX = "spd_"
"""Device tokens start so (the clinic's personal access tokens start ``spc_``)."""
NAME_MAX = 64


@dataclass(frozen=True)
class PairedDevice:
    """A newly paired device and its token (the only time the token is seen)."""

    device: DeviceRecord
    token: str


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256 (a token carries 192 random bits)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_device_token(token: str | None) -> bool:
    return bool(token) and str(token).startswith(TOKEN_PREFIX)


def _name(name: str) -> str:
    cleaned = " ".join(str(name).split())
    if not 1 <= len(cleaned) <= NAME_MAX or not cleaned.isprintable():
        raise InputError(
            f"name {shorten(str(name))!r}: give the device a name of 1-{NAME_MAX} printable "
            "characters (e.g. 'phone')"
        )
    return cleaned


def _scopes(scopes: Iterable[str]) -> str:
    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown or not chosen:
        raise InputError(
            f"scopes: {', '.join(unknown) or 'none given'}; choose from {', '.join(SCOPES)}"
        )
    return " ".join(chosen)


def pair_device(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    name: str,
    *,
    scopes: Iterable[str] = SCOPES,
    now: dt.datetime | None = None,
) -> PairedDevice:
    """Pair a device with the patient: the patient themself or their clinician.

    The token is returned here and never again; a name already used by an active device of
    the patient is refused (revoke that one first)."""
    at = utcnow(now)
    label = _name(name)
    scope_text = _scopes(scopes)
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    with uow:
        _patient(uow, actor, patient_id)
        active = [d for d in uow.devices.for_patient(patient_id) if d.revoked_at is None]
        if any(d.name == label for d in active):
            raise Conflict(f"name {label!r}: a device of that name is paired; revoke it first")
        record = DeviceRecord(
            id=new_id(),
            patient_id=patient_id,
            name=label,
            token_hash=token_digest(token),
            scopes=scope_text,
            created_at=at,
            created_by=actor.user_id,
            revoked_at=None,
            revoked_by=None,
        )
        uow.devices.add(record)
        audit.record(
            uow,
            actor,
            "device.create",
            patient_id=patient_id,
            object_type="Device",
            object_id=record.id,
            at=at,
        )
        uow.commit()
    return PairedDevice(record, token)


def list_devices(uow: UnitOfWork, actor: Actor, patient_id: str) -> list[DeviceRecord]:
    """The patient's devices, oldest first, revoked ones included (with when and by whom)."""
    with uow:
        _patient(uow, actor, patient_id)
        found = uow.devices.for_patient(patient_id)
        audit.record(uow, actor, "device.list", patient_id=patient_id, object_type="Device")
        uow.commit()
    return found


def _patient(uow: UnitOfWork, actor: Actor, patient_id: str) -> None:
    """The patient themself or their clinician; the service itself (the server's console)."""
    if actor is SYSTEM:
        if uow.patients.get(patient_id) is None:
            raise NotFound("patient", patient_id)
        return
    clinical_patient(uow, actor, patient_id)


def _visible(uow: UnitOfWork, actor: Actor, device_id: str) -> DeviceRecord:
    record = uow.devices.get(device_id)
    if record is None:
        raise NotFound("device", device_id)
    try:
        _patient(uow, actor, record.patient_id)
    except NotFound:
        raise NotFound("device", device_id) from None
    return record


def get_device(uow: UnitOfWork, actor: Actor, device_id: str) -> DeviceRecord:
    """One device of a patient the actor may see."""
    with uow:
        record = _visible(uow, actor, device_id)
        audit.record(
            uow,
            actor,
            "device.read",
            patient_id=record.patient_id,
            object_type="Device",
            object_id=device_id,
        )
        uow.commit()
    return record


def revoke_device(
    uow: UnitOfWork, actor: Actor, device_id: str, *, now: dt.datetime | None = None
) -> DeviceRecord:
    """Revoke a device: its token stops working at once (a running stream ends within
    seconds, what it sent is kept). Revoking a revoked device changes nothing."""
    at = utcnow(now)
    with uow:
        record = _visible(uow, actor, device_id)
        if record.revoked_at is None:
            uow.devices.revoke(device_id, at, actor.user_id)
            audit.record(
                uow,
                actor,
                "device.revoke",
                patient_id=record.patient_id,
                object_type="Device",
                object_id=device_id,
                at=at,
            )
        done = uow.devices.get(device_id)
        uow.commit()
    assert done is not None
    return done


class StoreDeviceAuthority:
    """Device tokens resolved from the paired devices table (the live layer's authority).

    Looked up on every call (at connect and every few seconds while streaming), so a revoked
    device stops at its stream's next check."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def grant_for(self, token: str) -> DeviceGrant | None:
        if not is_device_token(token):
            return None
        with UnitOfWork(self.engine) as uow:
            record = uow.devices.by_token_hash(token_digest(token))
        if record is None:
            return None
        return DeviceGrant(record.patient_id, record.id, frozenset(record.scopes.split()))
