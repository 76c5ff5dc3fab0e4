"""Live recordings in the record: a finished stream is filed exactly like an upload.

When a live stream ends, drops or is cut off, its canonical Parquet file is stored first
(content-addressed and synced, the upload's own path), then added to the record as a ``stored``
recording by the device that streamed it; processing then runs the upload's analysis on it.
A stream in exercise mode is an exercise recording of that exercise: it joins the patient's
session of that day which logged the exercise, now or when that session is logged later, and
its measures fill the session log as an uploaded recording's do. A stream in posture mode is
an all-day recording (time in the posture zones on the outcome timeline).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from spinecoach.services import audit
from spinecoach.services.actors import Actor, Role
from spinecoach.services.clock import utcnow
from spinecoach.services.errors import NotFound
from spinecoach.services.recordings import RecordingMetrics, apply_metrics, store_raw
from spinecoach.sessions import Session
from spinecoach.settings import ServiceSettings
from spinecoach.store import documents
from spinecoach.store.records import RecordingRecord, SessionRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = ["LiveRecording", "attach_live_recordings", "device_actor", "file_live_recording"]


@dataclass(frozen=True)
class LiveRecording:
    """What the record needs of a finished live stream."""

    patient_id: str
    device_id: str
    session_id: str
    """The live session's id (names the file: ``live-<session>.parquet``)."""
    path: Path
    exercise_id: str | None = None
    """The exercise followed in exercise mode; None: posture mode (an all-day recording)."""


def device_actor(device_id: str, patient_id: str) -> Actor:
    """A paired device as it appears in the audit trail (acting for its one patient)."""
    return Actor(device_id, "device", frozenset({Role.PATIENT}), patient_id=patient_id)


def _session_with(
    uow: UnitOfWork, patient_id: str, day: dt.date, exercise_id: str
) -> SessionRecord | None:
    """The patient's latest session of ``day`` that logged ``exercise_id``."""
    for record in reversed(uow.sessions.for_patient(patient_id)):
        if record.session_date != day:
            continue
        if exercise_id in {e.id for e in documents.load(Session, record.document).exercises}:
            return record
    return None


def file_live_recording(
    uow: UnitOfWork,
    settings: ServiceSettings,
    live: LiveRecording,
    *,
    now: dt.datetime | None = None,
) -> RecordingRecord:
    """Store the stream's file, then add it to the patient's record as ``stored``.

    Filing the same file twice (a crash between the two steps, found again at start-up) gives
    the recording already filed."""
    at = utcnow(now)
    with uow:
        if uow.patients.get(live.patient_id) is None:
            raise NotFound("patient", live.patient_id)
    with live.path.open("rb") as source:
        sha, size = store_raw(settings, source, ".parquet", None)
    filename = f"live-{live.session_id}.parquet"
    with uow:
        for known in uow.recordings.for_patient(live.patient_id):
            if known.sha256 == sha and known.filename == filename:
                return known
        day = at.date()
        session = (
            _session_with(uow, live.patient_id, day, live.exercise_id) if live.exercise_id else None
        )
        record = RecordingRecord(
            id=new_id(),
            patient_id=live.patient_id,
            session_id=session.id if session else None,
            exercise_id=live.exercise_id,
            kind="exercise" if live.exercise_id else "day",
            file_format="canonical",
            filename=filename,
            sha256=sha,
            size_bytes=size,
            recorded_on=day,
            status="stored",
            failure_reason=None,
            metrics=None,
            uploaded_at=at,
            uploaded_by=live.device_id,
            processed_at=None,
        )
        uow.recordings.add(record)
        audit.record(
            uow,
            device_actor(live.device_id, live.patient_id),
            "recording.upload",
            patient_id=live.patient_id,
            object_type="Media",
            object_id=record.id,
            at=at,
        )
        uow.commit()
    return record


def attach_live_recordings(uow: UnitOfWork, session: SessionRecord, at: dt.datetime) -> list[str]:
    """Inside the transaction logging ``session``: live exercise recordings of that day not yet
    in a session join it, and the measures of those already processed fill its log.

    Returns the ids of the recordings attached."""
    logged = {e.id for e in documents.load(Session, session.document).exercises}
    attached: list[str] = []
    for record in uow.recordings.for_patient(session.patient_id):
        if (
            record.kind != "exercise"
            or record.session_id is not None
            or record.recorded_on != session.session_date
            or record.exercise_id not in logged
        ):
            continue
        uow.recordings.update(record.id, session_id=session.id)
        attached.append(record.id)
        if record.status == "processed" and record.metrics is not None:
            metrics = documents.load(RecordingMetrics, record.metrics)
            linked = uow.recordings.get(record.id)
            assert linked is not None
            apply_metrics(uow, linked, metrics, at)
    return attached
