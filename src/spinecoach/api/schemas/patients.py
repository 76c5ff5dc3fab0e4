"""Schemas of the patient register."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.store.records import PatientRecord

__all__ = ["PatientCreate", "PatientPublic"]


class PatientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str = Field(min_length=1, max_length=200)
    birth_year: int | None = Field(default=None, ge=1900, le=2100)


class PatientPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    display_name: str
    birth_year: int | None
    status: str
    created_at: dt.datetime
    clinician_ids: list[str]

    @classmethod
    def of(cls, record: PatientRecord) -> PatientPublic:
        return cls.model_validate(record)
