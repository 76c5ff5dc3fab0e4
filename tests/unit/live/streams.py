"""Helpers to stream synthetic recordings through live sessions (unit and integration tests)."""

from __future__ import annotations

import json

import pytest

from spinecoach.live.devices import DeviceGrant
from spinecoach.live.feedback import FeedbackEvent
from spinecoach.live.frames import (
    SamplesFrame,
    StartFrame,
    decode_frame,
    gateway_frames,
    start_frame_for,
)
from spinecoach.live.session import LiveSession
from spinecoach.sensors.recording import Recording

GRANT = DeviceGrant("patient-1", "dev-1", frozenset({"stream", "feedback"}))


def start_of(rec: Recording, **extra: object) -> StartFrame:
    frame = decode_frame(json.dumps(start_frame_for(rec, 100.0, **extra)))
    assert isinstance(frame, StartFrame)
    return frame


def frames_of(rec: Recording, block_s: float = 0.25) -> list[SamplesFrame]:
    out = []
    for raw in gateway_frames(rec, block_s, 100.0):
        frame = decode_frame(json.dumps(raw))
        assert isinstance(frame, SamplesFrame)
        out.append(frame)
    return out


def stream(
    session: LiveSession, rec: Recording, block_s: float = 0.25
) -> list[tuple[float, list[FeedbackEvent]]]:
    """Feed every block; returns (stream time of the block's last sample, its events)."""
    out = []
    for frame in frames_of(rec, block_s):
        events = session.receive(frame)
        out.append((frame.t[-1] - rec.t[0], events))
    return out


def assert_same(a: object, b: object) -> None:
    """Equal analyses: same structure and counts, floats within their rounding (as batch tests)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, abs=0.011)
    else:
        assert a == b
