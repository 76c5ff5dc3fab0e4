"""The live layer's one path from a gateway's messages to the record and the patient's page.

Both transports (WebSocket, MQTT) hand raw messages to :class:`LiveService`: it checks the
device token (again every ``recheck_s`` while streaming, so a revoked token ends the stream;
the WebSocket transport makes that lookup, perhaps a database query, in a worker thread),
runs one :class:`~spinecoach.live.session.LiveSession` per device, publishes feedback to the
patient's :class:`FeedbackChannel` and passes finished recordings to the sink. Nothing here
waits on I/O: the transports own the sockets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq

from spinecoach.errors import InputError, SensorDataError
from spinecoach.live.devices import DeviceAuthority, DeviceGrant
from spinecoach.live.feedback import (
    DEFAULT_FEEDBACK,
    FeedbackEvent,
    FeedbackSettings,
    HoldTarget,
    RepTarget,
)
from spinecoach.live.frames import (
    EndFrame,
    FrameError,
    SampleArrays,
    StartFrame,
    decode_frame,
    read_frame,
)
from spinecoach.live.journal import recover_journal, unfinished_journals
from spinecoach.live.session import (
    Ending,
    FinishedRecording,
    LiveSession,
    RecordingSink,
    StreamError,
)
from spinecoach.sensors.files import open_recording
from spinecoach.sensors.monitor import LumbarMonitor
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings

__all__ = ["AccessError", "Closing", "FeedbackChannel", "LiveService", "Reply"]

log = logging.getLogger("spinecoach.live")

BACKLOG = 200
"""Messages a channel keeps for a page that reconnects with Last-Event-ID."""
QUEUE_LIMIT = 256
"""Messages waiting for one slow page before it is sent the current state instead."""


class AccessError(InputError):
    """The token is missing, unknown, revoked, lacks the scope, or is for another patient."""


@dataclass(frozen=True)
class Closing:
    """The stream ends: WebSocket close code and a one-line reason."""

    code: int
    reason: str


@dataclass(frozen=True)
class Reply:
    """What goes back to the gateway for one message, and whether the stream ends."""

    messages: list[str]
    closing: Closing | None = None


Message = tuple[int, str, str, float]
"""(id, event name, JSON data, monotonic time the samples behind it were received)."""


@dataclass
class FeedbackChannel:
    """One patient's feedback: the current state, recent messages, and the pages listening."""

    state: str | None = None
    seq: int = 0
    backlog: deque[Message] = field(default_factory=lambda: deque(maxlen=BACKLOG))
    listeners: set[asyncio.Queue[Message | None]] = field(default_factory=set)

    def publish(self, event: str, data: str, received: float) -> None:
        self.seq += 1
        msg = (self.seq, event, data, received)
        if event == "state":
            self.state = data
        else:
            self.backlog.append(msg)
        for q in list(self.listeners):
            if q.qsize() >= QUEUE_LIMIT:  # a page that cannot keep up gets the state afresh
                while not q.empty():
                    q.get_nowait()
                q.put_nowait((self.seq, "state", self.state or "{}", received))
            else:
                q.put_nowait(msg)

    def listen(self, last_id: int | None) -> tuple[asyncio.Queue[Message | None], list[Message]]:
        """A queue of what comes next, and what to send first: missed messages, then the state."""
        q: asyncio.Queue[Message | None] = asyncio.Queue()
        self.listeners.add(q)
        first: list[Message] = []
        if last_id is not None:
            first = [m for m in self.backlog if m[0] > last_id]
        now = time.perf_counter()
        first.append((self.seq, "state", self.state or json.dumps({"status": "waiting"}), now))
        return q, first

    def leave(self, q: asyncio.Queue[Message | None]) -> None:
        self.listeners.discard(q)


@dataclass(frozen=True)
class _TokenCheck:
    """A stream's token, when it was last looked up (``time.perf_counter``), and whether it
    still allowed streaming then."""

    token: str
    checked: float
    granted: bool


