"""Sessions and the next-morning check-in.

A session is logged against the program version in use. The check-in adds next-morning pain,
new leg symptoms and the red-flag questions; a yes to a red flag stops the program at once (a
referral version, applied without waiting), raises the alert, and gives the patient the
emergency text to act on straight away.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from spinecoach.clinical import screen_red_flags
from spinecoach.clinical.red_flags import check_red_flag_ids
from spinecoach.documents import parse_document, validation_message
from spinecoach.errors import DocumentError
from spinecoach.services import audit
from spinecoach.services.actors import Actor, Role
from spinecoach.services.alerts import refresh_alerts
from spinecoach.services.clock import utcnow
from spinecoach.services.errors import Conflict, Forbidden, NotFound
from spinecoach.services.patients import clinical_patient
from spinecoach.services.programs import program_of, session_log, stop_for_red_flags
from spinecoach.sessions import Session, SessionLog, check_against_program
from spinecoach.store import documents
from spinecoach.store.records import CheckinRecord, SessionRecord, VersionRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.vocabulary import Direction

__all__ = ["CheckIn", "CheckInOutcome", "check_in", "get_session", "list_sessions", "log_session"]


class CheckIn(BaseModel):
    """The next-morning questions after a session."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    next_morning_pain: int = Field(ge=0, le=10, description="NPRS on waking")
    red_flags: list[str] = Field(
        default_factory=list, description="ids of red-flag questions answered yes"
    )
    new_neuro_symptoms: bool = Field(
        default=False, description="new numbness, tingling or weakness in a leg"
    )
    peripheralization: Direction | None = Field(
        default=None, description="direction whose movement sent symptoms further down the leg"
    )

    @field_validator("red_flags", mode="after")
    @classmethod
    def _known(cls, ids: list[str]) -> list[str]:
        return check_red_flag_ids(ids)


@dataclass(frozen=True)
class CheckInOutcome:
    """The stored check-in; ``emergency_text`` is shown to the patient at once when set."""

    checkin: CheckinRecord
    session: SessionRecord
    emergency_text: str | None
    program_stopped: bool
    version: VersionRecord | None


def _position(session: Session) -> str:
    return session.time.strftime("%H:%M:%S") if session.time else ""


def _may_log(uow: UnitOfWork, actor: Actor, patient_id: str) -> None:
    clinical_patient(uow, actor, patient_id)
    if not (actor.has(Role.CLINICIAN) or actor.patient_id == patient_id):
        raise Forbidden("only the patient or their clinician logs sessions")


def _in_use(uow: UnitOfWork, patient_id: str) -> VersionRecord:
    current = uow.programs.current(patient_id)
    if current is None:
        raise Conflict(f"patient {patient_id!r} has no approved program yet")
    if current.program_status != "active":
        raise Conflict(
            f"program version {current.version} is {current.program_status}: exercise is stopped "
            "until a clinician clears it"
        )
    return current


def log_session(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    session: Session | dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> SessionRecord:
    """Log a session on the version in use (checked against its exercises, in date order)."""
    s = session if isinstance(session, Session) else parse_document(session, Session, "session")
    at = utcnow(now)
    with uow:
        _may_log(uow, actor, patient_id)
        current = _in_use(uow, patient_id)
        log = session_log(uow, current)
        try:
            extended = SessionLog.model_validate(
                {**log.model_dump(), "sessions": [*log.model_dump()["sessions"], s.model_dump()]}
            )
        except ValidationError as exc:
            raise DocumentError(validation_message(exc, "session")) from None
        check_against_program(extended, program_of(current))
        record = SessionRecord(
            new_id(),
            patient_id,
            current.id,
            s.date,
            _position(s),
            documents.dump(s),
            at,
            actor.user_id,
        )
        uow.sessions.add(record)
        from spinecoach.services.live_recordings import attach_live_recordings

        attach_live_recordings(uow, record, at)  # live exercise recordings of that day
        audit.record(
            uow,
            actor,
            "session.log",
            patient_id=patient_id,
            object_type="Encounter",
            object_id=record.id,
            at=at,
        )
        if s.red_flags:
            stop_for_red_flags(uow, actor, patient_id, s.red_flags, at)
        refresh_alerts(uow, patient_id, at, sessions=[record], measures=False)
        uow.commit()
    return record


def check_in(
    uow: UnitOfWork,
    actor: Actor,
    session_id: str,
    answers: CheckIn | dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> CheckInOutcome:
    """The next-morning check-in of a session; a red flag stops the program at once."""
    a = answers if isinstance(answers, CheckIn) else parse_document(answers, CheckIn, "check-in")
    at = utcnow(now)
    with uow:
        record = uow.sessions.get(session_id)
        if record is None:
            raise NotFound("session", session_id)
        try:
            _may_log(uow, actor, record.patient_id)
        except NotFound:
            raise NotFound("session", session_id) from None
        if uow.sessions.checkin_for(session_id) is not None:
            raise Conflict(f"session {session_id!r} already has its check-in")
        before = documents.load(Session, record.document)
        after = before.model_copy(
            update={
                "next_morning_pain": a.next_morning_pain,
                "red_flags": sorted(set(before.red_flags) | set(a.red_flags)),
                "new_neuro_symptoms": before.new_neuro_symptoms or a.new_neuro_symptoms,
                "peripheralization": a.peripheralization or before.peripheralization,
            }
        )
        uow.sessions.replace_document(session_id, documents.dump(after))
        checkin = CheckinRecord(
            new_id(), record.patient_id, session_id, at, actor.user_id, documents.dump(a)
        )
        uow.sessions.add_checkin(checkin)
        audit.record(
            uow,
            actor,
            "checkin.submit",
            patient_id=record.patient_id,
            object_type="QuestionnaireResponse",
            object_id=checkin.id,
            at=at,
        )
        emergency: str | None = None
        version: VersionRecord | None = None
        if a.red_flags:
            screen = screen_red_flags(a.red_flags)
            emergency = screen.hits[0].patient_action
            version = stop_for_red_flags(uow, actor, record.patient_id, a.red_flags, at)
        stored = uow.sessions.get(session_id)
        assert stored is not None
        refresh_alerts(uow, record.patient_id, at, sessions=[stored], measures=False)
        uow.commit()
    assert stored is not None
    stopped = version is not None and version.program_status == "referral"
    return CheckInOutcome(checkin, stored, emergency, stopped, version)


def list_sessions(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[SessionRecord]:
    """The patient's sessions, oldest first."""
    with uow:
        clinical_patient(uow, actor, patient_id)
        found = uow.sessions.for_patient(patient_id, since, until)
        audit.record(uow, actor, "session.list", patient_id=patient_id, object_type="Encounter")
        uow.commit()
    return found


def get_session(uow: UnitOfWork, actor: Actor, session_id: str) -> SessionRecord:
    """One session (NotFound when not the actor's to see)."""
    with uow:
        record = uow.sessions.get(session_id)
        if record is None:
            raise NotFound("session", session_id)
        try:
            clinical_patient(uow, actor, record.patient_id)
        except NotFound:
            raise NotFound("session", session_id) from None
        audit.record(
            uow,
            actor,
            "session.read",
            patient_id=record.patient_id,
            object_type="Encounter",
            object_id=session_id,
        )
        uow.commit()
    return record
