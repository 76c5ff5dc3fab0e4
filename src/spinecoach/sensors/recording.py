"""The canonical recording: time stamps plus one or two worn IMUs, held as numpy arrays.

A :class:`Recording` is what every reader returns and what the analysis consumes, whole or
in blocks. Column names and units follow DESIGN.md section 3 (worn frame: x cranial, y to the
person's left, z posterior; acc in m/s² as specific force, gyro in rad/s, mag in µT).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from spinecoach.errors import SensorDataError

__all__ = [
    "AXES",
    "SENSOR_NAMES",
    "FloatArray",
    "Recording",
    "SensorSamples",
    "merge_sensors",
    "recording_schema",
    "sensor_columns",
]

FloatArray = NDArray[np.float64]

SENSOR_NAMES = ("lumbar", "sacrum")
"""The two standard placements: ``lumbar`` over T12/L1, ``sacrum`` over S1/S2."""

AXES = ("x", "y", "z")


def sensor_columns(name: str, quantity: str) -> list[str]:
    """The three column names of one quantity (``acc``, ``gyr``, ``mag``) of sensor ``name``."""
    return [f"{name}_{quantity}_{axis}" for axis in AXES]


@dataclass(frozen=True, eq=False)
class SensorSamples:
    """Samples of one IMU in its worn frame.

    ``acc``: specific force in m/s², shape (N, 3); ``gyr``: angular rate in rad/s, shape (N, 3);
    ``mag``: magnetic field in µT, shape (N, 3), or None when the sensor has no magnetometer.
    """

    acc: FloatArray
    gyr: FloatArray
    mag: FloatArray | None = None

    def __post_init__(self) -> None:
        n = self.acc.shape[0] if self.acc.ndim == 2 else -1
        for label, arr in (("acc", self.acc), ("gyr", self.gyr), ("mag", self.mag)):
            if arr is not None and (arr.ndim != 2 or arr.shape != (n, 3)):
                raise SensorDataError(
                    f"sensor {label} must have shape (N, 3) like acc {self.acc.shape}, got {arr.shape}"
                )

    def __len__(self) -> int:
        return int(self.acc.shape[0])

    def slice(self, start: int, stop: int) -> SensorSamples:
        """Samples ``start:stop`` (views, no copy)."""
        mag = None if self.mag is None else self.mag[start:stop]
        return SensorSamples(self.acc[start:stop], self.gyr[start:stop], mag)


@dataclass(frozen=True, eq=False)
class Recording:
    """Time stamps ``t`` in seconds, shape (N,), and the samples of each named sensor.

    ``first_row`` is the 1-based data-row number of sample 0 in the source file, so that errors
    found in a block name the row of the file.
    """

    t: FloatArray
    sensors: Mapping[str, SensorSamples]
    first_row: int = 1

    def __post_init__(self) -> None:
        if self.t.ndim != 1:
            raise SensorDataError(f"column t must be one-dimensional, got shape {self.t.shape}")
        for name, samples in self.sensors.items():
            if len(samples) != self.t.shape[0]:
                raise SensorDataError(
                    f"sensor {name} has {len(samples)} samples but t has {self.t.shape[0]}"
                )

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def slice(self, start: int, stop: int) -> Recording:
        """Samples ``start:stop`` as a recording whose rows still count from the source file."""
        sensors = {name: s.slice(start, stop) for name, s in self.sensors.items()}
        return Recording(self.t[start:stop], sensors, self.first_row + max(start, 0))

    def columns(self) -> dict[str, FloatArray]:
        """The canonical columns, ``t`` first, in file order."""
        cols: dict[str, FloatArray] = {"t": self.t}
        for name, s in self.sensors.items():
            for quantity, arr in (("acc", s.acc), ("gyr", s.gyr), ("mag", s.mag)):
                if arr is not None:
                    for i, col in enumerate(sensor_columns(name, quantity)):
                        cols[col] = arr[:, i]
        return cols


def merge_sensors(parts: Mapping[str, Recording]) -> Recording:
    """One recording from one-sensor recordings started together (e.g. synchronised exports).

    Samples are paired by index from the common start, the time stamps are the first part's,
    and the result is as long as the shortest part. The sample rates (median step of ``t``)
    must agree within 1 %; nothing is resampled.
    """
    names = list(parts)
    if not names:
        raise SensorDataError("no recordings to merge")
    rates = {n: 1.0 / float(np.median(np.diff(parts[n].t))) for n in names}
    first = names[0]
    for n in names[1:]:
        if abs(rates[n] - rates[first]) > 0.01 * rates[first]:
            raise SensorDataError(
                f"sensor {n} samples at {rates[n]:.2f} Hz but {first} at {rates[first]:.2f} Hz; "
                "merging needs the same rate"
            )
    n_rows = min(len(p) for p in parts.values())
    sensors: dict[str, SensorSamples] = {}
    for name, part in parts.items():
        if len(part.sensors) != 1:
            raise SensorDataError(f"part {name} must hold exactly one sensor")
        (samples,) = part.sensors.values()
        sensors[name] = samples.slice(0, n_rows)
    return Recording(parts[first].t[:n_rows], sensors)


def recording_schema() -> dict[str, Any]:
    """JSON Schema of one row of a canonical recording (CSV or Parquet), with units."""
    props: dict[str, Any] = {
        "t": {
            "type": "number",
            "description": "time in seconds, strictly increasing; sample rate 25-1000 Hz",
            "unit": "s",
        }
    }
    units = {
        "acc": ("m/s^2", "specific force (reads about +9.81 along the up axis at rest)"),
        "gyr": ("rad/s", "angular rate"),
        "mag": ("uT", "magnetic field (optional; enables 9D orientation when trusted)"),
    }
    for name in SENSOR_NAMES:
        for quantity, (unit, meaning) in units.items():
            for col, axis in zip(sensor_columns(name, quantity), AXES, strict=True):
                props[col] = {"type": "number", "unit": unit, "description": f"{meaning}, {axis}"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Recording",
        "description": (
            "One row per sample of a canonical spinecoach IMU recording (CSV with a header row, "
            "or Parquet). Sensors: 'lumbar' over T12/L1 and 'sacrum' over S1/S2; a recording "
            "carries one or both. Worn frame: x cranial (up the spine), y to the person's left, "
            "z posterior (out of the back). The first >= 5 s must be quiet neutral standing "
            "(used for calibration) unless a separate calibration recording is given."
        ),
        "type": "object",
        "properties": props,
        "required": ["t"],
        "x-formats": ["csv", "parquet"],
        "x-sensor-column-pattern": "{sensor}_{acc|gyr|mag}_{x|y|z}",
        "x-angle-file-columns": ["t", "flexion_deg", "lateral_deg", "rotation_deg"],
        "x-orientation-file-columns": ["t", "w", "x", "y", "z"],
        "additionalProperties": False,
    }
