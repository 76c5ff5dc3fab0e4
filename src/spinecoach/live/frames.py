"""The wire format a sensor gateway streams in, checked as data before anything is kept.

A stream is JSON text messages: one ``start`` frame (declared sample rate, sensors, magnetometer,
optionally the patient and an exercise), then ``samples`` frames (a block of samples in the
canonical units and worn frame of DESIGN.md section 3: ``t`` in s, ``acc`` m/s², ``gyr`` rad/s,
``mag`` µT, sensors ``lumbar`` and ``sacrum``), then an ``end`` frame. A frame that cannot be
used raises :class:`FrameError` with one line naming the field; the stream goes on.

:func:`read_frame` is the server's decoder: a well-formed samples frame goes straight from
JSON (orjson) to arrays, checked by shape and type as a block; anything else (start and end
frames, and any samples frame the fast path does not take as it is) goes through the pydantic
models, which accept the same frames and name the field at fault in those they refuse.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
import orjson
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
    "SampleArrays",
    "SamplesFrame",
    "SensorBlock",
    "StartFrame",
    "arrays_of",
    "block_from_frame",
    "decode_frame",
    "frame_schema",
    "gateway_frames",
    "read_frame",
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


@dataclass(frozen=True)
class SampleArrays:
    """A samples frame as arrays: ``t`` (N,), and per sensor acc, gyr and mag (or None), each
    (rows, 3) float64; the row counts are checked against ``t`` with the stream's checks."""

    seq: int
    t: FloatArray
    sensors: dict[str, tuple[FloatArray, FloatArray, FloatArray | None]]


_SAMPLES_KEYS = frozenset({"type", "seq", "t", "sensors"})
_BLOCK_KEYS = frozenset({"acc", "gyr", "mag"})


def read_frame(raw: str | bytes) -> StartFrame | SampleArrays | EndFrame:
    """Parse one message as the server does: samples straight to arrays when well formed.

    The same frames are accepted, with the same values, as by :func:`decode_frame` (which
    names the field at fault in a refused one).
    """
    if len(raw) > MAX_FRAME_BYTES:
        decode_frame(raw)  # raises, naming the size
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = None
    if isinstance(data, dict) and data.get("type") == "samples":
        fast = _samples_fast(data)
        if fast is not None:
            return fast
    frame = decode_frame(raw)
    return arrays_of(frame) if isinstance(frame, SamplesFrame) else frame


def _numbers(value: object, ndim: int) -> FloatArray | None:
    """``value`` as float64 when it is a list of numbers (ndim 1) or of triples (ndim 2)."""
    if not isinstance(value, list) or not value:
        return None
    try:
        arr = np.array(value)
    except (ValueError, TypeError):
        return None
    if arr.dtype.kind not in "fi" or arr.ndim != ndim or (ndim == 2 and arr.shape[1] != 3):
        return None
    return arr.astype(np.float64, copy=False)


def _samples_fast(data: dict[str, Any]) -> SampleArrays | None:
    """The frame as arrays, or None to let the models decide (odd or wrong in any way)."""
    seq, sensors = data.get("seq"), data.get("sensors")
    if data.keys() != _SAMPLES_KEYS or type(seq) is not int or seq < 0:
        return None
    if not isinstance(sensors, dict):
        return None
    t = _numbers(data["t"], 1)
    if t is None:
        return None
    out: dict[str, tuple[FloatArray, FloatArray, FloatArray | None]] = {}
    for name, block in sensors.items():
        if not isinstance(block, dict) or not block.keys() <= _BLOCK_KEYS:
            return None
        acc, gyr = _numbers(block.get("acc"), 2), _numbers(block.get("gyr"), 2)
        raw_mag = block.get("mag")
        mag = None if raw_mag is None else _numbers(raw_mag, 2)
        if acc is None or gyr is None or (raw_mag is not None and mag is None):
            return None
        out[name] = (acc, gyr, mag)
    return SampleArrays(seq, t, out)


def _array(rows: list[Triple]) -> FloatArray:
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), 3)


def arrays_of(frame: SamplesFrame) -> SampleArrays:
    """A decoded samples frame as arrays."""
    return SampleArrays(
        frame.seq,
        np.asarray(frame.t, dtype=np.float64),
        {
            name: (
                _array(b.acc),
                _array(b.gyr),
                _array(b.mag) if b.mag is not None else None,
            )
            for name, b in frame.sensors.items()
        },
    )


def block_from_frame(
    frame: SamplesFrame | SampleArrays, start: StartFrame, last_t: float | None, first_row: int
) -> Recording:
    """The frame's samples as a recording block, after the checks only the stream can make.

    Checks: the declared sensors (and magnetometer) are all there, every column has one row per
    time stamp, the block is not longer than :data:`MAX_FRAME_S`, its samples do not come far
    faster than the declared rate, and the accelerometer is not in g. Time order, finite values,
    gyro units and clipping are the recording validator's (see ``sensors.validation``).
    """
    arrays = arrays_of(frame) if isinstance(frame, SamplesFrame) else frame
    t = arrays.t
    n = len(t)
    declared = set(start.sensors)
    for name in arrays.sensors:
        if name not in declared:
            known = (
                "a known sensor" if name in SENSOR_NAMES else f"one of {', '.join(SENSOR_NAMES)}"
            )
            raise FrameError(
                f"field sensors.{name}: not declared in the start frame "
                f"(declared: {', '.join(start.sensors)}; {known})"
            )
    if n > MAX_FRAME_S * start.rate_hz:
        raise FrameError(
            f"field t: {n} samples is more than {MAX_FRAME_S:g} s at the declared "
            f"{start.rate_hz:g} Hz; send smaller blocks"
        )
    sensors: dict[str, SensorSamples] = {}
    for name in start.sensors:
        block = arrays.sensors.get(name)
        if block is None:
            raise FrameError(f"field sensors.{name}: missing (declared in the start frame)")
        for quantity, rows in zip(("acc", "gyr", "mag"), block, strict=True):
            if quantity == "mag" and (rows is None) == start.magnetometer:
                said = "declared" if start.magnetometer else "not declared"
                raise FrameError(
                    f"field sensors.{name}.mag: magnetometer {said} in the start frame"
                )
            if rows is not None and len(rows) != n:
                raise FrameError(f"field sensors.{name}.{quantity}: {len(rows)} rows but t has {n}")
        samples = SensorSamples(*block)
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
    # np.mean's own arithmetic (one pairwise sum, divided by the count) without its wrapper
    norm = float(np.add.reduce(np.sqrt(np.einsum("ij,ij->i", acc, acc))) / len(acc))
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
