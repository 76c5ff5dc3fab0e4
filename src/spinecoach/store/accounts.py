"""Tables of the accounts: users, their login sessions and their personal access tokens.

Secrets never sit here in the clear: passwords as argon2 hashes, session ids and access tokens
as SHA-256 digests of random values (a stolen database opens no session). Rows are never
deleted on logout or revoke; they carry ``revoked_at`` so the trail stays whole.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from spinecoach.store.tables import UtcDateTime, metadata

__all__ = ["access_tokens", "auth_sessions", "users"]

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False, default=""),
    Column("roles", String(64), nullable=False, doc="comma-separated, sorted: admin,clinician"),
    Column("password_hash", String(255), nullable=False),
    Column("totp_secret", String(64), nullable=True, doc="base32; set at enrolment"),
    Column("totp_confirmed_at", UtcDateTime, nullable=True),
    Column("patient_id", String(32), ForeignKey("patients.id"), nullable=True, unique=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("password_changed_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True, doc="SHA-256 of the cookie's opaque id"),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=False),
    Column("csrf_hash", String(64), nullable=False, doc="SHA-256 of the session's CSRF token"),
    Column("second_factor", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, doc="absolute expiry"),
    Column("revoked_at", UtcDateTime, nullable=True),
    Index("ix_auth_sessions_user_id", "user_id"),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("scopes", String(100), nullable=False, doc="space-separated: read write"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    Index("ix_access_tokens_user_id", "user_id"),
)
