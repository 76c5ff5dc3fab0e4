"""Sensor orientation with vqf: 6D (gyro + acc) by default, 9D when the magnetometer is trusted.

Quaternions are ``w, x, y, z``, rotating sensor coordinates into an earth frame with z up
(vqf's convention, DESIGN.md section 3). With 6D fusion the heading of that earth frame is the
filter's own and drifts slowly; inclination (tilt) is absolute.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import vqf

from spinecoach.sensors.recording import FloatArray, SensorSamples
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings

__all__ = ["MagnetometerTrust", "OrientationFilter", "magnetometer_trust", "orient"]


@dataclass(frozen=True)
class MagnetometerTrust:
    """Whether magnetometer data may steer heading (9D), and why or why not, in words."""

    trusted: bool
    reason: str


def magnetometer_trust(
    mag: FloatArray | None, settings: SensorSettings = DEFAULT_SETTINGS
) -> MagnetometerTrust:
    """Trust check on magnetometer samples in µT, shape (N, 3), taken while the sensor is worn.

    Trusted when the median field strength is that of the Earth (``mag_min_ut``..``mag_max_ut``)
    and its relative SD stays below ``mag_max_rel_sd`` (no nearby iron or motors). vqf also
    rejects short disturbances on its own; this check keeps heading from a disturbed site out.
    """
    if mag is None or len(mag) == 0:
        return MagnetometerTrust(False, "no magnetometer columns")
    norm = np.linalg.norm(mag, axis=1)
    median = float(np.median(norm))
    if not settings.mag_min_ut <= median <= settings.mag_max_ut:
        return MagnetometerTrust(
            False,
            f"field strength {median:.1f} µT is outside the Earth's "
            f"{settings.mag_min_ut:.0f}-{settings.mag_max_ut:.0f} µT (disturbed or not in µT)",
        )
    rel_sd = float(np.std(norm) / median)
    if rel_sd > settings.mag_max_rel_sd:
        return MagnetometerTrust(
            False, f"field strength varies by {100 * rel_sd:.0f}% (disturbed by nearby iron)"
        )
    return MagnetometerTrust(True, f"steady Earth field of {median:.1f} µT")


def orient(samples: SensorSamples, rate_hz: float, use_mag: bool = False) -> FloatArray:
    """Offline (acausal, most accurate) vqf orientation of one sensor, shape (N, 4).

    ``samples``: gyro rad/s and acc m/s² (and mag µT when ``use_mag``), each (N, 3);
    ``rate_hz``: the constant sample rate.
    """
    gyr = np.ascontiguousarray(samples.gyr, dtype=np.float64)
    acc = np.ascontiguousarray(samples.acc, dtype=np.float64)
    mag = None
    if use_mag and samples.mag is not None:
        mag = np.ascontiguousarray(samples.mag, dtype=np.float64)
    out = vqf.offlineVQF(gyr, acc, mag, 1.0 / rate_hz)
    return np.asarray(out["quat9D" if mag is not None else "quat6D"])


class OrientationFilter:
    """Causal vqf for streaming: blocks fed in order give exactly what one batch call gives."""

    def __init__(self, rate_hz: float, use_mag: bool = False) -> None:
        self._vqf = vqf.VQF(1.0 / rate_hz)
        self.use_mag = use_mag

    def update(self, gyr: FloatArray, acc: FloatArray, mag: FloatArray | None = None) -> FloatArray:
        """Orientation after each sample, shape (N, 4); inputs rad/s, m/s², µT, each (N, 3)."""
        g = np.ascontiguousarray(gyr, dtype=np.float64)
        a = np.ascontiguousarray(acc, dtype=np.float64)
        if self.use_mag and mag is not None:
            m = np.ascontiguousarray(mag, dtype=np.float64)
            return np.asarray(self._vqf.updateBatch(g, a, m)["quat9D"])
        return np.asarray(self._vqf.updateBatch(g, a)["quat6D"])
