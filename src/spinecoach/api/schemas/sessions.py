"""Schemas of logged sessions and next-morning check-ins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict

from spinecoach.api.schemas.programs import VersionPublic
from spinecoach.services.sessions import CheckInOutcome
from spinecoach.store.records import CheckinRecord, SessionRecord

__all__ = ["CheckInPublic", "CheckInResult", "SessionPublic"]


class SessionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    patient_id: str
    program_version_id: str
    session_date: dt.date
    document: dict[str, Any]
    logged_at: dt.datetime
    logged_by: str

    @classmethod
    def of(cls, record: SessionRecord) -> SessionPublic:
        return cls.model_validate(record)


class CheckInPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    patient_id: str
    session_id: str
    answered_at: dt.datetime
    document: dict[str, Any]

    @classmethod
    def of(cls, record: CheckinRecord) -> CheckInPublic:
        return cls.model_validate(record)


class CheckInResult(BaseModel):
    """The stored check-in; ``emergency_text`` is to be shown to the patient at once."""

    checkin: CheckInPublic
    session: SessionPublic
    emergency_text: str | None
    program_stopped: bool
    version: VersionPublic | None

    @classmethod
    def of(cls, outcome: CheckInOutcome) -> CheckInResult:
        return cls(
            checkin=CheckInPublic.of(outcome.checkin),
            session=SessionPublic.of(outcome.session),
            emergency_text=outcome.emergency_text,
            program_stopped=outcome.program_stopped,
            version=None if outcome.version is None else VersionPublic.of(outcome.version),
        )
