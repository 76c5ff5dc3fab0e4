"""The audit trail (admins): who did what to which record, when, from where."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from spinecoach.api.deps import AdminActor, UowDep
from spinecoach.api.pagination import Page, PageParams
from spinecoach.api.schemas.audit import AuditEventPublic
from spinecoach.services import audit

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditEventPublic])
def list_events(
    actor: AdminActor,
    uow: UowDep,
    paging: PageParams,
    user_id: Annotated[str | None, Query(max_length=32)] = None,
    patient_id: Annotated[str | None, Query(max_length=32)] = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Page[AuditEventPublic]:
    """Events newest first, filtered; reading the trail is itself recorded."""
    found = audit.list_events(
        uow,
        actor,
        user_id=user_id,
        patient_id=patient_id,
        action=action,
        since=since,
        until=until,
        offset=paging.offset,
        limit=paging.limit + 1,
    )
    return paging.fetched([AuditEventPublic.of(e) for e in found])
