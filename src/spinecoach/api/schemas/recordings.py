"""Schemas of sensor recordings and their processing attempts."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from spinecoach.store.records import JobRecord, RecordingRecord

__all__ = ["JobPublic", "RecordingDetail", "RecordingPublic"]


class RecordingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    patient_id: str
    session_id: str | None
    exercise_id: str | None
    kind: Literal["exercise", "day"]
    file_format: str
    filename: str
    sha256: str
    size_bytes: int
    recorded_on: dt.date
    status: Literal["stored", "processing", "processed", "failed"]
    failure_reason: str | None
    metrics: dict[str, Any] | None
    uploaded_at: dt.datetime
    processed_at: dt.datetime | None

    @classmethod
    def of(cls, record: RecordingRecord) -> RecordingPublic:
        return cls.model_validate(record)


class JobPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None


class RecordingDetail(BaseModel):
    recording: RecordingPublic
    jobs: list[JobPublic]

    @classmethod
    def of(cls, record: RecordingRecord, jobs: list[JobRecord]) -> RecordingDetail:
        return cls(
            recording=RecordingPublic.of(record),
            jobs=[JobPublic.model_validate(j) for j in jobs],
        )
