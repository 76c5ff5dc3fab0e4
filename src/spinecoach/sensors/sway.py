"""Trunk sway in quiet stance from the lumbar sensor: RMS, path length, 95 % ellipse area.

Sway is measured on the lumbar segment's tilt from vertical, anteroposterior (AP, forward > 0)
and mediolateral (ML, to the right > 0), in degrees: a quiet-stance bout is upright (within
``sway_max_inclination_deg``), not sitting, with the smoothed angular rate below ``sway_max_gyr_deg_s`` for ``sway_min_s`` or
more; the longest bout (its first ``sway_max_s``) is reported.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict

from spinecoach.sensors.recording import FloatArray
from spinecoach.sensors.runs import Run, RunTracker
from spinecoach.sensors.settings import SensorSettings

__all__ = ["Sway", "SwayBout", "SwayTracker", "sway_measures"]

CHI2_95_2DOF = 5.991
"""95th percentile of chi-square with 2 degrees of freedom: the 95 % confidence ellipse."""


class SwayBout(BaseModel):
    """Sway measures of one quiet-stance bout (deg, deg/s, deg²)."""

    model_config = ConfigDict(frozen=True)

    start_s: float
    duration_s: float
    rms_ap_deg: float
    rms_ml_deg: float
    path_length_deg: float
    mean_velocity_deg_s: float
    ellipse95_area_deg2: float


class Sway(BaseModel):
    """Quiet-stance bouts found and the measures of the longest (None when there is none)."""

    model_config = ConfigDict(frozen=True)

    bouts: int
    quiet_stance_s: float
    longest: SwayBout | None


def sway_measures(ap: FloatArray, ml: FloatArray, rate_hz: float) -> dict[str, float]:
    """Sway of tilt series ``ap`` and ``ml`` (deg, shape (N,)) sampled at ``rate_hz``."""
    a = ap - ap.mean()
    m = ml - ml.mean()
    path = float(np.sum(np.hypot(np.diff(a), np.diff(m))))
    cov = np.cov(np.vstack([a, m])) if len(a) > 2 else np.zeros((2, 2))
    area = float(np.pi * CHI2_95_2DOF * np.sqrt(max(np.linalg.det(cov), 0.0)))
    duration = len(a) / rate_hz
    return {
        "rms_ap_deg": float(np.sqrt(np.mean(a**2))),
        "rms_ml_deg": float(np.sqrt(np.mean(m**2))),
        "path_length_deg": path,
        "mean_velocity_deg_s": path / duration if duration else 0.0,
        "ellipse95_area_deg2": area,
    }


class SwayTracker:
    """Streaming quiet-stance bouts; keeps at most ``sway_max_s`` of samples of the open bout."""

    def __init__(self, settings: SensorSettings, rate_hz: float, t0: float) -> None:
        self.s = settings
        self.rate = rate_hz
        self.t0 = t0
        self.runs = RunTracker(cap=int(settings.sway_max_s * rate_hz))
        self.bouts = 0
        self.total_s = 0.0
        self.longest: SwayBout | None = None
        self._longest_n = 0
        self.stance_rotation: list[tuple[float, float]] = []
        """Mean and SD of lumbar axial rotation (deg) in each bout, for heading realignment."""

    def feed(
        self,
        t: FloatArray,
        *,
        ap: FloatArray,
        ml: FloatArray,
        inclination: FloatArray,
        pelvic_tilt: FloatArray,
        rate_deg_s: FloatArray,
        rotation: FloatArray,
    ) -> None:
        """Tilts, inclination and lumbar rotation in deg, smoothed rate in deg/s, each (N,)."""
        s = self.s
        mask = (
            (inclination < s.sway_max_inclination_deg)
            & (pelvic_tilt > s.sit_pelvic_tilt_deg)
            & (rate_deg_s < s.sway_max_gyr_deg_s)
        )
        if self.runs.open is None and not mask.any():
            return  # no bout open and none starts: nothing to stack
        self._take(self.runs.feed(mask, t, np.column_stack([ap, ml, rotation])))

    def _take(self, runs: list[Run]) -> None:
        for run in runs:
            d = run.duration_s(self.rate)
            if d < self.s.sway_min_s:
                continue
            self.bouts += 1
            self.total_s += d
            kept = run.kept_samples()
            self.stance_rotation.append((float(kept[:, 2].mean()), float(kept[:, 2].std())))
            if run.n > self._longest_n:
                measures = sway_measures(kept[:, 0], kept[:, 1], self.rate)
                self._longest_n = run.n
                self.longest = SwayBout(
                    start_s=round(run.start_t - self.t0, 3),
                    duration_s=round(d, 3),
                    **{k: round(v, 4) for k, v in measures.items()},
                )

    def split(self) -> None:
        self._take(self.runs.close())

    def result(self) -> Sway:
        self.split()
        return Sway(bouts=self.bouts, quiet_stance_s=round(self.total_s, 2), longest=self.longest)
