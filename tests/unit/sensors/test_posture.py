"""Posture over a recording: zones, sustained flexion, sitting and slouch, lifting, alerts."""

from __future__ import annotations

import pytest

from spinecoach.sensors.monitor import analyze
from spinecoach.sensors.settings import SensorSettings
from spinecoach.simulate.recording import SyntheticRecording, simulate_recording


def test_time_in_zones_adds_up_to_the_recording(sit_stand: SyntheticRecording) -> None:
    result = analyze(sit_stand.recording)
    zones = result.posture.time_in_zones_s
    assert sum(zones.values()) == pytest.approx(result.duration_s, abs=0.1)
    assert sum(result.posture.time_in_zones_fraction.values()) == pytest.approx(1.0, abs=1e-3)
    truth_mild = (sit_stand.truth_deg[:, 0] >= 20).sum() / 100.0
    assert zones["mild"] == pytest.approx(truth_mild, abs=1.5)


def test_slouched_and_upright_sitting(sit_stand: SyntheticRecording) -> None:
    posture = analyze(sit_stand.recording).posture
    assert posture.sitting_s == pytest.approx(124.0, abs=4.0)  # two 60 s sits plus transitions
    assert posture.slouch_s == pytest.approx(62.0, abs=3.0)  # only the first sit is slumped
    (episode,) = posture.sustained_flexion
    assert episode.duration_s == pytest.approx(62.0, abs=3.0)
    assert episode.mean_flexion_deg == pytest.approx(25.0, abs=1.5)
    assert posture.sustained_flexion_count == 1
    (alert,) = posture.alerts
    assert alert.kind == "sustained_flexion"
    assert alert.t_s == pytest.approx(episode.start_s + 30.0, abs=0.05)


def test_slouch_alert_after_its_own_time(sit_stand: SyntheticRecording) -> None:
    posture = analyze(sit_stand.recording, SensorSettings(slouch_alert_s=40.0)).posture
    slouch = [a for a in posture.alerts if a.kind == "slouch"]
    assert len(slouch) == 1
    assert slouch[0].t_s == pytest.approx(posture.slouch_episodes[0].start_s + 40.0, abs=0.05)


def test_lifting_events_are_single_bends_and_back() -> None:
    day = simulate_recording("day", seconds=600, seed=2)  # three bends 20 s apart, then a set
    posture = analyze(day.recording).posture
    assert posture.lifting_count == 3
    assert posture.exercise_bend_count == 6
    for lift, lumbar in zip(posture.lifting_events, (55.0, 60.0, 50.0), strict=True):
        assert lift.peak_flexion_deg == pytest.approx(lumbar, abs=3.0)
        assert lift.peak_trunk_deg == pytest.approx(1.8 * lumbar, abs=5.0)  # pelvis adds 80 %
        assert 1.0 < lift.duration_s < 4.0


def test_a_set_of_bends_is_exercise_not_lifting(forward_bends: SyntheticRecording) -> None:
    posture = analyze(forward_bends.recording).posture
    assert posture.lifting_count == 0
    assert posture.exercise_bend_count == 8


def test_no_posture_events_in_quiet_standing() -> None:
    result = analyze(simulate_recording("standing", seconds=40, seed=3).recording)
    assert result.posture.time_in_zones_fraction["neutral"] == 1.0
    assert result.posture.lifting_count == 0
    assert result.posture.alerts == []
    assert result.sway.longest is not None
    assert result.sway.longest.duration_s == pytest.approx(40.0, abs=0.5)
    assert result.sway.longest.rms_ap_deg < 1.0


def test_sway_grows_with_sway() -> None:
    calm = analyze(simulate_recording("standing", seconds=30, seed=3).recording).sway.longest
    rec = simulate_recording("standing", seconds=30, seed=3, wobble_deg=1.5).recording
    unsteady = analyze(rec).sway.longest
    assert calm is not None
    assert unsteady is not None
    assert unsteady.rms_ap_deg > 3 * calm.rms_ap_deg
    assert unsteady.ellipse95_area_deg2 > 9 * calm.ellipse95_area_deg2
    assert unsteady.path_length_deg > 2 * calm.path_length_deg
