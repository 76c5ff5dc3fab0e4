"""Streaming equals batch: the same samples fed in blocks give the same results and alerts."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinecoach.sensors import repetitions
from spinecoach.sensors.monitor import LumbarMonitor, analyze
from spinecoach.sensors.orientation import OrientationFilter
from spinecoach.sensors.recording import Recording
from spinecoach.sensors.repetitions import _AxisDetector
from spinecoach.sensors.settings import SensorSettings
from spinecoach.simulate.recording import SyntheticRecording, simulate_recording

SHORT_ALERTS = SensorSettings(
    sustained_min_s=10.0, slouch_alert_s=20.0, alert_refractory_s=5.0, realign_every_s=120.0
)


def _blocks(rec: Recording, cuts: list[int]) -> list[Recording]:
    edges = [0, *sorted({c for c in cuts if 0 < c < len(rec)}), len(rec)]
    return [rec.slice(a, b) for a, b in pairwise(edges)]


def _close(a: object, b: object) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys()
        for k in a:
            _close(a[k], b[k])
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _close(x, y)
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, abs=0.011)
    else:
        assert a == b


@pytest.fixture(scope="module")
def day() -> SyntheticRecording:
    return simulate_recording("day", seconds=900, seed=4)


@settings(max_examples=12, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=90_000), min_size=1, max_size=25))
def test_blocks_give_the_batch_result(day: SyntheticRecording, cuts: list[int]) -> None:
    batch = LumbarMonitor(SHORT_ALERTS)
    batch_alerts = batch.feed(day.recording)
    stream = LumbarMonitor(SHORT_ALERTS)
    stream_alerts = [a for block in _blocks(day.recording, cuts) for a in stream.feed(block)]
    assert [a.model_dump() for a in stream_alerts] == [a.model_dump() for a in batch_alerts]
    _close(stream.finish().model_dump(), batch.finish().model_dump())


def test_alerts_arrive_with_the_block_that_crosses_the_threshold(
    sit_stand: SyntheticRecording,
) -> None:
    live = replace(SHORT_ALERTS, flexion_axis_from_bend=False)  # no wait for a forward bend
    monitor = LumbarMonitor(live)
    rec = sit_stand.recording
    arrived: list[tuple[float, float]] = []
    for block in _blocks(rec, list(range(100, len(rec), 100))):  # 1 s blocks, as live
        for alert in monitor.feed(block):
            arrived.append((alert.t_s, float(block.t[-1])))
    kinds = [a.kind for a in monitor.finish().posture.alerts]
    assert "sustained_flexion" in kinds
    assert "slouch" in kinds
    for at, block_end in arrived:
        assert block_end - at <= 1.0  # latency bounded by the block length


def test_vqf_in_blocks_is_exactly_vqf_at_once(forward_bends: SyntheticRecording) -> None:
    s = forward_bends.recording.sensors["lumbar"]
    whole = OrientationFilter(100.0).update(s.gyr, s.acc)
    f = OrientationFilter(100.0)
    parts = [f.update(s.gyr[a : a + 333], s.acc[a : a + 333]) for a in range(0, len(s), 333)]
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_batch_function_takes_blocks(forward_bends: SyntheticRecording) -> None:
    rec = forward_bends.recording
    whole = analyze(rec)
    parts = analyze(_blocks(rec, [250, 4000]))
    _close(parts.model_dump(), whole.model_dump())


def test_the_wait_for_a_forward_bend_delays_only_the_start(sit_stand: SyntheticRecording) -> None:
    monitor = LumbarMonitor(SHORT_ALERTS)
    rec = sit_stand.recording
    first_output = None
    for block in _blocks(rec, list(range(100, len(rec), 100))):
        monitor.feed(block)
        if first_output is None and monitor.samples_processed:
            first_output = float(block.t[-1])
    wait = SHORT_ALERTS.calibration_s + SHORT_ALERTS.bend_search_s
    assert first_output == pytest.approx(wait, abs=1.0)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_excursions_of_few_samples_are_those_of_the_array_path(seed: int) -> None:
    """Live frames' few samples are scanned in plain floats: the same excursions, states and
    peaks as the array path given the same blocks."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(60, 400))
    x = np.cumsum(rng.normal(0, 3, n))
    x = np.round(x - x.mean()) if seed % 2 else x - x.mean()  # ties for the peak search too
    t = np.arange(n) / 25.0
    cuts = np.cumsum(rng.integers(1, 30, n))
    edges = [0, *[int(c) for c in cuts if c < n], n]
    found = []
    for few in (-1, 10**6):
        detector, events = _AxisDetector(15.0, 7.0), []
        with patch.object(repetitions, "FEW", few):
            for a, b in pairwise(edges):
                events += [vars(e).copy() for e in detector.feed(t[a:b], x[a:b])]
        active = None if detector.active is None else vars(detector.active)
        found.append((events, detector.state, detector.last_in_t, active))
    assert found[0] == found[1]
