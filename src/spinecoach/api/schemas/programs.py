"""Schemas of program versions and the clinician's decisions on them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.store.records import VersionRecord, VersionStatus

__all__ = ["Decision", "VersionPublic"]


class VersionPublic(BaseModel):
    """One version of a patient's program, with its changes, who decided and when."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    patient_id: str
    version: int
    status: VersionStatus
    program_status: str
    basis: str
    parent_id: str | None
    document: dict[str, Any] = Field(description="the program (exercises, doses, reasons)")
    changes: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    escalate: bool
    proposed_at: dt.datetime
    proposed_by: str
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_note: str | None

    @classmethod
    def of(cls, record: VersionRecord) -> VersionPublic:
        return cls.model_validate(record)


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)
