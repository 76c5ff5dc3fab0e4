"""The live router inside the clinic service: paired devices, the record as sink, clinic logins.

:func:`clinic_live` builds :func:`~spinecoach.live.websocket.make_live_router` (mounted at
``/api/live``) with

- :class:`~spinecoach.services.devices.StoreDeviceAuthority`: device tokens from the paired
  devices table;
- :class:`ClinicRecordingSink`: a finished stream is filed in the patient's record like an
  upload (raw stored first, then processed by the upload's queue), on a thread of its own so
  the event loop carrying live feedback never waits on the database;
- :class:`ClinicViewerAccess`: a page reads a patient's live feedback with the clinic's own
  login (the patient themself or their clinician, audited), a gateway with its device token.

The app's lifespan calls :meth:`ClinicLive.start` (recordings a stopped server left are
finished and filed) and :meth:`ClinicLive.stop` (running streams finished and filed).
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.security import HTTPAuthorizationCredentials
from starlette.requests import HTTPConnection, Request

from spinecoach.api.deps import ApiContext, _authenticate
from spinecoach.api.security import SESSION_COOKIE
from spinecoach.errors import InputError
from spinecoach.live.devices import DeviceAuthority
from spinecoach.live.feedback import HoldTarget, RepTarget
from spinecoach.live.service import AccessError, LiveService, Reply
from spinecoach.live.session import Ending, FinishedRecording, LiveSession
from spinecoach.live.websocket import LiveRouter, bearer_token, make_live_router
from spinecoach.services import audit
from spinecoach.services.devices import StoreDeviceAuthority, is_device_token
from spinecoach.services.live_recordings import LiveRecording, file_live_recording
from spinecoach.services.patients import clinical_patient
from spinecoach.store.records import RecordingRecord
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = ["LIVE_PREFIX", "ClinicLive", "ClinicRecordingSink", "ClinicViewerAccess", "clinic_live"]

log = logging.getLogger("spinecoach.live")

LIVE_PREFIX = "/api/live"
"""Gateways stream to ``ws(s)://<clinic>/api/live/ingest``."""


class ClinicRecordingSink:
    """Files finished live recordings in the record, one at a time, off the event loop."""

    def __init__(
        self, engine: sa.Engine, context: ApiContext, live_dir: Path, *, process: bool = True
    ) -> None:
        self.engine = engine
        self.context = context
        self.live_dir = live_dir
        self.process = process
        self.exercise_of: dict[str, str] = {}
        """Live session id -> the exercise it followed (kept by :class:`ClinicLiveService`)."""
        self.pending: list[Future[RecordingRecord | None]] = []
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-filing")

    def recording_finished(self, finished: FinishedRecording) -> None:
        live = LiveRecording(
            patient_id=finished.patient_id,
            device_id=finished.device_id,
            session_id=finished.session_id,
            path=finished.path,
            exercise_id=self.exercise_of.pop(finished.session_id, None),
        )
        self.pending = [f for f in self.pending if not f.done()]
        self.pending.append(self._pool.submit(self.file, live))

    def file(self, live: LiveRecording) -> RecordingRecord | None:
        """Store and record one finished stream, queue its processing, drop the live copy."""
        try:
            record = file_live_recording(UnitOfWork(self.engine), self.context.settings, live)
        except Exception as exc:  # kept in the live folder: filed again at the next start
            log.error("live recording %s not filed: %s", live.session_id, type(exc).__name__)
            return None
        if self.process:
            self.context.processing.submit(record.id)
        for leftover in (live.path, live.path.with_name(f"{live.session_id}.json")):
            leftover.unlink(missing_ok=True)
        return record

    def file_left_behind(self) -> list[RecordingRecord]:
        """Finished recordings still in the live folder (a server stopped before filing them)."""
        filed = []
        for path in sorted(self.live_dir.glob("*/*.parquet")):
            meta = path.with_suffix(".json")
            if not meta.is_file():
                continue
            info = json.loads(meta.read_text(encoding="utf-8"))
            record = self.file(
                LiveRecording(info["patient_id"], info["device_id"], info["session_id"], path)
            )
            if record is not None:
                filed.append(record)
        return filed

    def wait(self, timeout_s: float | None = None) -> list[RecordingRecord | None]:
        """The recordings handed over so far, once filed (tests, shutdown)."""
        return [f.result(timeout_s) for f in list(self.pending)]

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class ClinicLiveService(LiveService):
    """The live service, remembering which exercise each stream followed for the record, and
    the exercise a patient chose on their page before the sensors started streaming."""

    def __init__(self, authority: DeviceAuthority, sink: ClinicRecordingSink, data_dir: Path):
        super().__init__(authority, sink, data_dir)
        self.filing = sink
        self.chosen: dict[str, HoldTarget | RepTarget | None] = {}
        """Patient id -> the target chosen on the live page (None: posture mode)."""

    def choose(self, patient_id: str, target: HoldTarget | RepTarget | None) -> bool:
        """The patient's choice: applied to the running stream, and to the next one to start.
        Returns whether a stream was running."""
        self.chosen[patient_id] = target
        try:
            self.set_exercise(patient_id, target)
        except InputError:  # no stream yet: the next one starts in this mode
            return False
        return True

    def open(self, token: str | None, raw: str | bytes) -> tuple[LiveSession, Reply]:
        session, reply = super().open(token, raw)
        target = self.chosen.get(session.grant.patient_id)
        if target is not None and session.exercise is None:
            self.set_exercise(session.grant.patient_id, target)
        return session, reply

    def set_exercise(
        self, patient_id: str, target: HoldTarget | RepTarget | None
    ) -> dict[str, Any]:
        state = super().set_exercise(patient_id, target)
        if target is not None and target.exercise_id:
            self.filing.exercise_of[str(state["session"])] = target.exercise_id
        return state

    def close(self, session: LiveSession, ending: Ending) -> FinishedRecording:
        if session.exercise is not None and session.exercise.target.exercise_id:
            self.filing.exercise_of[session.id] = session.exercise.target.exercise_id
        finished = super().close(session, ending)
        self.filing.exercise_of.pop(session.id, None)  # a stream with no samples is not filed
        return finished


