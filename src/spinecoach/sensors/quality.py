"""Exercise quality: holds in stability drills and how still the lumbar spine stays in them.

A hold is a period in a non-upright position (lumbar segment tilted beyond
``hold_min_inclination_deg``: quadruped, side-lying, supine) with the lumbar sensor's 1 s mean
angular rate below ``hold_max_gyr_deg_s``, lasting ``hold_min_s`` to ``hold_max_s``. Stillness
is the RMS and the peak of the lumbar angle deviation (deg) from the hold's own mean posture,
so a steady bird dog scores lower than a wobbly one whatever the start posture.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict

from spinecoach.sensors.recording import FloatArray
from spinecoach.sensors.runs import Run, RunTracker
from spinecoach.sensors.settings import SensorSettings

__all__ = ["Hold", "HoldTracker", "Quality", "stillness_deg"]

MAX_LISTED = 500


class Hold(BaseModel):
    """One hold: start, duration, trunk inclination and lumbar stillness (deg)."""

    model_config = ConfigDict(frozen=True)

    start_s: float
    duration_s: float
    trunk_inclination_deg: float
    stillness_rms_deg: float
    stillness_peak_deg: float
    rms_by_angle_deg: dict[str, float]


class Quality(BaseModel):
    """All holds of a recording and their mean stillness (None when there are none)."""

    model_config = ConfigDict(frozen=True)

    hold_count: int
    hold_time_s: float
    mean_stillness_rms_deg: float | None
    holds: list[Hold]


def stillness_deg(angles: FloatArray) -> tuple[float, float, FloatArray]:
    """RMS and peak of the deviation from the mean posture, and RMS per angle (deg).

    ``angles``: flexion, lateral, rotation in degrees, shape (N, 3).
    """
    dev = angles - angles.mean(axis=0)
    norm = np.linalg.norm(dev, axis=1)
    return float(np.sqrt(np.mean(norm**2))), float(norm.max()), np.sqrt(np.mean(dev**2, axis=0))


class HoldTracker:
    """Streaming hold detection; keeps at most ``hold_max_s`` of samples of the open hold."""

    def __init__(self, settings: SensorSettings, rate_hz: float, t0: float) -> None:
        self.s = settings
        self.rate = rate_hz
        self.t0 = t0
        self.runs = RunTracker(cap=int(settings.hold_max_s * rate_hz) + 1)
        self.holds: list[Hold] = []
        self.count = 0
        self.time_s = 0.0
        self._rms_sum = 0.0

    def feed(
        self, t: FloatArray, angles: FloatArray, inclination: FloatArray, rate_deg_s: FloatArray
    ) -> None:
        """``angles`` (N, 3) deg; ``inclination`` of the lumbar segment, deg; smoothed rate, deg/s."""
        mask = (inclination > self.s.hold_min_inclination_deg) & (
            rate_deg_s < self.s.hold_max_gyr_deg_s
        )
        if self.runs.open is None and not mask.any():
            return  # no hold open and none starts: nothing to stack
        self._take(self.runs.feed(mask, t, np.column_stack([angles, inclination])))

    def _take(self, runs: list[Run]) -> None:
        for run in runs:
            d = run.duration_s(self.rate)
            if not self.s.hold_min_s <= d <= self.s.hold_max_s:
                continue
            samples = run.kept_samples()
            rms, peak, per = stillness_deg(samples[:, :3])
            self.count += 1
            self.time_s += d
            self._rms_sum += rms
            if len(self.holds) < MAX_LISTED:
                self.holds.append(
                    Hold(
                        start_s=round(run.start_t - self.t0, 3),
                        duration_s=round(d, 3),
                        trunk_inclination_deg=round(float(run.mean()[3]), 1),
                        stillness_rms_deg=round(rms, 3),
                        stillness_peak_deg=round(peak, 3),
                        rms_by_angle_deg={
                            k: round(float(v), 3)
                            for k, v in zip(("flexion", "lateral", "rotation"), per, strict=True)
                        },
                    )
                )

    def split(self) -> None:
        self._take(self.runs.close())

    def result(self) -> Quality:
        self.split()
        return Quality(
            hold_count=self.count,
            hold_time_s=round(self.time_s, 2),
            mean_stillness_rms_deg=round(self._rms_sum / self.count, 3) if self.count else None,
            holds=self.holds,
        )
