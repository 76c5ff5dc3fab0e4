"""Real IMU data with optical ground truth (BROAD, Laidig et al., Data 2021, CC BY 4.0).

Each trial is converted to the canonical recording format, oriented with
``spinecoach sensors orient`` (6D vqf), and its inclination compared with the optical
reference over the movement phase (heading is not comparable in 6D, so it is left out).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.io

from spinecoach.cli import main
from spinecoach.sensors import quaternions as quat
from spinecoach.sensors.files import write_recording
from spinecoach.sensors.recording import Recording, SensorSamples

pytestmark = pytest.mark.realdata

UNDISTURBED = [
    "02_undisturbed_slow_rotation_B",
    "07_undisturbed_fast_rotation_B",
    "11_undisturbed_slow_translation_B",
    "21_undisturbed_fast_combined",
]


def _canonical(trial: dict[str, np.ndarray], with_mag: bool = False) -> Recording:
    rate = float(trial["sampling_rate"][0, 0])
    n = len(trial["imu_acc"])
    samples = SensorSamples(
        trial["imu_acc"].astype(np.float64),
        trial["imu_gyr"].astype(np.float64),
        trial["imu_mag"].astype(np.float64) if with_mag else None,
    )
    return Recording(np.arange(n) / rate, {"imu": samples})


def _inclination_rmse(tmp_path: Path, shared_data: Path, name: str) -> float:
    path = shared_data / "broad" / f"{name}.mat"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    trial = scipy.io.loadmat(path)
    rec_path = tmp_path / f"{name}.parquet"
    write_recording(_canonical(trial), rec_path)
    out = tmp_path / f"{name}.quat.csv"
    assert main(["sensors", "orient", str(rec_path), "--sensor", "imu", "--out", str(out)]) == 0
    q = pd.read_csv(out)[["w", "x", "y", "z"]].to_numpy()
    ref = trial["opt_quat"]
    use = (trial["movement"][:, 0] == 1) & ~np.isnan(ref).any(axis=1)
    err = quat.inclination_deg(q[use], ref[use])
    return float(np.sqrt(np.mean(err**2)))


@pytest.fixture(scope="module")
def rmse_by_trial() -> dict[str, float]:
    """Inclination RMSE per trial, filled as the per-trial tests run (each trial runs once)."""
    return {}


@pytest.mark.parametrize("name", UNDISTURBED)
def test_orient_inclination_rmse_on_undisturbed_trials(
    tmp_path: Path,
    shared_data: Path,
    name: str,
    capsys: pytest.CaptureFixture[str],
    rmse_by_trial: dict[str, float],
) -> None:
    rmse = _inclination_rmse(tmp_path, shared_data, name)
    assert '"fusion": "6D"' in capsys.readouterr().out  # converted without the magnetometer
    assert 0.05 < rmse < 1.5, rmse
    rmse_by_trial[name] = rmse


def test_mean_inclination_rmse_matches_published_vqf(
    tmp_path: Path, shared_data: Path, rmse_by_trial: dict[str, float]
) -> None:
    rmses = [
        rmse_by_trial[name]
        if name in rmse_by_trial
        else _inclination_rmse(tmp_path, shared_data, name)
        for name in UNDISTURBED
    ]
    assert float(np.mean(rmses)) < 1.0  # published 6D VQF: about 0.7 deg mean on all 39 trials


def test_wrong_quaternion_order_would_fail(tmp_path: Path, shared_data: Path) -> None:
    """Guard that the check can fail: a w-last reading of the reference is far off."""
    path = shared_data / "broad" / f"{UNDISTURBED[0]}.mat"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    trial = scipy.io.loadmat(path)
    from spinecoach.sensors.orientation import orient

    rec = _canonical(trial)
    q = orient(rec.sensors["imu"], 1 / (rec.t[1] - rec.t[0]))
    ref = trial["opt_quat"]
    use = (trial["movement"][:, 0] == 1) & ~np.isnan(ref).any(axis=1)
    wrong = np.roll(ref[use], -1, axis=1)
    assert float(np.sqrt(np.mean(quat.inclination_deg(q[use], wrong) ** 2))) > 10.0


def test_undisturbed_magnetometer_is_trusted_for_9d(shared_data: Path) -> None:
    path = shared_data / "broad" / f"{UNDISTURBED[0]}.mat"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    from spinecoach.sensors.orientation import magnetometer_trust

    mag = _canonical(scipy.io.loadmat(path), with_mag=True).sensors["imu"].mag
    assert magnetometer_trust(mag).trusted


WORN_FROM_BROAD = [2, 0, 1]
"""BROAD's IMU rests z up; worn sensors rest x up (cranial): a cyclic turn of the axes."""


@pytest.mark.parametrize("with_mag", [True, False])
def test_file_analysis_in_blocks_and_workers_equals_single_process(
    tmp_path: Path, shared_data: Path, with_mag: bool
) -> None:
    """Two real IMUs (two BROAD trials, one as lumbar, one as sacrum) analysed three ways."""
    from spinecoach.sensors.file_analysis import analyze_file
    from spinecoach.sensors.files import read_recording
    from spinecoach.sensors.monitor import analyze

    paths = [shared_data / "broad" / f"{name}.mat" for name in (UNDISTURBED[3], UNDISTURBED[2])]
    if not all(p.is_file() for p in paths):
        pytest.skip("BROAD trials not found")
    trials = [scipy.io.loadmat(p) for p in paths]
    n = min(len(t["imu_acc"]) for t in trials)
    rate = float(trials[0]["sampling_rate"][0, 0])

    def worn(trial: dict[str, np.ndarray]) -> SensorSamples:
        pick = np.ix_(np.arange(n), WORN_FROM_BROAD)
        mag = trial["imu_mag"][pick].astype(np.float64) if with_mag else None
        return SensorSamples(
            trial["imu_acc"][pick].astype(np.float64),
            trial["imu_gyr"][pick].astype(np.float64),
            mag,
        )

    rec = Recording(np.arange(n) / rate, {"lumbar": worn(trials[0]), "sacrum": worn(trials[1])})
    path = tmp_path / "two-imus.parquet"
    write_recording(rec, path)
    whole = analyze(read_recording(path))
    blocks = analyze_file(path, parallel=False, chunk_rows=6000)
    workers = analyze_file(path, parallel=True, chunk_rows=6000)
    assert workers.model_dump() == blocks.model_dump()
    assert blocks.model_dump() == whole.model_dump()  # failed when sets were listed as closed
    starts = [s.start_s for s in whole.reps.sets]
    assert len(starts) > 1
    assert starts == sorted(starts)
    assert whole.orientation["lumbar"].startswith("9D" if with_mag else "6D")
    assert whole.calibration.grade == "good"
