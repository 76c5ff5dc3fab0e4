"""Program versions: list, propose the next on demand, read, approve, reject, edit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from spinecoach.api.deps import CurrentActor, UowDep
from spinecoach.api.pagination import Page, PageParams
from spinecoach.api.schemas.programs import Decision, VersionPublic
from spinecoach.prescription import Overrides
from spinecoach.services import programs
from spinecoach.store.records import VersionStatus

router = APIRouter(tags=["programs"])


@router.get("/patients/{patient_id}/program-versions", response_model=Page[VersionPublic])
def list_versions(
    patient_id: str,
    actor: CurrentActor,
    uow: UowDep,
    paging: PageParams,
    status_: Annotated[VersionStatus | None, Query(alias="status")] = None,
) -> Page[VersionPublic]:
    """Every version of the patient's program, oldest first (never overwritten)."""
    found = programs.list_versions(uow, actor, patient_id, status=status_)
    return paging.slice([VersionPublic.of(v) for v in found])


@router.post(
    "/patients/{patient_id}/program-versions",
    response_model=VersionPublic,
    status_code=status.HTTP_201_CREATED,
)
def propose_next_version(patient_id: str, actor: CurrentActor, uow: UowDep) -> VersionPublic:
    """The patient's clinician asks for the next version now (adaptation on the sessions)."""
    return VersionPublic.of(programs.propose_next_version(uow, actor, patient_id))


@router.get("/program-versions/{version_id}", response_model=VersionPublic)
def read_version(version_id: str, actor: CurrentActor, uow: UowDep) -> VersionPublic:
    return VersionPublic.of(programs.get_version(uow, actor, version_id))


@router.post("/program-versions/{version_id}/approve", response_model=VersionPublic)
def approve_version(
    version_id: str, actor: CurrentActor, uow: UowDep, body: Decision | None = None
) -> VersionPublic:
    note = body.note if body is not None else None
    return VersionPublic.of(programs.approve_version(uow, actor, version_id, note=note))


@router.post("/program-versions/{version_id}/reject", response_model=VersionPublic)
def reject_version(
    version_id: str, actor: CurrentActor, uow: UowDep, body: Decision | None = None
) -> VersionPublic:
    note = body.note if body is not None else None
    return VersionPublic.of(programs.reject_version(uow, actor, version_id, note=note))


@router.post(
    "/program-versions/{version_id}/edit",
    response_model=VersionPublic,
    status_code=status.HTTP_201_CREATED,
)
def edit_version(
    version_id: str, body: Overrides, actor: CurrentActor, uow: UowDep
) -> VersionPublic:
    """A clinician's edit (``spinecoach schema overrides``) as a new proposed version; the
    safety rules are applied again."""
    return VersionPublic.of(programs.edit_version(uow, actor, version_id, body))
