"""Clinic settings changed at run time: the approval mode, the pain limit, the review interval.

They live in the record (table ``clinic_settings``) so every process of the service agrees; the
first start seeds them from :class:`~spinecoach.settings.ServiceSettings`.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spinecoach.documents import validation_message
from spinecoach.errors import InputError
from spinecoach.services import audit
from spinecoach.services.actors import SYSTEM, Actor, Role
from spinecoach.services.clock import utcnow
from spinecoach.services.errors import Forbidden
from spinecoach.settings import ApprovalMode, ServiceSettings
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = ["ClinicPolicy", "get_policy", "policy", "seed_policy", "set_policy"]

POLICY_KEY = "policy"


class ClinicPolicy(BaseModel):
    """The clinic's choices for the loop (clinic policy, not literature)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    approval_mode: ApprovalMode = "clinician_approves"
    pain_limit: int = Field(default=5, ge=0, le=10, description="NPRS above this raises an alert")
    review_interval_days: int = Field(default=7, ge=1, le=56)
    totp_required_for: list[str] = Field(default_factory=lambda: ["admin", "clinician"])

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> ClinicPolicy:
        return cls(
            approval_mode=settings.approval_mode,
            pain_limit=settings.pain_limit,
            review_interval_days=settings.review_interval_days,
            totp_required_for=sorted(settings.totp_required_for),
        )


def policy(uow: UnitOfWork) -> ClinicPolicy:
    """The policy in force (inside an open unit of work); defaults when never set."""
    stored = uow.settings.get(POLICY_KEY)
    return ClinicPolicy() if stored is None else ClinicPolicy.model_validate(stored)


def seed_policy(
    uow: UnitOfWork, settings: ServiceSettings, *, now: dt.datetime | None = None
) -> ClinicPolicy:
    """Store the policy from the start-up settings unless the clinic already has one."""
    with uow:
        if uow.settings.get(POLICY_KEY) is None:
            uow.settings.put(
                POLICY_KEY,
                ClinicPolicy.from_settings(settings).model_dump(),
                SYSTEM.user_id,
                utcnow(now),
            )
        current = policy(uow)
        uow.commit()
    return current


def get_policy(uow: UnitOfWork, actor: Actor) -> ClinicPolicy:
    """The clinic's policy (every signed-in role may read it)."""
    with uow:
        return policy(uow)


def set_policy(
    uow: UnitOfWork, actor: Actor, changes: dict[str, object], *, now: dt.datetime | None = None
) -> ClinicPolicy:
    """Change some fields of the policy (admins); the message names a field that is wrong."""
    if not actor.has(Role.ADMIN):
        raise Forbidden("only admins change clinic settings")
    at = utcnow(now)
    with uow:
        try:
            updated = ClinicPolicy.model_validate({**policy(uow).model_dump(), **changes})
        except ValidationError as exc:
            raise InputError(validation_message(exc, "settings")) from None
        uow.settings.put(POLICY_KEY, updated.model_dump(), actor.user_id, at)
        audit.record(
            uow, actor, "settings.update", object_type="ClinicSettings", object_id=POLICY_KEY, at=at
        )
        uow.commit()
    return updated
