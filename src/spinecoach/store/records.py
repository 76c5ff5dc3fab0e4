"""Rows of the clinical record as typed values: the relational columns plus the domain document."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "AlertRecord",
    "AssessmentRecord",
    "AuditRecord",
    "CheckinRecord",
    "DeviceRecord",
    "IntakeRecord",
    "JobRecord",
    "OutcomeEntryRecord",
    "PatientRecord",
    "RecordingRecord",
    "SessionRecord",
    "VersionRecord",
    "VersionStatus",
]

VersionStatus = Literal["proposed", "approved", "rejected", "superseded"]
RecordingStatus = Literal["stored", "processing", "processed", "failed"]
Severity = Literal["emergency", "high", "normal"]


@dataclass(frozen=True)
class PatientRecord:
    id: str
    display_name: str
    birth_year: int | None
    status: str
    created_at: dt.datetime
    created_by: str
    clinician_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntakeRecord:
    id: str
    patient_id: str
    submitted_at: dt.datetime
    submitted_by: str
    document: dict[str, Any]


@dataclass(frozen=True)
class AssessmentRecord:
    id: str
    patient_id: str
    intake_id: str
    created_at: dt.datetime
    document: dict[str, Any]


@dataclass(frozen=True)
class VersionRecord:
    id: str
    patient_id: str
    version: int
    status: VersionStatus
    program_status: str
    basis: str
    parent_id: str | None
    assessment_id: str | None
    document: dict[str, Any]
    changes: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    escalate: bool
    proposed_at: dt.datetime
    proposed_by: str
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_note: str | None
    approved_at: dt.datetime | None = None
    approved_by: str | None = None


@dataclass(frozen=True)
class SessionRecord:
    id: str
    patient_id: str
    program_version_id: str
    session_date: dt.date
    position: str
    document: dict[str, Any]
    logged_at: dt.datetime
    logged_by: str


@dataclass(frozen=True)
class CheckinRecord:
    id: str
    patient_id: str
    session_id: str
    answered_at: dt.datetime
    answered_by: str
    document: dict[str, Any]


@dataclass(frozen=True)
class RecordingRecord:
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
    status: RecordingStatus
    failure_reason: str | None
    metrics: dict[str, Any] | None
    uploaded_at: dt.datetime
    uploaded_by: str
    processed_at: dt.datetime | None
    detail: dict[str, Any] | None = None
    """The analysis drawn on the recording's page (trace, reps, holds, calibration)."""


@dataclass(frozen=True)
class JobRecord:
    id: str
    recording_id: str
    attempt: int
    status: str
    worker: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None


@dataclass(frozen=True)
class OutcomeEntryRecord:
    id: str
    patient_id: str
    measured_on: dt.date
    source: str
    source_id: str | None
    document: dict[str, Any]
    created_at: dt.datetime


@dataclass(frozen=True)
class AlertRecord:
    id: str
    patient_id: str
    kind: str
    severity: Severity
    text: str
    object_type: str | None
    object_id: str | None
    key: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolved_by: str | None


@dataclass(frozen=True)
class NoteRecord:
    id: str
    patient_id: str
    written_at: dt.datetime
    written_by: str
    author: str
    text: str


@dataclass(frozen=True)
class AuditRecord:
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


@dataclass(frozen=True)
class DeviceRecord:
    """A paired sensor gateway (the token itself is never stored, only its SHA-256)."""

    id: str
    patient_id: str
    name: str
    token_hash: str
    scopes: str
    created_at: dt.datetime
    created_by: str
    revoked_at: dt.datetime | None
    revoked_by: str | None
