"""The tables of the clinical record: relational columns that are queried, documents as JSON.

Domain documents (intake, assessment, program, session, measurement) are stored whole as
validated JSON next to the columns filtered on (patient, status, dates). Every row the API
exposes has a string id (uuid4 hex). Times are stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

__all__ = [
    "alerts",
    "assessments",
    "audit_events",
    "checkins",
    "clinic_settings",
    "intakes",
    "legal_holds",
    "metadata",
    "notes",
    "outcome_entries",
    "paired_devices",
    "patient_clinicians",
    "patients",
    "program_versions",
    "recording_jobs",
    "recordings",
    "sessions",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)
"""The one metadata of the service; the accounts tables are defined on it too."""

Json = sa.JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on both databases (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(32), primary_key=True)


def _patient_fk() -> sa.Column[str]:
    return sa.Column(
        "patient_id",
        sa.String(32),
        sa.ForeignKey("patients.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    )


patients = sa.Table(
    "patients",
    metadata,
    _id(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("birth_year", sa.Integer, nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="active"),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(32), nullable=False),
)

patient_clinicians = sa.Table(
    "patient_clinicians",
    metadata,
    _patient_fk(),
    sa.Column("clinician_id", sa.String(32), nullable=False, index=True),
    sa.Column("assigned_at", UtcDateTime, nullable=False),
    sa.Column("assigned_by", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("patient_id", "clinician_id"),
)

intakes = sa.Table(
    "intakes",
    metadata,
    _id(),
    _patient_fk(),
    sa.Column("submitted_at", UtcDateTime, nullable=False),
    sa.Column("submitted_by", sa.String(32), nullable=False),
    sa.Column("document", Json, nullable=False),
)

assessments = sa.Table(
    "assessments",
    metadata,
    _id(),
    _patient_fk(),
    sa.Column("intake_id", sa.String(32), sa.ForeignKey("intakes.id"), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("document", Json, nullable=False),
)

program_versions = sa.Table(
    "program_versions",
    metadata,
    _id(),
    _patient_fk(),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("program_status", sa.String(20), nullable=False),
    sa.Column("basis", sa.String(20), nullable=False),
    sa.Column("parent_id", sa.String(32), sa.ForeignKey("program_versions.id"), nullable=True),
    sa.Column("assessment_id", sa.String(32), sa.ForeignKey("assessments.id"), nullable=True),
    sa.Column("document", Json, nullable=False),
    sa.Column("changes", Json, nullable=False),
    sa.Column("alerts", Json, nullable=False),
    sa.Column("escalate", sa.Boolean, nullable=False),
    sa.Column("proposed_at", UtcDateTime, nullable=False),
    sa.Column("proposed_by", sa.String(32), nullable=False),
    sa.Column("decided_at", UtcDateTime, nullable=True),
    sa.Column("decided_by", sa.String(32), nullable=True),
    sa.Column("decision_note", sa.Text, nullable=True),
    sa.Column("approved_at", UtcDateTime, nullable=True),
    sa.Column("approved_by", sa.String(32), nullable=True),
    sa.UniqueConstraint("patient_id", "version", name="uq_program_versions_patient_version"),
    sa.CheckConstraint(
        "status IN ('proposed', 'approved', 'rejected', 'superseded')", name="status"
    ),
)

sessions = sa.Table(
    "sessions",
    metadata,
    _id(),
    _patient_fk(),
    sa.Column(
        "program_version_id", sa.String(32), sa.ForeignKey("program_versions.id"), nullable=False
    ),
    sa.Column("session_date", sa.Date, nullable=False, index=True),
    sa.Column("position", sa.String(8), nullable=False, server_default=""),
    sa.Column("document", Json, nullable=False),
    sa.Column("logged_at", UtcDateTime, nullable=False),
    sa.Column("logged_by", sa.String(32), nullable=False),
    sa.UniqueConstraint(
        "program_version_id", "session_date", "position", name="uq_sessions_version_when"
    ),
)

checkins = sa.Table(
    "checkins",
    metadata,
    _id(),
    _patient_fk(),
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), nullable=False),
    sa.Column("answered_at", UtcDateTime, nullable=False),
    sa.Column("answered_by", sa.String(32), nullable=False),
    sa.Column("document", Json, nullable=False),
    sa.UniqueConstraint("session_id", name="uq_checkins_session"),
)

recordings = sa.Table(
    "recordings",
    metadata,
    _id(),
    _patient_fk(),
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), nullable=True),
    sa.Column("exercise_id", sa.String(100), nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("file_format", sa.String(20), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("recorded_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("failure_reason", sa.Text, nullable=True),
    sa.Column("metrics", Json, nullable=True),
    sa.Column("uploaded_at", UtcDateTime, nullable=False),
    sa.Column("uploaded_by", sa.String(32), nullable=False),
    sa.Column("processed_at", UtcDateTime, nullable=True),
    sa.Column("detail", Json, nullable=True),
    sa.CheckConstraint("kind IN ('exercise', 'day')", name="kind"),
    sa.CheckConstraint("status IN ('stored', 'processing', 'processed', 'failed')", name="status"),
)

recording_jobs = sa.Table(
    "recording_jobs",
    metadata,
    _id(),
    sa.Column(
        "recording_id", sa.String(32), sa.ForeignKey("recordings.id"), nullable=False, index=True
    ),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("worker", sa.String(120), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.UniqueConstraint("recording_id", "attempt", name="uq_recording_jobs_attempt"),
)

outcome_entries = sa.Table(
    "outcome_entries",
    metadata,
    _id(),
    _patient_fk(),
    sa.Column("measured_on", sa.Date, nullable=False, index=True),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("source_id", sa.String(32), nullable=True),
    sa.Column("document", Json, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("source", "source_id", name="uq_outcome_entries_source"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    _id(),
    _patient_fk(),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("object_type", sa.String(40), nullable=True),
    sa.Column("object_id", sa.String(32), nullable=True),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("resolved_at", UtcDateTime, nullable=True),
    sa.Column("resolved_by", sa.String(32), nullable=True),
    sa.UniqueConstraint("patient_id", "key", name="uq_alerts_patient_key"),
    sa.CheckConstraint("severity IN ('emergency', 'high', 'normal')", name="severity"),
)

notes = sa.Table(
    "notes",
    metadata,
    _id(),
    _patient_fk(),
    sa.Column("written_at", UtcDateTime, nullable=False),
    sa.Column("written_by", sa.String(32), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)
"""A clinician's free-text notes on a patient; appended, never edited."""

