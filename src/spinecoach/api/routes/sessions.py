"""Sessions: log one on the program in use, list a patient's, read one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status

from spinecoach.api.deps import CurrentActor, UowDep
from spinecoach.api.pagination import Page, PageParams
from spinecoach.api.schemas.sessions import SessionPublic
from spinecoach.services import sessions
from spinecoach.sessions import Session

router = APIRouter(tags=["sessions"])


@router.get("/patients/{patient_id}/sessions", response_model=Page[SessionPublic])
def list_sessions(
    patient_id: str,
    actor: CurrentActor,
    uow: UowDep,
    paging: PageParams,
    since: Annotated[dt.date | None, Query(description="first day, inclusive")] = None,
    until: Annotated[dt.date | None, Query(description="last day, inclusive")] = None,
) -> Page[SessionPublic]:
    found = sessions.list_sessions(uow, actor, patient_id, since=since, until=until)
    return paging.slice([SessionPublic.of(s) for s in found])


@router.post(
    "/patients/{patient_id}/sessions",
    response_model=SessionPublic,
    status_code=status.HTTP_201_CREATED,
)
def log_session(patient_id: str, body: Session, actor: CurrentActor, uow: UowDep) -> SessionPublic:
    """One session (an item of ``spinecoach schema sessions``), checked against the program."""
    return SessionPublic.of(sessions.log_session(uow, actor, patient_id, body))


@router.get("/sessions/{session_id}", response_model=SessionPublic)
def read_session(session_id: str, actor: CurrentActor, uow: UowDep) -> SessionPublic:
    return SessionPublic.of(sessions.get_session(uow, actor, session_id))
