"""Alerts, most severe and newest first: the clinician's work list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from spinecoach.api.deps import CurrentActor, UowDep
from spinecoach.api.pagination import Page, PageParams
from spinecoach.api.schemas.alerts import AlertPublic
from spinecoach.services import alerts
from spinecoach.services.alerts import AlertKind

router = APIRouter(prefix="/alerts", tags=["alerts"])


@router.get("", response_model=Page[AlertPublic])
def list_alerts(
    actor: CurrentActor,
    uow: UowDep,
    paging: PageParams,
    patient_id: Annotated[str | None, Query(max_length=32)] = None,
    kind: AlertKind | None = None,
    open_only: bool = True,
) -> Page[AlertPublic]:
    found = alerts.list_alerts(
        uow,
        actor,
        patient_id=patient_id,
        open_only=open_only,
        kind=kind,
        offset=paging.offset,
        limit=paging.limit + 1,
    )
    return paging.fetched([AlertPublic.of(a) for a in found])


@router.post("/{alert_id}/resolve", response_model=AlertPublic)
def resolve_alert(alert_id: str, actor: CurrentActor, uow: UowDep) -> AlertPublic:
    return AlertPublic.of(alerts.resolve_alert(uow, actor, alert_id))