class LiveService:
    """Live sessions by device, feedback channels by patient, finished recordings to the sink."""

    def __init__(
        self,
        authority: DeviceAuthority,
        sink: RecordingSink,
        data_dir: Path,
        *,
        settings: SensorSettings = DEFAULT_SETTINGS,
        policy: FeedbackSettings = DEFAULT_FEEDBACK,
        recheck_s: float = 5.0,
        on_sent: Callable[[float], None] | None = None,
    ) -> None:
        self.authority = authority
        self.sink = sink
        self.data_dir = data_dir
        self.settings = settings
        self.policy = policy
        self.recheck_s = recheck_s
        self.on_sent = on_sent
        """Called with the seconds from receiving samples to sending their feedback to a page."""
        self.sessions: dict[str, LiveSession] = {}
        self.frames_accepted = 0
        """Samples frames kept since start (for monitoring the server's load)."""
        self.channels: dict[str, FeedbackChannel] = {}
        self._tokens: dict[str, _TokenCheck] = {}
        self._tokens_lock = threading.Lock()
        data_dir.mkdir(parents=True, exist_ok=True)

    # --- access ---
    def grant(self, token: str | None, scope: str, patient_id: str | None = None) -> DeviceGrant:
        """The grant of ``token`` for ``scope`` (and ``patient_id``), or :class:`AccessError`."""
        grant = self.authority.grant_for(token) if token else None
        if grant is None:
            raise AccessError("token: missing, unknown or revoked")
        if scope not in grant.scopes:
            raise AccessError(
                f"token: not allowed to {scope} (scopes: {', '.join(sorted(grant.scopes))})"
            )
        if patient_id is not None and patient_id != grant.patient_id:
            raise AccessError("token: the device is paired with another patient")
        return grant

    def channel(self, patient_id: str) -> FeedbackChannel:
        return self.channels.setdefault(patient_id, FeedbackChannel())

    # --- streams ---
    def open(self, token: str | None, raw: str | bytes) -> tuple[LiveSession, Reply]:
        """Check the token and the start frame; start the device's session (replacing any)."""
        grant = self.grant(token, "stream")
        frame = decode_frame(raw)
        if not isinstance(frame, StartFrame):
            raise FrameError("field type: the first frame must be a start frame")
        if frame.patient is not None and frame.patient != grant.patient_id:
            raise AccessError("field patient: the device token is for another patient")
        old = self.sessions.get(grant.device_id)
        if old is not None:
            self.close(old, "replaced")
        session = LiveSession(
            grant, frame, self.data_dir, settings=self.settings, policy=self.policy
        )
        self.sessions[grant.device_id] = session
        self._tokens[session.id] = _TokenCheck(token or "", time.perf_counter(), granted=True)
        log.info("live session %s started (device %s)", session.id, grant.device_id)
        self._publish_state(session, time.perf_counter())
        started = {"type": "started", "session": session.id}
        return session, Reply([json.dumps(started)])

    def handle(self, session: LiveSession, raw: str | bytes, received: float) -> Reply:
        """One message of a running stream: samples, or the end."""
        if session.ended is not None:
            return Reply([], Closing(4409, f"session ended ({session.ended})"))
        if not self._still_granted(session, received):
            self.close(session, "revoked")
            return Reply([], Closing(4401, "token: revoked; the recording so far is kept"))
        try:
            frame = read_frame(raw)
            if isinstance(frame, EndFrame):
                return self._end(session)
            if not isinstance(frame, SampleArrays):
                raise FrameError("field type: a stream has one start frame")
            events = session.receive(frame)
        except StreamError as exc:
            self.close(session, "fault")
            return Reply(
                [json.dumps({"type": "closing", "reason": str(exc)})],
                Closing(1008, _short(str(exc))),
            )
        except InputError as exc:  # FrameError: this frame only
            seq = _seq(raw)
            return Reply([json.dumps({"type": "refused", "seq": seq, "reason": str(exc)})])
        self.frames_accepted += 1
        channel = self.channel(session.grant.patient_id)
        for e in events:
            channel.publish(e.type, e.model_dump_json(), received)
        self._publish_state(session, received)
        ack = {"type": "ack", "seq": frame.seq, "samples": session.journal.samples}
        return Reply([orjson.dumps(ack).decode()])

    def _end(self, session: LiveSession) -> Reply:
        finished = self.close(session, "end")
        summary = {
            "type": "ended",
            "session": finished.session_id,
            "samples": finished.samples,
            "refused_frames": finished.refused_frames,
            "problem": finished.problem,
            "reps": finished.analysis.reps.rep_count if finished.analysis else None,
        }
        return Reply([json.dumps(summary)], Closing(1000, "end"))

    def recheck_due(self, session: LiveSession) -> bool:
        """Whether the session's token is to be looked up again before its next frame."""
        check = self._tokens.get(session.id)
        return check is not None and time.perf_counter() - check.checked >= self.recheck_s

    def recheck(self, session: LiveSession) -> None:
        """Look the session's token up again now and keep the verdict for :meth:`handle`.

        The lookup may block (the clinic's authority queries the database): an event loop
        calls this in a worker thread. A session closed meanwhile is left closed.
        """
        check = self._tokens.get(session.id)
        if check is None:
            return
        started = time.perf_counter()  # the verdict is the token's state from then on
        grant = self.authority.grant_for(check.token)
        granted = (
            grant is not None
            and grant.patient_id == session.grant.patient_id
            and "stream" in grant.scopes
        )
        with self._tokens_lock:
            if session.id in self._tokens:
                self._tokens[session.id] = _TokenCheck(check.token, started, granted)

    def _still_granted(self, session: LiveSession, received: float) -> bool:
        """The token's verdict for a frame ``received`` then (``time.perf_counter``): a lookup
        made since counts; else one is made here if due (MQTT, which has no event loop)."""
        check = self._tokens.get(session.id)
        if check is not None and check.checked < received and self.recheck_due(session):
            self.recheck(session)
            check = self._tokens.get(session.id)
        return check is not None and check.granted

    def close(self, session: LiveSession, ending: Ending) -> FinishedRecording:
        """Finish a session (once): recording closed and analysed, the sink told, pages told."""
        if self.sessions.get(session.grant.device_id) is session:
            del self.sessions[session.grant.device_id]
        with self._tokens_lock:
            self._tokens.pop(session.id, None)
        finished = session.finish(ending)
        log.info(
            "live session %s ended (%s): %d samples, %d refused frames",
            session.id,
            finished.ending,
            finished.samples,
            finished.refused_frames,
        )
        if finished.samples:
            self.sink.recording_finished(finished)
        now = time.perf_counter()
        channel = self.channel(session.grant.patient_id)
        note = FeedbackEvent(
            type="status",
            kind=finished.ending,
            t_s=session.reading.t_s,
            message=finished.problem or "the live session ended; the recording is saved",
        )
        channel.publish("status", note.model_dump_json(), now)
        self._publish_state(session, now)
        return finished

    def shutdown(self) -> list[FinishedRecording]:
        """Finish every running session (the server is stopping)."""
        return [self.close(s, "shutdown") for s in list(self.sessions.values())]

    def recover(self) -> list[FinishedRecording]:
        """Finish recordings left partial by a stopped process; analyse them from the file."""
        done = []
        for partial in unfinished_journals(self.data_dir):
            info, path = recover_journal(partial)
            if path is None:
                continue
            analysis, problem = None, None
            try:
                monitor = LumbarMonitor(self.settings)
                source = open_recording(path)
                for block, _ in source.blocks():
                    monitor.feed(block)
                analysis = monitor.finish()
            except SensorDataError as exc:
                problem = str(exc)
            finished = FinishedRecording(
                patient_id=info.patient_id,
                device_id=info.device_id,
                session_id=info.session_id,
                path=path,
                samples=analysis.samples if analysis else _rows(path),
                refused_frames=0,
                ending="recovered",
                analysis=analysis,
                problem=problem,
            )
            self.sink.recording_finished(finished)
            done.append(finished)
        return done

    # --- the page ---
    def set_exercise(
        self, patient_id: str, target: HoldTarget | RepTarget | None
    ) -> dict[str, Any]:
        """Switch the patient's running session to exercise mode (or back); its new state."""
        session = next(
            (s for s in self.sessions.values() if s.grant.patient_id == patient_id), None
        )
        if session is None:
            raise InputError(f"patient {patient_id}: no live session is running")
        session.set_exercise(target)
        self._publish_state(session, time.perf_counter())
        return session.state()

    def _publish_state(self, session: LiveSession, received: float) -> None:
        self.channel(session.grant.patient_id).publish(
            "state", orjson.dumps(session.state()).decode(), received
        )


def _rows(path: Path) -> int:
    return int(pq.ParquetFile(path).metadata.num_rows)


def _seq(raw: str | bytes) -> int | None:
    try:
        value = orjson.loads(raw).get("seq")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def _short(reason: str) -> str:
    """A WebSocket close reason must fit in 123 bytes."""
    data = reason.encode("utf-8")
    return reason if len(data) <= 123 else data[:120].decode("utf-8", "ignore") + "..."
