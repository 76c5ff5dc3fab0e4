"""Schemas of paired sensor gateways (the token appears once, in the pairing answer)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.live.devices import SCOPES
from spinecoach.store.records import DeviceRecord

__all__ = ["DevicePaired", "DevicePublic", "NewDevice"]


class NewDevice(BaseModel):
    """Pair a device: a name the patient recognises, and what it may do."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, examples=["phone"])
    scopes: list[str] = Field(
        default_factory=lambda: list(SCOPES),
        description="stream: send samples; feedback: read the patient's live feedback",
    )


class DevicePublic(BaseModel):
    id: str
    patient_id: str
    name: str
    scopes: list[str]
    created_at: dt.datetime
    created_by: str
    revoked_at: dt.datetime | None
    revoked_by: str | None
    active: bool

    @classmethod
    def of(cls, record: DeviceRecord) -> DevicePublic:
        return cls(
            id=record.id,
            patient_id=record.patient_id,
            name=record.name,
            scopes=record.scopes.split(),
            created_at=record.created_at,
            created_by=record.created_by,
            revoked_at=record.revoked_at,
            revoked_by=record.revoked_by,
            active=record.revoked_at is None,
        )


class DevicePaired(DevicePublic):
    token: str = Field(description="the device token, shown this once (only its hash is kept)")
    ingest_url: str = Field(description="where the gateway streams (WebSocket)")
