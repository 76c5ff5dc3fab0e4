"""Schemas of alerts (what the clinician sees first)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from spinecoach.store.records import AlertRecord

__all__ = ["AlertPublic"]


class AlertPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    patient_id: str
    kind: str
    severity: str
    text: str
    object_type: str | None
    object_id: str | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolved_by: str | None

    @classmethod
    def of(cls, record: AlertRecord) -> AlertPublic:
        return cls.model_validate(record)
