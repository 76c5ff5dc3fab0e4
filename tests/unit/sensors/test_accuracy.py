"""Accuracy against synthetic ground truth: angles, ROM, repetitions, stillness."""

from __future__ import annotations

import numpy as np
import pytest

from spinecoach.sensors.monitor import LumbarMonitor, analyze
from spinecoach.sensors.settings import SensorSettings
from spinecoach.simulate.recording import Noise, SyntheticRecording, simulate_recording


def _angles(syn: SyntheticRecording) -> np.ndarray:
    monitor = LumbarMonitor(keep_angles=True)
    monitor.feed(syn.recording)
    monitor.finish()
    return monitor.angles()[1].astype(np.float64)


def _moving(syn: SyntheticRecording, axis: int) -> np.ndarray:
    return np.abs(syn.truth_deg[:, axis]) > 1.0


@pytest.mark.parametrize(("scenario", "axis"), [("forward-bends", 0), ("lateral-bends", 1)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_flexion_and_lateral_rmse_under_2_deg_through_movement(
    scenario: str, axis: int, seed: int
) -> None:
    syn = simulate_recording(scenario, seed=seed, noise=Noise(misalignment_deg=5.0))
    err = _angles(syn) - syn.truth_deg
    moving = _moving(syn, axis)
    assert moving.sum() > 1000
    rmse = np.sqrt(np.mean(err[moving, :2] ** 2, axis=0))
    assert rmse[0] < 2.0
    assert rmse[1] < 2.0


def test_angle_signs_follow_the_design(forward_bends: SyntheticRecording) -> None:
    angles = _angles(forward_bends)
    peak = int(np.argmax(forward_bends.truth_deg[:, 0]))
    assert angles[peak, 0] > 40  # forward bending is positive flexion
    right = simulate_recording("lateral-bends", seed=4)
    first = int(np.argmax(right.truth_deg[:, 1]))
    assert right.truth_deg[first, 1] > 0
    assert _angles(right)[first, 1] > 20  # bending to the right is positive lateral


def test_rom_within_3_deg_of_each_movement_test() -> None:
    syn = simulate_recording("movement-tests", seed=7)
    rom = analyze(syn.recording).rom_deg
    truth = syn.truth_deg
    expected = {
        "flexion": truth[:, 0].max(),
        "extension": -truth[:, 0].min(),
        "lateral_right": truth[:, 1].max(),
        "lateral_left": -truth[:, 1].min(),
        "rotation_left": truth[:, 2].max(),
        "rotation_right": -truth[:, 2].min(),
    }
    for key, value in expected.items():
        assert rom[key] == pytest.approx(value, abs=3.0), key


def test_movement_tests_are_single_movements_not_sets() -> None:
    result = analyze(simulate_recording("movement-tests", seed=7).recording)
    assert result.reps.set_count == 0
    directions = {(m.axis, m.direction) for m in result.movements}
    assert directions == {
        ("flexion", "flexion"),
        ("flexion", "extension"),
        ("lateral", "right"),
        ("lateral", "left"),
        ("rotation", "left"),
        ("rotation", "right"),
    }


@pytest.mark.parametrize("scenario", ["forward-bends", "lateral-bends", "rotations"])
def test_rep_counts_exact_on_clean_sets(scenario: str) -> None:
    syn = simulate_recording(scenario, seed=3)
    result = analyze(syn.recording)
    assert [(s.axis, s.count) for s in result.reps.sets] == [(t.axis, t.reps) for t in syn.sets]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_rep_counts_within_one_with_noise(seed: int) -> None:
    noisy = Noise(gyr_sd_rads=0.008, gyr_bias_rads=0.01, acc_sd_ms2=0.08, acc_bias_ms2=0.1)
    syn = simulate_recording("forward-bends", seed=seed, noise=noisy, jitter=0.3)
    result = analyze(syn.recording)
    assert abs(result.reps.rep_count - syn.sets[0].reps) <= 1


def test_rep_amplitude_duration_and_tempo(forward_bends: SyntheticRecording) -> None:
    (rep_set,) = analyze(forward_bends.recording).reps.sets
    assert rep_set.mean_amplitude_deg == pytest.approx(45.0, abs=3.0)
    for rep in rep_set.reps:
        assert rep.direction == "flexion"
        assert 2.5 < rep.duration_s < 4.5  # a 4 s raised-cosine bend, less the part inside the band
        assert rep.out_s + rep.back_s == pytest.approx(rep.duration_s, abs=0.02)
    out, back = rep_set.tempo_out_back_s
    assert out == pytest.approx(back, rel=0.35)


@pytest.mark.parametrize("scenario", ["sit-stand", "bird-dog"])
def test_getting_into_position_makes_no_reps(scenario: str) -> None:
    result = analyze(simulate_recording(scenario, seed=2).recording)
    assert result.reps.rep_count == 0


def test_stillness_separates_steady_from_wobbly_bird_dog() -> None:
    steady = analyze(simulate_recording("bird-dog", seed=9).recording).quality
    wobbly = analyze(simulate_recording("bird-dog-wobbly", seed=9).recording).quality
    assert steady.hold_count >= 1
    assert wobbly.hold_count >= 1
    assert steady.mean_stillness_rms_deg is not None
    assert wobbly.mean_stillness_rms_deg is not None
    assert steady.mean_stillness_rms_deg < 0.7
    assert wobbly.mean_stillness_rms_deg > 3 * steady.mean_stillness_rms_deg
    assert max(h.stillness_peak_deg for h in steady.holds) < min(
        h.stillness_peak_deg for h in wobbly.holds
    )


def test_holds_cover_the_time_on_hands_and_knees() -> None:
    syn = simulate_recording("bird-dog", seed=9)
    quality = analyze(syn.recording).quality
    first, last = syn.holds[0][0], syn.holds[-1][1]
    covered = sum(h.duration_s for h in quality.holds)
    assert covered >= 0.9 * (last - first)
    assert all(h.trunk_inclination_deg > 80 for h in quality.holds)


def test_9d_with_trusted_magnetometer() -> None:
    syn = simulate_recording("rotations", seed=4, magnetometer=True)
    result = analyze(syn.recording)
    assert all(v.startswith("9D") for v in result.orientation.values())
    assert result.rom_deg["rotation_left"] == pytest.approx(syn.truth_deg[:, 2].max(), abs=3.0)


def test_forward_bend_refines_the_flexion_axis_of_a_turned_sensor() -> None:
    syn = simulate_recording("forward-bends", seed=2, noise=Noise(misalignment_deg=6.0))
    moving = _moving(syn, 0)

    def lateral_rmse(settings: SensorSettings) -> tuple[float, dict[str, float] | None]:
        monitor = LumbarMonitor(settings, keep_angles=True)
        monitor.feed(syn.recording)
        result = monitor.finish()
        err = monitor.angles()[1][moving, 1] - syn.truth_deg[moving, 1]
        return float(np.sqrt(np.mean(err**2))), result.calibration.flexion_axis_turn_deg

    refined, turns = lateral_rmse(SensorSettings())
    plain, none = lateral_rmse(SensorSettings(flexion_axis_from_bend=False))
    assert turns is not None
    assert set(turns) == {"lumbar", "sacrum"}
    assert none is None
    assert refined < 1.0
    assert plain > 1.5 * refined


@pytest.mark.parametrize("scenario", ["lateral-bends", "rotations"])
def test_no_flexion_axis_from_other_movements(scenario: str) -> None:
    result = analyze(simulate_recording(scenario, seed=2).recording)
    assert result.calibration.flexion_axis_turn_deg is None


def test_lumbar_sensor_alone_measures_the_trunk_in_space(forward_bends: SyntheticRecording) -> None:
    rec = forward_bends.recording
    alone = type(rec)(rec.t, {"lumbar": rec.sensors["lumbar"]})
    result = analyze(alone)
    assert any("no sacrum sensor" in w for w in result.warnings)
    trunk = 1.6 * forward_bends.truth_deg[:, 0].max()  # lumbar 45 deg on a pelvis tilted 27 deg
    assert result.rom_deg["flexion"] == pytest.approx(trunk, abs=3.0)
    assert result.posture.sitting_s == 0.0


def test_quiet_standing_realigns_drifting_headings() -> None:
    syn = simulate_recording("day", seconds=2 * 3600, seed=1)

    def rotation_rmse(settings: SensorSettings) -> tuple[float, int]:
        monitor = LumbarMonitor(settings, keep_angles=True)
        monitor.feed(syn.recording)
        result = monitor.finish()
        err = monitor.angles()[1][:, 2] - syn.truth_deg[:, 2]
        return float(np.sqrt(np.mean(err**2))), result.heading_realignments

    realigned, count = rotation_rmse(SensorSettings())
    drifting, none = rotation_rmse(SensorSettings(realign_heading=False))
    assert count >= 10  # one per 10 minutes with quiet standing
    assert none == 0
    assert realigned < 0.6
    assert realigned < 0.8 * drifting


@pytest.mark.parametrize("rate", [25.0, 60.0, 200.0, 1000.0])
def test_any_rate_from_25_to_1000_hz(rate: float) -> None:
    syn = simulate_recording("forward-bends", seed=3, rate_hz=rate)
    monitor = LumbarMonitor(keep_angles=True)
    monitor.feed(syn.recording)
    result = monitor.finish()
    assert result.sample_rate_hz == pytest.approx(rate)
    assert result.reps.rep_count == 8
    err = monitor.angles()[1] - syn.truth_deg
    assert np.sqrt(np.mean(err[:, :2] ** 2)) < 1.0
