"""Schemas of intakes and assessments (the documents as the domain stores them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict

from spinecoach.api.schemas.programs import VersionPublic
from spinecoach.store.records import AssessmentRecord, IntakeRecord

__all__ = ["AssessmentPublic", "IntakePublic", "IntakeSubmitted"]


class IntakePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    patient_id: str
    submitted_at: dt.datetime
    submitted_by: str
    document: dict[str, Any]

    @classmethod
    def of(cls, record: IntakeRecord) -> IntakePublic:
        return cls.model_validate(record)


class AssessmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    patient_id: str
    intake_id: str
    created_at: dt.datetime
    document: dict[str, Any]

    @classmethod
    def of(cls, record: AssessmentRecord) -> AssessmentPublic:
        return cls.model_validate(record)


class IntakeSubmitted(BaseModel):
    """What an intake produced: the assessment and the first program version, proposed."""

    intake: IntakePublic
    assessment: AssessmentPublic
    version: VersionPublic
