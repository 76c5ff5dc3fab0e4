"""Schemas of logging in, sessions, personal access tokens and TOTP enrolment."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.api.schemas.users import UserPublic
from spinecoach.services.accounts import TokenInfo

__all__ = [
    "LoginRequest",
    "LoginResult",
    "PasswordChange",
    "TokenCreate",
    "TokenCreated",
    "TokenPublic",
    "TotpConfirm",
    "TotpEnrolmentPublic",
    "WhoAmI",
]


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    totp_code: str | None = Field(default=None, max_length=10)


class LoginResult(BaseModel):
    user: UserPublic
    csrf_token: str = Field(description="send it back as the X-CSRF-Token header on writes")
    expires_at: dt.datetime
    second_factor: bool = Field(description="false: only TOTP enrolment is allowed until done")


class WhoAmI(BaseModel):
    user: UserPublic
    via: Literal["session", "token"]
    scopes: list[str]
    second_factor: bool


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    scopes: list[Literal["read", "write"]] = Field(min_length=1, max_length=2)
    expires_in_days: int = Field(default=90, ge=1, le=365)


class TokenPublic(BaseModel):
    id: str
    name: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, info: TokenInfo) -> TokenPublic:
        return cls(
            id=info.id,
            name=info.name,
            scopes=sorted(info.scopes),
            created_at=info.created_at,
            expires_at=info.expires_at,
            last_used_at=info.last_used_at,
            revoked_at=info.revoked_at,
        )


class TokenCreated(BaseModel):
    token: TokenPublic
    secret: str = Field(description="shown once; send as 'Authorization: Bearer <secret>'")


class TotpEnrolmentPublic(BaseModel):
    secret: str
    uri: str


class TotpConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=6, max_length=10)
