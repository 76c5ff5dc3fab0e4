"""The wire format a sensor gateway streams in, checked as data before anything is kept.

A stream is JSON text messages: one ``start`` frame (declared sample rate, sensors, magnetometer,
optionally the patient and an exercise), then ``samples`` frames (a block of samples in the
canonical units and worn frame of DESIGN.md section 3: ``t`` in s, ``acc`` m/s², ``gyr`` rad/s,
``mag`` µT, sensors ``lumbar`` and ``sacrum``), then an ``end`` frame. A frame that cannot be
used raises :class:`FrameError` with one line naming the field; the stream goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from spinecoach.errors import InputError
from spinecoach.live.feedback import ExerciseTarget
from spinecoach.sensors.recording import SENSOR_NAMES, FloatArray, Recording, SensorSamples
from spinecoach.sensors.settings import DEFAULT_SETTINGS

__all__ = [
    "MAX_FRAME_BYTES",
    "MAX_FRAME_S",
    "RATE_TOLERANCE",
    "EndFrame",
    "Frame",
    "FrameError",
    "SamplesFrame",
    "SensorBlock",
    "StartFrame",
    "block_from_frame",
    "decode_frame",
    "frame_schema",
    "gateway_frames",
    "start_frame_for",
]

MAX_FRAME_BYTES = 1_000_000
"""Largest frame accepted (bytes of JSON): about 10 s of two sensors at 1000 Hz with mag."""
MAX_FRAME_S = 10.0
"""Longest block in one frame (s): a gateway sends a few blocks a second for live feedback."""
RATE_TOLERANCE = 1.5
"""A block whose samples come this many times faster than the declared rate is refused."""
G_LIKE = (0.8, 1.2)
"""Mean |acc| of a block in this range means the accelerometer is in g, not m/s²: the same bounds as the
calibration's unit check in ``spinecoach.sensors.calibration`` (which needs quiet standing)."""

Triple = tuple[float, float, float]


class FrameError(InputError):
    """A frame was not used: the message names the field at fault; the stream goes on."""


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StartFrame(_Frame):
    """Opens a stream: what the gateway will send, and for whom."""

    type: Literal["start"]
    rate_hz: float = Field(
        ge=DEFAULT_SETTINGS.min_rate_hz,
        le=DEFAULT_SETTINGS.max_rate_hz,
        description="declared sample rate (Hz) of every sensor",
    )
    sensors: list[Literal["lumbar", "sacrum"]] = Field(min_length=1, max_length=2)
    magnetometer: bool = Field(default=False, description="every block carries mag (µT)")
    patient: str | None = Field(
        default=None, description="the patient the gateway believes it streams for (checked)"
    )
    exercise: ExerciseTarget | None = Field(default=None, description="start in exercise mode")

    @model_validator(mode="after")
    def _lumbar_once(self) -> StartFrame:
        if len(set(self.sensors)) != len(self.sensors):
            raise ValueError("a sensor is listed twice")
        if "lumbar" not in self.sensors:
            raise ValueError("the lumbar sensor is required (the angles are measured there)")
        return self


class SensorBlock(_Frame):
    """One sensor's samples of a block, rows matching ``t``: acc m/s², gyr rad/s, mag µT."""

    acc: list[Triple]
    gyr: list[Triple]
    mag: list[Triple] | None = None


class SamplesFrame(_Frame):
    """A block of samples; ``seq`` numbers the frames of a stream from 0."""

    type: Literal["samples"]
    seq: int = Field(ge=0)
    t: list[float] = Field(min_length=1, description="time stamps in seconds")
    sensors: dict[str, SensorBlock]


class EndFrame(_Frame):
    """Closes a stream cleanly: the recording is finished and analysed."""

    type: Literal["end"]


Frame = Annotated[StartFrame | SamplesFrame | EndFrame, Field(discriminator="type")]
_FRAME: TypeAdapter[StartFrame | SamplesFrame | EndFrame] = TypeAdapter(Frame)


def _where(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in {"start", "samples", "end"}]
    return ".".join(parts) or "frame"


def decode_frame(raw: str | bytes) -> StartFrame | SamplesFrame | EndFrame:
    """Parse one JSON message; raises :class:`FrameError` naming the field at fault."""
    if len(raw) > MAX_FRAME_BYTES:
        raise FrameError(
            f"frame: {len(raw)} bytes is over the {MAX_FRAME_BYTES} byte limit; send smaller blocks"
        )
    try:
        return _FRAME.validate_json(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        if err["type"] == "json_invalid":
            raise FrameError(f"frame: not valid JSON ({err['msg']})") from None
        if err["type"] in {"union_tag_not_found", "union_tag_invalid", "dict_type"}:
            raise FrameError(
                "field type: a frame is a JSON object with type start, samples or end"
            ) from None
        raise FrameError(f"field {_where(err['loc'])}: {err['msg']}") from None


def _array(rows: list[Triple]) -> FloatArray:
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), 3)


