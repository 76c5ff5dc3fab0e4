"""User accounts and clinician assignment (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from spinecoach.api.deps import AdminActor, UowDep
from spinecoach.api.pagination import Page, PageParams
from spinecoach.api.schemas.users import Assignment, UserCreate, UserPublic, UserUpdate
from spinecoach.services import accounts
from spinecoach.services.actors import Role

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=Page[UserPublic])
def list_users(
    actor: AdminActor,
    uow: UowDep,
    paging: PageParams,
    role: Annotated[Role | None, Query(description="only accounts with this role")] = None,
    active: Annotated[bool | None, Query(description="only active (or inactive) accounts")] = None,
) -> Page[UserPublic]:
    found, total = accounts.list_users(
        uow, actor, role=role, active=active, offset=paging.offset, limit=paging.limit
    )
    return paging.page([UserPublic.of(a) for a in found], total)


@router.post("", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, actor: AdminActor, uow: UowDep) -> UserPublic:
    account = accounts.create_user(
        uow,
        actor,
        username=body.username,
        password=body.password,
        roles=body.roles,
        display_name=body.display_name,
        patient_id=body.patient_id,
    )
    return UserPublic.of(account)


@router.get("/{user_id}", response_model=UserPublic)
def read_user(user_id: str, actor: AdminActor, uow: UowDep) -> UserPublic:
    return UserPublic.of(accounts.get_user(uow, actor, user_id))


@router.patch("/{user_id}", response_model=UserPublic)
def update_user(user_id: str, body: UserUpdate, actor: AdminActor, uow: UowDep) -> UserPublic:
    """Change names, roles, activity; unlock; reset TOTP; set a new password (ends sessions)."""
    account = accounts.update_user(
        uow,
        actor,
        user_id,
        display_name=body.display_name,
        roles=body.roles,
        active=body.active,
        unlock=body.unlock,
        reset_totp=body.reset_totp,
        password=body.password,
    )
    return UserPublic.of(account)


@router.post("/{user_id}/revoke-sessions", status_code=status.HTTP_204_NO_CONTENT)
def revoke_sessions(user_id: str, actor: AdminActor, uow: UowDep) -> None:
    """End every login session of the account at once."""
    accounts.revoke_sessions(uow, actor, user_id)


@router.put("/{clinician_id}/patients/{patient_id}", response_model=Assignment)
def assign_patient(
    clinician_id: str, patient_id: str, actor: AdminActor, uow: UowDep
) -> Assignment:
    """Give a clinician access to a patient."""
    changed = accounts.assign_clinician(
        uow, actor, clinician_id=clinician_id, patient_id=patient_id
    )
    return Assignment(clinician_id=clinician_id, patient_id=patient_id, changed=changed)


@router.delete("/{clinician_id}/patients/{patient_id}", response_model=Assignment)
def unassign_patient(
    clinician_id: str, patient_id: str, actor: AdminActor, uow: UowDep
) -> Assignment:
    """Withdraw a clinician's access to a patient."""
    changed = accounts.unassign_clinician(
        uow, actor, clinician_id=clinician_id, patient_id=patient_id
    )
    return Assignment(clinician_id=clinician_id, patient_id=patient_id, changed=changed)
