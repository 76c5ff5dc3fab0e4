"""The wire format: every bad frame is refused with one line naming the field."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spinecoach.live.frames import (
    MAX_FRAME_BYTES,
    EndFrame,
    FrameError,
    SampleArrays,
    SamplesFrame,
    StartFrame,
    block_from_frame,
    decode_frame,
    frame_schema,
    gateway_frames,
    read_frame,
    start_frame_for,
)
from spinecoach.simulate.recording import simulate_recording

REC = simulate_recording("standing", seconds=12, seed=1).recording


def _start(**extra: object) -> StartFrame:
    frame = decode_frame(json.dumps(start_frame_for(REC, 100.0, **extra)))
    assert isinstance(frame, StartFrame)
    return frame


def _samples(seconds: float = 0.5) -> dict[str, object]:
    return next(gateway_frames(REC, seconds, 100.0))


def test_the_three_kinds_decode() -> None:
    assert isinstance(_start(), StartFrame)
    assert isinstance(decode_frame(json.dumps(_samples())), SamplesFrame)
    assert isinstance(decode_frame('{"type": "end"}'), EndFrame)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "frame: not valid JSON"),
        ('["samples"]', "field type"),
        ('{"type": "hello"}', "field type"),
        ('{"type": "start", "rate_hz": 5, "sensors": ["lumbar"]}', "field rate_hz"),
        ('{"type": "start", "rate_hz": 100, "sensors": ["sacrum"]}', "lumbar sensor is required"),
        ('{"type": "start", "rate_hz": 100, "sensors": ["neck"]}', "field sensors.0"),
        ('{"type": "samples", "seq": 0, "t": [], "sensors": {}}', "field t"),
        ('{"type": "samples", "seq": -1, "t": [0], "sensors": {}}', "field seq"),
        (
            '{"type": "samples", "seq": 0, "t": [0], "sensors": {"lumbar": {"acc": [[1, 2]], "gyr": [[0, 0, 0]]}}}',
            "field sensors.lumbar.acc.0",
        ),
        (
            '{"type": "samples", "seq": 0, "t": ["soon"], "sensors": {}}',
            "field t.0",
        ),
    ],
)
def test_malformed_frames_name_the_field(raw: str, reason: str) -> None:
    with pytest.raises(FrameError, match=reason) as err:
        decode_frame(raw)
    assert "\n" not in str(err.value)


def test_oversized_frame_is_refused_before_parsing() -> None:
    with pytest.raises(FrameError, match="over the 1000000 byte limit"):
        decode_frame(" " * (MAX_FRAME_BYTES + 1))


def _block(frame: dict[str, object], start: StartFrame | None = None, last_t: float | None = None):  # type: ignore[no-untyped-def]
    decoded = decode_frame(json.dumps(frame))
    assert isinstance(decoded, SamplesFrame)
    return block_from_frame(decoded, start or _start(), last_t, 1)


def test_a_good_block_keeps_the_samples_exactly() -> None:
    block = _block(_samples())
    np.testing.assert_array_equal(block.t, REC.t[:50])
    np.testing.assert_array_equal(block.sensors["sacrum"].gyr, REC.sensors["sacrum"].gyr[:50])


def test_undeclared_and_missing_sensors_are_named() -> None:
    frame = _samples()
    one = _start(sensors=["lumbar"])
    with pytest.raises(FrameError, match=r"field sensors\.sacrum: not declared"):
        _block(frame, one)
    sensors = frame["sensors"]
    assert isinstance(sensors, dict)
    del sensors["sacrum"]
    with pytest.raises(FrameError, match=r"field sensors\.sacrum: missing"):
        _block(frame)


def test_row_counts_must_match_t() -> None:
    frame = _samples()
    frame["sensors"]["lumbar"]["gyr"].pop()  # type: ignore[index]
    with pytest.raises(FrameError, match=r"field sensors\.lumbar.gyr: 49 rows but t has 50"):
        _block(frame)


def test_magnetometer_must_be_as_declared() -> None:
    with pytest.raises(FrameError, match=r"field sensors\.lumbar.mag: magnetometer declared"):
        _block(_samples(), _start(magnetometer=True))


def test_acc_in_g_is_refused() -> None:
    frame = _samples()
    acc = np.asarray(frame["sensors"]["lumbar"]["acc"]) / 9.81  # type: ignore[index]
    frame["sensors"]["lumbar"]["acc"] = acc.tolist()  # type: ignore[index]
    with pytest.raises(FrameError, match=r"field sensors.lumbar.acc: .*looks like g"):
        _block(frame)


def test_rate_far_above_the_declared_one_is_refused() -> None:
    frame = _samples()
    frame["t"] = (np.asarray(frame["t"]) / 4).tolist()  # 400 Hz worth of time stamps
    with pytest.raises(FrameError, match="far above the declared 100 Hz"):
        _block(frame)
    # counted from the previous block's last sample, so a burst of late samples is caught too
    frame = _samples()
    with pytest.raises(FrameError, match="field t: 50 samples in"):
        _block(frame, last_t=float(REC.t[49]) - 0.1)


def test_a_block_longer_than_the_limit_is_refused() -> None:
    frame = next(gateway_frames(REC, 11.0, 100.0))
    with pytest.raises(FrameError, match="field t: 1100 samples is more than 10 s"):
        _block(frame)


def test_schema_describes_all_three_frames() -> None:
    text = json.dumps(frame_schema())
    for name in ("StartFrame", "SamplesFrame", "EndFrame", "rate_hz"):
        assert name in text


def test_the_servers_decoder_gives_the_models_values_to_the_bit() -> None:
    """read_frame (JSON straight to arrays) and decode_frame (pydantic) agree on every frame."""
    rec = simulate_recording("forward-bends", seconds=20, seed=3).recording
    start = _start()
    for raw in gateway_frames(rec, 0.1, 100.0):
        text = json.dumps(raw)
        fast = read_frame(text)
        assert isinstance(fast, SampleArrays)
        slow = decode_frame(text)
        assert isinstance(slow, SamplesFrame)
        a = block_from_frame(fast, start, None, 1)
        b = block_from_frame(slow, start, None, 1)
        assert fast.seq == slow.seq
        np.testing.assert_array_equal(a.t, b.t)
        for name in a.sensors:
            np.testing.assert_array_equal(a.sensors[name].acc, b.sensors[name].acc)
            np.testing.assert_array_equal(a.sensors[name].gyr, b.sensors[name].gyr)


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.update(t=[str(x) for x in f["t"]]),  # numbers as strings: the models take them
        lambda f: f["sensors"]["lumbar"].update(mag=None),  # an explicit null magnetometer
        lambda f: f.update(seq=float(f["seq"])),  # a whole number written as 0.0
    ],
)
def test_frames_off_the_fast_path_are_read_as_the_models_read_them(change: object) -> None:
    frame = _samples(0.1)
    assert callable(change)
    change(frame)
    text = json.dumps(frame)
    fast = read_frame(text)
    slow = decode_frame(text)
    assert isinstance(fast, SampleArrays)
    assert isinstance(slow, SamplesFrame)
    np.testing.assert_array_equal(fast.t, np.asarray(slow.t))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "frame: not valid JSON"),
        ('{"type": "samples", "seq": 0, "t": [], "sensors": {}}', "field t"),
        ('{"type": "samples", "seq": -1, "t": [0], "sensors": {}}', "field seq"),
        ('{"type": "samples", "seq": true, "t": [0], "sensors": {}, "x": 1}', "field"),
        (
            '{"type": "samples", "seq": 0, "t": [0], "sensors": {"lumbar": {"acc": [[1, 2]], "gyr": [[0, 0, 0]]}}}',
            "field sensors.lumbar.acc.0",
        ),
        (
            '{"type": "samples", "seq": 0, "t": [0], "sensors": {"lumbar": {"acc": [[1, 2, null]], "gyr": [[0, 0, 0]]}}}',
            "field sensors.lumbar.acc.0.2",
        ),
        (
            '{"type": "samples", "seq": 0, "t": [0, 1], "sensors": {"lumbar": {"acc": [[1, 2, 3], [1, 2]], "gyr": [[0, 0, 0]]}}}',
            "field sensors.lumbar.acc.1",
        ),
        ('{"type": "samples", "seq": 0, "t": ["soon"], "sensors": {}}', "field t.0"),
    ],
)
def test_the_servers_decoder_names_the_same_field(raw: str, reason: str) -> None:
    with pytest.raises(FrameError, match=reason) as err:
        read_frame(raw)
    with pytest.raises(FrameError) as models:
        decode_frame(raw)
    assert str(err.value) == str(models.value)
