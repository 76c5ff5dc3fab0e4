"""Sensor-to-segment alignment from quiet neutral standing, with a calibration quality figure.

Gravity gives each segment's vertical (its cranial x axis) in sensor coordinates; the sensor's
own z axis, made perpendicular to that vertical, gives posterior. Tilt misalignment of the
mounting is therefore removed. A turn of the sensor about the spine's long axis cannot show in
standing; when a forward bend follows the standing period (within ``bend_search_s``), the axis
the segment turned about during the bend is taken as its left axis, which removes that turn
too (otherwise it leaks a little flexion into lateral bending). Each sensor's vqf orientation is then expressed for a
"level" frame F fixed to its segment (x anterior, y left, z up at neutral standing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from spinecoach.errors import SensorDataError
from spinecoach.sensors.recording import FloatArray, Recording
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings

__all__ = [
    "SEGMENT_FROM_LEVEL",
    "Calibration",
    "CalibrationQuality",
    "SensorAlignment",
    "calibrate",
]

GRAVITY_MS2 = 9.81

SEGMENT_FROM_LEVEL: FloatArray = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])
"""Level-frame coordinates -> segment coordinates: F x (anterior) is -z, F y is y, F z is x."""


class CalibrationQuality(BaseModel):
    """How trustworthy the neutral reference is: stillness and duration of the standing period."""

    model_config = ConfigDict(frozen=True)

    source: Literal["recording start", "calibration recording"]
    duration_s: float
    gyro_rms_deg_s: float
    acc_sd_ms2: float
    mounting_tilt_deg: dict[str, float]
    grade: Literal["good", "fair", "poor"]
    flexion_axis_turn_deg: dict[str, float] | None = None
    """Turn about the long axis found from a forward bend; None when no bend was found."""


@dataclass(frozen=True)
class SensorAlignment:
    """Rotation from worn-sensor coordinates into the segment's level frame F, shape (3, 3)."""

    level_from_sensor: FloatArray
    mounting_tilt_deg: float


@dataclass(frozen=True)
class Calibration:
    """The alignment of each sensor and the quality of the standing period it came from."""

    alignments: Mapping[str, SensorAlignment]
    quality: CalibrationQuality
    rate_hz: float


def _rows(rec: Recording, n: int) -> str:
    return f"rows {rec.first_row}-{rec.first_row + n - 1}"


def _align(
    name: str, mean_acc: FloatArray, bend_gyr: FloatArray, settings: SensorSettings
) -> tuple[SensorAlignment, float | None]:
    up = mean_acc / np.linalg.norm(mean_acc)
    tilt = float(np.degrees(np.arccos(np.clip(up[0], -1.0, 1.0))))
    if tilt > settings.calibration_max_tilt_deg:
        raise SensorDataError(
            f"sensor {name}: its x axis is {tilt:.0f} deg from vertical during the standing "
            f"calibration (at most {settings.calibration_max_tilt_deg:.0f}); wear it x cranial, "
            "z out of the back"
        )
    posterior = np.array([0.0, 0.0, 1.0]) - up[2] * up
    posterior /= np.linalg.norm(posterior)
    left = np.cross(posterior, up)
    turn = _flexion_axis_turn(np.column_stack([up, left, posterior]), bend_gyr, settings)
    if turn is not None:
        left, posterior = (
            np.cos(turn) * left + np.sin(turn) * posterior,
            np.cos(turn) * posterior - np.sin(turn) * left,
        )
    sensor_from_segment = np.column_stack([up, left, posterior])
    level_from_sensor = (sensor_from_segment @ SEGMENT_FROM_LEVEL).T
    return SensorAlignment(level_from_sensor, tilt), turn


def _flexion_axis_turn(
    sensor_from_segment: FloatArray, gyr: FloatArray, settings: SensorSettings
) -> float | None:
    """Angle (rad) about the cranial axis from the segment's left axis to its forward-bend axis.

    ``gyr``: rad/s, shape (N, 3), after the standing period. None unless a clear sagittal
    movement is there: fast samples mostly about one horizontal axis, near the left axis.
    """
    g = gyr @ sensor_from_segment  # rows in segment coordinates
    fast = np.hypot(g[:, 1], g[:, 2]) > np.radians(settings.bend_min_rate_deg_s)
    if fast.sum() < 10:
        return None
    g = g[fast]
    horizontal = float(np.sum(g[:, 1:] ** 2))
    if horizontal < 0.7 * float(np.sum(g**2)):
        return None
    values, vectors = np.linalg.eigh(g[:, 1:].T @ g[:, 1:])
    if values[1] < 0.9 * (values[0] + values[1]):
        return None
    e_y, e_z = vectors[:, 1]
    turn = float(np.arctan(e_z / e_y)) if e_y != 0 else np.pi / 2
    if abs(np.degrees(turn)) > settings.bend_max_turn_deg:
        return None
    return turn


