"""One live session per device stream: keep the raw samples, run the monitor, give feedback.

Per samples frame: the recording validator of ``spinecoach.sensors`` checks the block (time
order, finite values, gyro units, clipping) before anything is kept, so a refused frame leaves
no trace; once the monitor is calibrated that check is the monitor's own (``check``), done once
per frame; an accepted block is appended durably, then fed to one
:class:`~spinecoach.sensors.LumbarMonitor` (the same code as the batch analysis), and the
feedback functions turn what the monitor shows into messages. At the end, clean or not, the
recording is finished and its analysis is the monitor's ``finish()``, which equals the batch
analysis of the saved file. :class:`RecordingSink` is the seam to the clinic's record.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from spinecoach.errors import SensorDataError
from spinecoach.live.devices import DeviceGrant
from spinecoach.live.feedback import (
    DEFAULT_FEEDBACK,
    ExerciseProgress,
    FeedbackEvent,
    FeedbackSettings,
    HoldTarget,
    PostureProgress,
    RepTarget,
    exercise_feedback,
    exercise_view,
    posture_feedback,
)
from spinecoach.live.frames import (
    FrameError,
    SampleArrays,
    SamplesFrame,
    StartFrame,
    block_from_frame,
)
from spinecoach.live.journal import JournalInfo, RecordingJournal
from spinecoach.live.reading import MonitorReader, MonitorReading
from spinecoach.sensors.monitor import Analysis, LumbarMonitor
from spinecoach.sensors.recording import Recording, SensorSamples
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings
from spinecoach.sensors.validation import RecordingValidator

__all__ = [
    "Ending",
    "FileRecordingSink",
    "FinishedRecording",
    "LiveSession",
    "MemoryRecordingSink",
    "RecordingSink",
    "StreamError",
]

Ending = Literal["end", "dropped", "fault", "replaced", "revoked", "shutdown", "recovered"]
UNIT_WINDOW_S = 2.0
"""The gyro-against-tilt unit check runs on windows this long (it needs several 0.5 s windows)."""
RECENT_EVENTS = 20
"""Alerts and cues kept in the state a page gets on (re)connecting."""


class StreamError(SensorDataError):
    """The stream cannot go on (e.g. the calibration failed): it is closed, the data kept."""


@dataclass(frozen=True)
class FinishedRecording:
    """A finished live recording: where it is, whose, and its analysis (or why there is none)."""

    patient_id: str
    device_id: str
    session_id: str
    path: Path
    samples: int
    refused_frames: int
    ending: Ending
    analysis: Analysis | None
    problem: str | None


class RecordingSink(Protocol):
    """Receives every finished live recording (the clinic files it like an upload)."""

    def recording_finished(self, finished: FinishedRecording) -> None: ...


@dataclass
class MemoryRecordingSink:
    """Keeps finished recordings in a list (tests)."""

    finished: list[FinishedRecording] = field(default_factory=list)

    def recording_finished(self, finished: FinishedRecording) -> None:
        self.finished.append(finished)


class FileRecordingSink:
    """Writes ``<session>.analysis.json`` beside each recording and a line to ``finished.jsonl``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def recording_finished(self, finished: FinishedRecording) -> None:
        summary = {
            "patient": finished.patient_id,
            "device": finished.device_id,
            "session": finished.session_id,
            "recording": str(finished.path),
            "samples": finished.samples,
            "refused_frames": finished.refused_frames,
            "ending": finished.ending,
            "problem": finished.problem,
        }
        analysis = finished.analysis.model_dump(mode="json") if finished.analysis else None
        out = finished.path.with_name(f"{finished.session_id}.analysis.json")
        out.write_text(json.dumps(summary | {"analysis": analysis}, indent=1), encoding="utf-8")
        with (self.data_dir / "finished.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(summary) + "\n")


def new_session_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(4)


class LiveSession:
    """The live session of one device stream, from its start frame to :meth:`finish`."""

    def __init__(
        self,
        grant: DeviceGrant,
        start: StartFrame,
        data_dir: Path,
        *,
        settings: SensorSettings = DEFAULT_SETTINGS,
        policy: FeedbackSettings = DEFAULT_FEEDBACK,
        session_id: str | None = None,
    ) -> None:
        self.grant = grant
        self.start = start
        self.settings = settings
        self.policy = policy
        self.id = session_id or new_session_id()
        info = JournalInfo(
            session_id=self.id,
            patient_id=grant.patient_id,
            device_id=grant.device_id,
            rate_hz=start.rate_hz,
            sensors=tuple(start.sensors),
            magnetometer=start.magnetometer,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self.journal = RecordingJournal(data_dir / _safe(grant.device_id), info)
        self.monitor = LumbarMonitor(settings)
        self.reader = MonitorReader(self.monitor)
        self.gate = RecordingValidator(start.rate_hz, settings)
        self.units = RecordingValidator(start.rate_hz, settings)
        self._unit_window: list[Recording] = []
        self.first_t: float | None = None
        self.last_t: float | None = None
        self.refused = 0
        self.fault: str | None = None
        self.exercise: ExerciseProgress | None = (
            ExerciseProgress(start.exercise) if start.exercise else None
        )
        self.posture = PostureProgress()
        self.reading = MonitorReading(calibrating=True, t_s=None)
        self.recent: list[FeedbackEvent] = []
        self._recent_view: list[dict[str, Any]] = []  # ``recent`` as the state shows it
        self.ended: Ending | None = None

    # --- the stream ---
    def receive(self, frame: SamplesFrame | SampleArrays) -> list[FeedbackEvent]:
        """Keep and analyse one block; :class:`FrameError` leaves nothing behind.

        Raises :class:`StreamError` after keeping the block when the stream cannot go on.
        """
        if self.fault is not None:
            raise StreamError(self.fault)
        try:
            block = block_from_frame(frame, self.start, self.last_t, self.journal.samples + 1)
            if not self.monitor.check(block):  # once calibrated, the monitor's check is the gate
                self.gate.check(block)
        except (FrameError, SensorDataError) as exc:
            self.refused += 1
            raise FrameError(f"frame {frame.seq}: {exc}") from None
        self.journal.append(block)  # kept before it is analysed
        if self.first_t is None:
            self.first_t = float(block.t[0])
        self.last_t = float(block.t[-1])
        try:
            self._check_units(block)
            alerts = self.monitor.feed(block)
        except SensorDataError as exc:
            self.fault = str(exc)
            raise StreamError(self.fault) from None
        self.reading = self.reader.read(self.first_t, alerts)
        return self._feedback()

    def _check_units(self, block: Recording) -> None:
        """The gyro-against-tilt check needs seconds of data; frames are shorter. The rest of
        the recording check has passed frame by frame; once every gyro has been seen to turn
        in rad/s there is nothing left to check here."""
        if self.units.units_confirmed(block.sensors):
            self._unit_window = []
            return
        self._unit_window.append(block)
        span = float(self._unit_window[-1].t[-1] - self._unit_window[0].t[0])
        if span >= UNIT_WINDOW_S:
            window, self._unit_window = _join(self._unit_window), []
            self.units.check_units(window)

    def _feedback(self) -> list[FeedbackEvent]:
        self.posture, events = posture_feedback(self.posture, self.reading, self.settings)
        if self.exercise is not None:
            self.exercise, more = exercise_feedback(self.exercise, self.reading, self.policy)
            events += more
        kept = [e for e in events if e.type in {"alert", "cue"}]
        if kept:  # dumped once here, not in every state message
            self.recent = (self.recent + kept)[-RECENT_EVENTS:]
            self._recent_view = [e.model_dump() for e in self.recent]
        return events

    def set_exercise(self, target: HoldTarget | RepTarget | None) -> None:
        """Enter exercise mode with ``target`` (counts start at zero), or back to posture mode."""
        self.exercise = ExerciseProgress(target) if target is not None else None

    # --- what the page shows ---
    def state(self) -> dict[str, Any]:
        """The whole live state (what a page gets on connecting, then after every block)."""
        r = self.reading
        status = "ended" if self.ended else "calibrating" if r.calibrating else "live"
        angle = (
            dict(
                zip(
                    ("flexion", "lateral", "rotation"),
                    map(_r1, r.angles_deg[-1].tolist()),
                    strict=True,
                )
            )
            if len(r.angles_deg)
            else None
        )
        step = max(1, len(r.angle_t_s) // 3)
        trace = [  # rows as Python floats first: the same values, rounded the same way
            [_r3(t), *map(_r1, a)]
            for t, a in zip(
                r.angle_t_s[::step].tolist(), r.angles_deg[::step].tolist(), strict=True
            )
        ]
        return {
            "session": self.id,
            "device": self.grant.device_id,
            "status": status,
            "mode": "exercise" if self.exercise is not None else "posture",
            "t_s": r.t_s,
            "angle_deg": angle,
            "trace": trace,
            "exercise": exercise_view(self.exercise) if self.exercise is not None else None,
            "time_in_zones_s": r.time_in_zones_s,
            "recent": list(self._recent_view),
            "calibration_note": (
                f"stand still for {self.settings.calibration_s:g} s, then bend forward once"
                if r.calibrating
                else None
            ),
        }

    # --- the end ---
    def finish(self, ending: Ending) -> FinishedRecording:
        """Close the recording and analyse it (once); the analysis is the monitor's summary."""
        self.ended = ending
        path = self.journal.close()
        analysis: Analysis | None = None
        problem = self.fault
        if path is not None and problem is None:
            try:
                analysis = self.monitor.finish()
            except SensorDataError as exc:
                problem = str(exc)
        return FinishedRecording(
            patient_id=self.grant.patient_id,
            device_id=self.grant.device_id,
            session_id=self.id,
            path=path if path is not None else self.journal.final,
            samples=self.journal.samples,
            refused_frames=self.refused,
            ending=ending if self.fault is None else "fault",
            analysis=analysis,
            problem=problem,
        )


def _join(blocks: list[Recording]) -> Recording:
    """Consecutive blocks as one (for checks that need a longer window)."""
    sensors = {}
    for name, first in blocks[0].sensors.items():
        parts = [b.sensors[name] for b in blocks]
        mag = (
            None
            if first.mag is None
            else np.concatenate([p.mag for p in parts if p.mag is not None])
        )
        sensors[name] = SensorSamples(
            np.concatenate([p.acc for p in parts]), np.concatenate([p.gyr for p in parts]), mag
        )
    return Recording(np.concatenate([b.t for b in blocks]), sensors, blocks[0].first_row)


def _safe(name: str) -> str:
    """A device id as a folder name (ids are chosen by the clinic; keep them harmless)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).lstrip(".") or "device"


def _r1(x: float) -> float:
    return round(float(x), 1)


def _r3(x: float) -> float:
    return round(float(x), 3)
