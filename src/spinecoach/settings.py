"""Settings of the clinic service, read once at start from ``SPINECOACH_*`` environment variables.

Every field is a named, documented default a clinic may change (clinic policy, not literature),
e.g. ``SPINECOACH_DATA_DIR=/srv/spinecoach`` or
``SPINECOACH_DATABASE_URL=postgresql+psycopg://clinic@db/spinecoach``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ApprovalMode", "ServiceSettings"]

ApprovalMode = Literal["clinician_approves", "auto_apply_unless_escalated"]
"""clinician_approves: every program version waits for a clinician; auto_apply_unless_escalated:
an adapted version is applied at once unless one of its alerts asks for the clinician."""


class ServiceSettings(BaseSettings):
    """Where the record lives, how the loop runs on it and how long a login lasts."""

    model_config = SettingsConfigDict(env_prefix="SPINECOACH_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path("spinecoach-data"),
        description="folder of the SQLite file and the raw recordings (created on first start)",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: sqlite file spinecoach.db in data_dir; PostgreSQL "
        "as postgresql+psycopg://user@host/db",
    )
    clinic_name: str = Field(
        default="spinecoach clinic",
        min_length=1,
        max_length=200,
        description="the clinic's name, printed on reports and the FHIR Organization",
    )
    approval_mode: ApprovalMode = Field(
        default="clinician_approves",
        description="the initial clinic setting for program versions (changeable per clinic)",
    )
    pain_limit: int = Field(
        default=5,
        ge=0,
        le=10,
        description="NPRS during an exercise above this raises an alert (clinic policy)",
    )
    review_interval_days: int = Field(
        default=7, ge=1, le=56, description="scheduled proposal of the next version, every N days"
    )
    upload_limit_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1, description="largest recording accepted, in bytes"
    )
    session_idle_minutes: int = Field(
        default=30, ge=1, description="a login session ends after this long without use"
    )
    session_absolute_hours: int = Field(
        default=12, ge=1, description="a login session ends this long after login, whatever use"
    )
    totp_required_for: frozenset[Literal["admin", "clinician", "patient"]] = Field(
        default=frozenset({"admin", "clinician"}),
        description="roles that must use a second factor (TOTP)",
    )
    max_failed_logins: int = Field(
        default=5, ge=1, description="failed logins in a row that lock an account (clinic policy)"
    )
    lockout_minutes: int = Field(
        default=15, ge=1, description="how long a locked account stays locked"
    )
    login_attempts_per_minute: int = Field(
        default=10, ge=1, description="login attempts accepted from one address per minute"
    )
    cookie_secure: bool | None = Field(
        default=None,
        description="mark the session cookie Secure; None: when the request came over https",
    )
    scheduler: str | None = Field(
        default=None, description="Dask scheduler address for processing; None: local processes"
    )
    workers: int | None = Field(
        default=None, ge=1, description="local processes for processing recordings (None: cores)"
    )

    @property
    def recordings_dir(self) -> Path:
        """Raw uploads, content-addressed by SHA-256."""
        return self.data_dir / "recordings"

    @property
    def url(self) -> str:
        """The database URL in use (the SQLite default inside data_dir when none is given)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'spinecoach.db').resolve()}"
