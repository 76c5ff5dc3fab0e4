"""The clinic's settings changed at run time (approval mode, pain limit, review interval, TOTP)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from spinecoach.api.deps import AdminActor, CurrentActor, UowDep
from spinecoach.services import clinic
from spinecoach.services.clinic import ClinicPolicy

router = APIRouter(prefix="/settings", tags=["settings"])


@router.get("", response_model=ClinicPolicy)
def read_settings(actor: CurrentActor, uow: UowDep) -> ClinicPolicy:
    return clinic.get_policy(uow, actor)


@router.patch("", response_model=ClinicPolicy)
def change_settings(body: dict[str, Any], actor: AdminActor, uow: UowDep) -> ClinicPolicy:
    """Change some fields (admins); the message names a field that is wrong."""
    return clinic.set_policy(uow, actor, body)
