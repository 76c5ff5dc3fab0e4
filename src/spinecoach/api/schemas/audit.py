"""Schemas of the audit trail (FHIR AuditEvent-shaped; never clinical content)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from spinecoach.store.records import AuditRecord

__all__ = ["AuditEventPublic"]


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    recorded_at: dt.datetime
    user_id: str | None
    username: str | None
    role: str | None
    action: str
    action_code: str
    patient_id: str | None
    object_type: str | None
    object_id: str | None
    outcome: str
    remote_addr: str | None

    @classmethod
    def of(cls, record: AuditRecord) -> AuditEventPublic:
        return cls.model_validate(record)
