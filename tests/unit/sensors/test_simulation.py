"""The synthetic recordings themselves: physics at rest, determinism, lengths, bad requests."""

from __future__ import annotations

import numpy as np
import pytest

from spinecoach.errors import InputError
from spinecoach.simulate.recording import SCENARIOS, Noise, simulate_recording

PERFECT = Noise(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def test_a_perfect_sensor_at_rest_reads_gravity_on_x() -> None:
    rec = simulate_recording("standing", seconds=10, noise=PERFECT, wobble_deg=0.0).recording
    for samples in rec.sensors.values():
        np.testing.assert_allclose(samples.acc, np.tile([9.81, 0.0, 0.0], (len(rec), 1)), atol=1e-9)
        np.testing.assert_allclose(samples.gyr, 0.0, atol=1e-12)


def test_gyro_integrates_to_the_simulated_bend() -> None:
    syn = simulate_recording("forward-bends", noise=PERFECT, seed=1)
    gyr_y = syn.recording.sensors["sacrum"].gyr[:, 1]
    first_bend = slice(800, 1000)  # 8 s standing, then a 4 s bend out and back: the way out
    pelvis_deg = np.degrees(np.sum(gyr_y[first_bend]) / 100.0)
    assert pelvis_deg == pytest.approx(0.6 * 45.0, abs=0.5)  # pelvis takes 60 % of the bend


def test_same_seed_same_recording() -> None:
    a = simulate_recording("bird-dog", seed=5).recording
    b = simulate_recording("bird-dog", seed=5).recording
    c = simulate_recording("bird-dog", seed=6).recording
    np.testing.assert_array_equal(a.sensors["lumbar"].gyr, b.sensors["lumbar"].gyr)
    assert not np.array_equal(a.sensors["lumbar"].gyr, c.sensors["lumbar"].gyr)


def test_day_has_the_asked_length_and_every_scenario_starts_standing() -> None:
    day = simulate_recording("day", seconds=1500, seed=1)
    assert len(day.recording) == 150_000
    assert [s.reps for s in day.sets] == [6, 6]  # one exercise set per ten-minute block
    for scenario in SCENARIOS:
        syn = simulate_recording(scenario, seconds=20, seed=1)
        assert np.abs(syn.truth_deg[:500]).max() < 1e-9  # the calibration period is neutral


def test_bad_requests() -> None:
    with pytest.raises(InputError, match="scenario 'jogging' is unknown"):
        simulate_recording("jogging")
    with pytest.raises(InputError, match="outside 25-1000 Hz"):
        simulate_recording("standing", rate_hz=10.0)