def block_from_frame(
    frame: SamplesFrame, start: StartFrame, last_t: float | None, first_row: int
) -> Recording:
    """The frame's samples as a recording block, after the checks only the stream can make.

    Checks: the declared sensors (and magnetometer) are all there, every column has one row per
    time stamp, the block is not longer than :data:`MAX_FRAME_S`, its samples do not come far
    faster than the declared rate, and the accelerometer is not in g. Time order, finite values,
    gyro units and clipping are the recording validator's (see ``sensors.validation``).
    """
    n = len(frame.t)
    declared = set(start.sensors)
    for name in frame.sensors:
        if name not in declared:
            known = (
                "a known sensor" if name in SENSOR_NAMES else f"one of {', '.join(SENSOR_NAMES)}"
            )
            raise FrameError(
                f"field sensors.{name}: not declared in the start frame "
                f"(declared: {', '.join(start.sensors)}; {known})"
            )
    t = np.asarray(frame.t, dtype=np.float64)
    if n > MAX_FRAME_S * start.rate_hz:
        raise FrameError(
            f"field t: {n} samples is more than {MAX_FRAME_S:g} s at the declared "
            f"{start.rate_hz:g} Hz; send smaller blocks"
        )
    sensors: dict[str, SensorSamples] = {}
    for name in start.sensors:
        block = frame.sensors.get(name)
        if block is None:
            raise FrameError(f"field sensors.{name}: missing (declared in the start frame)")
        for quantity, rows in (("acc", block.acc), ("gyr", block.gyr), ("mag", block.mag)):
            if quantity == "mag" and (rows is None) == start.magnetometer:
                said = "declared" if start.magnetometer else "not declared"
                raise FrameError(
                    f"field sensors.{name}.mag: magnetometer {said} in the start frame"
                )
            if rows is not None and len(rows) != n:
                raise FrameError(f"field sensors.{name}.{quantity}: {len(rows)} rows but t has {n}")
        samples = SensorSamples(
            _array(block.acc),
            _array(block.gyr),
            _array(block.mag) if block.mag is not None else None,
        )
        _check_acc_not_g(name, samples.acc)
        sensors[name] = samples
    _check_rate(t, start.rate_hz, last_t)
    return Recording(t, sensors, first_row)


def _check_rate(t: FloatArray, declared_hz: float, last_t: float | None) -> None:
    """Samples per second of stream time, counted from the previous block's last sample."""
    if last_t is not None:
        span, count = float(t[-1]) - last_t, len(t)
    else:
        span, count = float(t[-1] - t[0]), len(t) - 1
    if count < 1 or span <= 0 or not np.isfinite(span):
        return  # order and finiteness are the validator's to name
    rate = count / span
    if rate > RATE_TOLERANCE * declared_hz:
        raise FrameError(
            f"field t: {count} samples in {span:.3g} s is {rate:.0f} Hz, far above the declared "
            f"{declared_hz:g} Hz"
        )


def _check_acc_not_g(name: str, acc: FloatArray) -> None:
    if len(acc) == 0:
        return
    norm = float(np.sqrt(np.einsum("ij,ij->i", acc, acc)).mean())
    if G_LIKE[0] <= norm <= G_LIKE[1]:
        raise FrameError(
            f"field sensors.{name}.acc: |acc| is about {norm:.2f}, which looks like g; "
            "give m/s² (multiply by 9.81)"
        )


def frame_schema() -> dict[str, object]:
    """JSON Schema of one frame of the live stream (start, samples or end)."""
    schema = _FRAME.json_schema()
    schema["title"] = "LiveFrame"
    schema["description"] = (
        "One JSON text message from a sensor gateway: a start frame, then samples frames "
        "(t in s; acc m/s², gyr rad/s, mag µT per sensor, worn frame x cranial, y left, "
        "z posterior), then an end frame."
    )
    return schema


def start_frame_for(rec: Recording, rate_hz: float, **extra: Any) -> dict[str, Any]:
    """The start frame a gateway sends before streaming ``rec`` (as a JSON-ready dict)."""
    return {
        "type": "start",
        "rate_hz": rate_hz,
        "sensors": list(rec.sensors),
        "magnetometer": all(s.mag is not None for s in rec.sensors.values()),
    } | extra


def gateway_frames(rec: Recording, block_s: float, rate_hz: float) -> Iterator[dict[str, Any]]:
    """``rec`` cut into samples frames of ``block_s`` seconds, as a gateway sends them."""
    step = max(1, round(block_s * rate_hz))
    for seq, a in enumerate(range(0, len(rec), step)):
        part = rec.slice(a, min(len(rec), a + step))
        sensors: dict[str, Any] = {}
        for name, s in part.sensors.items():
            sensors[name] = {"acc": s.acc.tolist(), "gyr": s.gyr.tolist()}
            if s.mag is not None:
                sensors[name]["mag"] = s.mag.tolist()
        yield {"type": "samples", "seq": seq, "t": part.t.tolist(), "sensors": sensors}
