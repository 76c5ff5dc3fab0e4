"""Schemas of user accounts (never the password hash or the TOTP secret)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.services.accounts import Account
from spinecoach.services.actors import Role

__all__ = ["Assignment", "UserCreate", "UserPublic", "UserUpdate"]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")
    password: str = Field(min_length=1, max_length=256, description="at least 12 characters")
    roles: list[Role] = Field(min_length=1, max_length=3)
    display_name: str = Field(default="", max_length=200)
    patient_id: str | None = Field(
        default=None, max_length=32, description="for a patient account: its patient record"
    )


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=200)
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=3)
    active: bool | None = None
    unlock: bool = False
    reset_totp: bool = False
    password: str | None = Field(default=None, min_length=1, max_length=256)


class UserPublic(BaseModel):
    id: str
    username: str
    display_name: str
    roles: list[Role]
    patient_id: str | None
    active: bool
    totp_enabled: bool
    locked_until: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def of(cls, account: Account) -> UserPublic:
        return cls(
            id=account.id,
            username=account.username,
            display_name=account.display_name,
            roles=sorted(account.roles),
            patient_id=account.patient_id,
            active=account.active,
            totp_enabled=account.totp_enabled,
            locked_until=account.locked_until,
            created_at=account.created_at,
        )


class Assignment(BaseModel):
    clinician_id: str
    patient_id: str
    changed: bool = Field(description="false when the assignment was already so")