def _check_units(name: str, acc_norm: float, rec: Recording, n: int) -> None:
    if 0.8 <= acc_norm <= 1.2:
        raise SensorDataError(
            f"columns {name}_acc_*: |acc| is {acc_norm:.2f} at rest ({_rows(rec, n)}), which "
            "looks like g; give m/s² (multiply by 9.81)"
        )
    if not 8.5 <= acc_norm <= 11.0:
        raise SensorDataError(
            f"columns {name}_acc_*: |acc| is {acc_norm:.2f} at rest ({_rows(rec, n)}); "
            "expected about 9.81 m/s²"
        )


def calibrate(
    rec: Recording,
    settings: SensorSettings = DEFAULT_SETTINGS,
    source: Literal["recording start", "calibration recording"] = "recording start",
) -> Calibration:
    """Calibrate from the first ``settings.calibration_s`` of ``rec`` (quiet neutral standing).

    Raises :class:`SensorDataError` naming the rows when that period is too short, not still,
    or the units or mounting are implausible.
    """
    if len(rec) < 2:
        raise SensorDataError("no calibration period: the recording has fewer than 2 samples")
    window = rec.t[rec.t < rec.t[0] + settings.calibration_s]
    dt = float(np.median(np.diff(window))) if len(window) > 1 else float(rec.t[1] - rec.t[0])
    rate = 1.0 / dt
    n = int(np.searchsorted(rec.t, rec.t[0] + settings.calibration_s - 0.5 * dt))
    if rec.t[-1] - rec.t[0] + dt < settings.calibration_s - 0.5 * dt:
        raise SensorDataError(
            f"no calibration period: the recording holds {rec.t[-1] - rec.t[0] + dt:.1f} s, "
            f"needs {settings.calibration_s:.0f} s of quiet standing first (or --calibration FILE)"
        )
    gyro_rms = 0.0
    acc_sd = 0.0
    alignments: dict[str, SensorAlignment] = {}
    turns: dict[str, float | None] = {}
    m = int(np.searchsorted(rec.t, rec.t[0] + settings.calibration_s + settings.bend_search_s))
    for name, samples in rec.sensors.items():
        acc = samples.acc[:n]
        gyr = samples.gyr[:n]
        norm = np.linalg.norm(acc, axis=1)
        _check_units(name, float(np.mean(norm)), rec, n)
        rms = float(np.degrees(np.sqrt(np.mean(np.sum(gyr**2, axis=1)))))
        sd = float(np.std(norm))
        if rms > settings.calibration_max_gyr_deg_s or sd > settings.calibration_max_acc_sd_ms2:
            hint = (
                "; the accelerometer is still, so is the gyro in deg/s? give rad/s"
                if sd < 0.1 * settings.calibration_max_acc_sd_ms2
                else "; start with quiet standing or pass --calibration FILE"
            )
            raise SensorDataError(
                f"no calibration period: {_rows(rec, n)} (first {settings.calibration_s:.0f} s) "
                f"of sensor {name} are not quiet standing (gyro RMS {rms:.1f} deg/s, |acc| SD "
                f"{sd:.2f} m/s²; allowed {settings.calibration_max_gyr_deg_s:.0f} and "
                f"{settings.calibration_max_acc_sd_ms2}){hint}"
            )
        gyro_rms = max(gyro_rms, rms)
        acc_sd = max(acc_sd, sd)
        bend = samples.gyr[n:m] if settings.flexion_axis_from_bend else samples.gyr[:0]
        alignments[name], turns[name] = _align(name, np.mean(acc, axis=0), bend, settings)
    grade: Literal["good", "fair", "poor"] = (
        "good" if gyro_rms < 3.0 else "fair" if gyro_rms < 6.0 else "poor"
    )
    quality = CalibrationQuality(
        source=source,
        duration_s=round(float(rec.t[n - 1] - rec.t[0] + dt), 3),
        gyro_rms_deg_s=round(gyro_rms, 3),
        acc_sd_ms2=round(acc_sd, 4),
        mounting_tilt_deg={k: round(a.mounting_tilt_deg, 2) for k, a in alignments.items()},
        grade=grade,
        flexion_axis_turn_deg={
            k: round(float(np.degrees(v)), 2) for k, v in turns.items() if v is not None
        }
        if all(v is not None for v in turns.values())
        else None,
    )
    if quality.flexion_axis_turn_deg is None and any(v is not None for v in turns.values()):
        alignments = {
            k: _align(k, _mean_acc(rec, k, n), rec.sensors[k].gyr[:0], settings)[0]
            for k in alignments
        }
    return Calibration(alignments, quality, rate)


def _mean_acc(rec: Recording, name: str, n: int) -> FloatArray:
    return np.asarray(np.mean(rec.sensors[name].acc[:n], axis=0))