clinic_settings = sa.Table(
    "clinic_settings",
    metadata,
    sa.Column("key", sa.String(60), primary_key=True),
    sa.Column("value", Json, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(32), nullable=False),
)

audit_events = sa.Table(
    "audit_events",
    metadata,
    _id(),
    sa.Column("recorded_at", UtcDateTime, nullable=False, index=True),
    sa.Column("user_id", sa.String(32), nullable=True, index=True),
    sa.Column("username", sa.String(100), nullable=True),
    sa.Column("role", sa.String(20), nullable=True),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("action_code", sa.String(1), nullable=False),
    sa.Column("patient_id", sa.String(32), nullable=True, index=True),
    sa.Column("object_type", sa.String(40), nullable=True),
    sa.Column("object_id", sa.String(64), nullable=True),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("remote_addr", sa.String(64), nullable=True),
    sa.CheckConstraint("action_code IN ('C', 'R', 'U', 'D', 'E')", name="action_code"),
)

legal_holds = sa.Table(
    "legal_holds",
    metadata,
    sa.Column(
        "patient_id",
        sa.String(32),
        sa.ForeignKey("patients.id", ondelete="RESTRICT"),
        primary_key=True,
    ),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("placed_at", UtcDateTime, nullable=False),
    sa.Column("placed_by", sa.String(32), nullable=False),
)
"""A patient whose record must be kept (litigation, an authority's request): erasure is refused
while a row is here. Releasing the hold deletes the row; the audit trail keeps both events."""


paired_devices = sa.Table(
    "paired_devices",
    metadata,
    _id(),
    _patient_fk(),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("scopes", sa.String(40), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(32), nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("revoked_by", sa.String(32), nullable=True),
)
"""Sensor gateways paired with a patient: the device token only as its SHA-256 digest; a
revoked device keeps its row (``revoked_at``, ``revoked_by``) so the trail stays whole."""


def _load_account_tables() -> None:
    """Put the accounts tables (users, login sessions, tokens) on the same metadata."""
    try:
        import spinecoach.store.accounts  # noqa: F401
    except ModuleNotFoundError as exc:
        if exc.name != "spinecoach.store.accounts":
            raise


_load_account_tables()
