"""Next-morning check-ins; a red flag answered yes stops the program and shows emergency text."""

from __future__ import annotations

from fastapi import APIRouter, status

from spinecoach.api.deps import CurrentActor, UowDep
from spinecoach.api.schemas.sessions import CheckInResult
from spinecoach.services import sessions
from spinecoach.services.sessions import CheckIn

router = APIRouter(tags=["checkins"])


@router.post(
    "/sessions/{session_id}/checkin",
    response_model=CheckInResult,
    status_code=status.HTTP_201_CREATED,
)
def check_in(session_id: str, body: CheckIn, actor: CurrentActor, uow: UowDep) -> CheckInResult:
    return CheckInResult.of(sessions.check_in(uow, actor, session_id, body))