class ClinicViewerAccess:
    """Who may read (and switch) a patient's live feedback: the clinic's login, or a device
    token with the ``feedback`` scope for that patient.

    Anonymous callers get 401, another patient's feedback 404 (as every record does)."""

    def __init__(self, context: ApiContext, service: LiveService) -> None:
        self.context = context
        self.service = service

    def may_view(self, connection: HTTPConnection, patient_id: str) -> bool:
        token = bearer_token(connection)
        if is_device_token(token):
            try:
                self.service.grant(token, "feedback", patient_id)
            except AccessError:
                return False
            return True
        if not isinstance(connection, Request):
            return False
        header = connection.headers.get("authorization", "")
        bearer = (
            HTTPAuthorizationCredentials(scheme="Bearer", credentials=header[7:].strip())
            if header.lower().startswith("bearer ")
            else None
        )
        principal = _authenticate(
            connection,
            self.context,
            bearer,
            connection.cookies.get(SESSION_COOKIE),
            allow_pending=False,
        )
        with UnitOfWork(self.context.engine) as uow:
            clinical_patient(uow, principal.actor, patient_id)
            audit.record(
                uow,
                principal.actor,
                "live.read" if connection.method == "GET" else "live.update",
                patient_id=patient_id,
                object_type="Observation",
            )
            uow.commit()
        return True


@dataclass
class ClinicLive:
    """The mounted live router and its collaborators."""

    router: LiveRouter
    service: ClinicLiveService
    sink: ClinicRecordingSink

    def start(self) -> None:
        """Finish streams a stopped server left, and file what it had not filed yet."""
        self.sink.file_left_behind()
        self.service.recover()

    def stop(self) -> None:
        """Finish and file every running stream (the server is stopping)."""
        self.service.shutdown()
        self.sink.close()


def clinic_live(context: ApiContext) -> ClinicLive:
    """The live router of the clinic service (data in ``<data_dir>/live``)."""
    live_dir = context.settings.data_dir / "live"
    sink = ClinicRecordingSink(context.engine, context, live_dir)
    service = ClinicLiveService(StoreDeviceAuthority(context.engine), sink, live_dir)
    router = make_live_router(
        service.authority,
        sink,
        live_dir,
        viewer=ClinicViewerAccess(context, service),
        prefix=LIVE_PREFIX,
        service=service,
    )
    return ClinicLive(router, service, sink)
