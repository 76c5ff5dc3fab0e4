"""Sway, stillness and run tracking on signals whose answers are known in closed form."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from spinecoach.sensors.quality import stillness_deg
from spinecoach.sensors.runs import RunTracker
from spinecoach.sensors.sway import CHI2_95_2DOF, sway_measures


def test_sway_of_a_circle() -> None:
    rate, radius = 100.0, 2.0
    t = np.arange(0, 10, 1 / rate)
    ap, ml = radius * np.cos(2 * np.pi * 0.5 * t), radius * np.sin(2 * np.pi * 0.5 * t)
    m = sway_measures(ap, ml, rate)
    assert m["rms_ap_deg"] == pytest.approx(radius / np.sqrt(2), rel=1e-3)
    assert m["rms_ml_deg"] == pytest.approx(radius / np.sqrt(2), rel=1e-3)
    steps = (len(t) - 1) / len(t)  # N samples make N - 1 steps of the 5 turns
    assert m["path_length_deg"] == pytest.approx(
        2 * np.pi * radius * 5 * steps, rel=1e-4
    )  # chords, not arcs
    assert m["mean_velocity_deg_s"] == pytest.approx(2 * np.pi * radius * 0.5, rel=2e-3)
    assert m["ellipse95_area_deg2"] == pytest.approx(np.pi * CHI2_95_2DOF * radius**2 / 2, rel=1e-2)


def test_sway_ignores_the_mean_posture() -> None:
    rng = np.random.default_rng(0)
    ap, ml = rng.normal(0, 0.5, 1000), rng.normal(0, 0.2, 1000)
    a, b = sway_measures(ap, ml, 50.0), sway_measures(ap + 5.0, ml - 3.0, 50.0)
    assert a == pytest.approx(b)


def test_stillness_of_a_wobble() -> None:
    t = np.arange(0, 8, 0.01)
    angles = np.column_stack(
        [10 + 2 * np.sin(2 * np.pi * t), np.zeros_like(t), np.full_like(t, -4)]
    )
    rms, peak, per = stillness_deg(angles)
    assert rms == pytest.approx(np.sqrt(2), rel=1e-3)
    assert peak == pytest.approx(2.0, rel=1e-3)
    np.testing.assert_allclose(per, [np.sqrt(2), 0, 0], atol=1e-3)


def test_runs_are_the_same_in_any_blocks() -> None:
    rng = np.random.default_rng(1)
    mask = np.repeat(rng.random(60) > 0.5, rng.integers(1, 40, 60))
    t = (np.arange(len(mask)) * 0.1).astype(np.float64)
    values = rng.normal(size=(len(mask), 2))

    def runs(cuts: list[int]) -> list[tuple[float, float, int, list[float], list[float]]]:
        tracker = RunTracker(cap=5, alert_after_s=1.0)
        edges = [0, *cuts, len(mask)]
        done = []
        for a, b in pairwise(edges):
            done += tracker.feed(mask[a:b], t[a:b], values[a:b])
        done += tracker.close()
        return [
            (r.start_t, r.end_t, r.n, r.peak.tolist(), r.kept_samples()[:, 0].tolist())
            for r in done
        ]

    whole = runs([])
    assert len(whole) == int(np.sum(np.diff(np.concatenate([[0], mask.astype(int)])) == 1))
    assert runs([7, 8, 300, 301, 302, 900]) == whole
    assert all(n <= 5 for *_, kept in whole for n in [len(kept)])


def test_run_alert_time_is_the_first_sample_past_the_duration() -> None:
    tracker = RunTracker(alert_after_s=0.25)
    t = (np.arange(10) * 0.1).astype(np.float64)
    mask = np.array([0, 1, 1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    tracker.feed(mask[:3], t[:3], np.zeros((3, 1)))
    assert tracker.new_alerts == []
    tracker.feed(mask[3:], t[3:], np.zeros((7, 1)))
    assert tracker.new_alerts == [pytest.approx(0.4)]
