"""What is read from a live monitor agrees with the monitor's own batch results."""

from __future__ import annotations

import numpy as np
import pytest

from spinecoach.live.reading import MonitorReader
from spinecoach.sensors.monitor import LumbarMonitor
from spinecoach.simulate.recording import SyntheticRecording, simulate_recording


def _read_all(syn: SyntheticRecording, block: int = 25) -> tuple[MonitorReader, list]:  # type: ignore[type-arg]
    monitor = LumbarMonitor()
    reader = MonitorReader(monitor)
    rec = syn.recording
    readings = []
    for a in range(0, len(rec), block):
        alerts = monitor.feed(rec.slice(a, a + block))
        readings.append(reader.read(float(rec.t[0]), alerts))
    return reader, readings


def test_readings_carry_every_rep_the_analysis_reports(forward_bends: SyntheticRecording) -> None:
    reader, readings = _read_all(forward_bends)
    reps = [r for reading in readings for r in reading.reps]
    analysis = reader.monitor.finish()
    batch = [rep for s in analysis.reps.sets for rep in s.reps]
    assert [(r.direction, r.start_s) for r in reps] == [(b.direction, b.start_s) for b in batch]
    assert [abs(r.peak_deg) for r in reps] == pytest.approx(
        [b.amplitude_deg for b in batch], abs=0.01
    )


def test_each_reading_has_the_angles_of_its_block_only(forward_bends: SyntheticRecording) -> None:
    reader, readings = _read_all(forward_bends)
    live = [r for r in readings if not r.calibrating]
    assert live[0].calibrating is False
    assert all(len(r.angle_t_s) <= 7 for r in live[1:])  # 25 samples at 100 Hz, read at 25 Hz
    t, _ = reader.monitor.angles()
    assert len(t) == 0  # nothing accumulates in a day-long session
    times = np.concatenate([r.angle_t_s for r in live])
    assert len(times) == pytest.approx(len(forward_bends.recording) / 4, abs=2)
    assert np.all(np.diff(times) == pytest.approx(0.04))  # every 4th sample, none twice


def test_the_angles_read_are_the_monitors_angles(forward_bends: SyntheticRecording) -> None:
    """The live angles are the batch angle file's (kept at 100 Hz), every 4th sample."""
    rec = forward_bends.recording
    _, readings = _read_all(forward_bends)
    live = [r for r in readings if not r.calibrating]
    batch = LumbarMonitor(keep_angles=True)
    batch.feed(rec)
    t, angles = batch.angles()
    got_t = np.concatenate([r.angle_t_s for r in live])
    got = np.concatenate([r.angles_deg for r in live])
    np.testing.assert_allclose(got_t, (t - rec.t[0])[::4][: len(got_t)], atol=1e-9)
    np.testing.assert_allclose(got, angles[::4][: len(got)], atol=1e-3)


def test_zones_and_holds_at_the_end_match_the_analysis() -> None:
    syn = simulate_recording("bird-dog", seed=1)
    reader, readings = _read_all(syn)
    analysis = reader.monitor.finish()
    assert readings[-1].holds_done == analysis.quality.hold_count - (
        1 if readings[-1].hold_start_s is not None else 0
    )
    assert readings[-1].time_in_zones_s == pytest.approx(analysis.posture.time_in_zones_s, abs=0.05)
