"""Schemas of the patient's own data: the legal hold and what an erasure removed."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.services.patient_data import MAX_REASON, ErasureResult
from spinecoach.store.patient_data import LegalHold

__all__ = ["ErasurePublic", "HoldRequest", "LegalHoldPublic"]


class HoldRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=MAX_REASON, description="why the record must be kept")


class LegalHoldPublic(BaseModel):
    held: bool
    reason: str | None = None
    placed_at: dt.datetime | None = None
    placed_by: str | None = None

    @classmethod
    def of(cls, hold: LegalHold | None) -> LegalHoldPublic:
        if hold is None:
            return cls(held=False)
        return cls(
            held=True, reason=hold.reason, placed_at=hold.placed_at, placed_by=hold.placed_by
        )


class ErasurePublic(BaseModel):
    """What was erased; ``reference`` is how the audit trail names the erased patient now."""

    reference: str
    erased_at: dt.datetime
    rows: dict[str, int]
    files: int
    audit_events: int
    database_compacted: bool

    @classmethod
    def of(cls, result: ErasureResult) -> ErasurePublic:
        return cls(
            reference=result.reference,
            erased_at=result.erased_at,
            rows=result.rows,
            files=result.files,
            audit_events=result.audit_events,
            database_compacted=result.database_compacted,
        )
