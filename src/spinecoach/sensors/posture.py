"""Posture over the day: time in flexion zones, sustained flexion, sitting slouch, lifting events,
and the live alert stream. Thresholds live in :class:`~spinecoach.sensors.settings.SensorSettings`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from spinecoach.sensors.recording import FloatArray
from spinecoach.sensors.runs import Run, RunTracker
from spinecoach.sensors.settings import SensorSettings

__all__ = ["FlexionEpisode", "LiftingEvent", "Posture", "PostureAlert", "PostureTracker"]

ZONES = ("neutral", "mild", "moderate", "severe")
MAX_LISTED = 500
"""Events listed per kind in a result; the counts stay exact beyond it (a day has hundreds)."""


class PostureAlert(BaseModel):
    """A live feedback message: when (s into the recording), what, and in plain words."""

    model_config = ConfigDict(frozen=True)

    t_s: float
    kind: Literal["sustained_flexion", "slouch"]
    message: str


class FlexionEpisode(BaseModel):
    """A period of lumbar flexion above a threshold: start, duration, mean and peak (deg)."""

    model_config = ConfigDict(frozen=True)

    start_s: float
    duration_s: float
    mean_flexion_deg: float
    peak_flexion_deg: float


class LiftingEvent(BaseModel):
    """A forward bend of the trunk and back: peak trunk inclination and lumbar flexion (deg)."""

    model_config = ConfigDict(frozen=True)

    start_s: float
    duration_s: float
    peak_trunk_deg: float
    peak_flexion_deg: float


class Posture(BaseModel):
    """Posture summary of a recording (seconds, degrees)."""

    model_config = ConfigDict(frozen=True)

    zone_edges_deg: tuple[float, float, float]
    time_in_zones_s: dict[str, float]
    time_in_zones_fraction: dict[str, float]
    sustained_flexion: list[FlexionEpisode]
    sustained_flexion_count: int
    sitting_s: float
    slouch_s: float
    slouch_episodes: list[FlexionEpisode]
    lifting_events: list[LiftingEvent]
    lifting_count: int
    exercise_bend_count: int
    alerts: list[PostureAlert]


def _episode(run: Run, rate: float) -> FlexionEpisode:
    return FlexionEpisode(
        start_s=round(run.start_t, 3),
        duration_s=round(run.duration_s(rate), 3),
        mean_flexion_deg=round(float(run.mean()[0]), 2),
        peak_flexion_deg=round(float(run.peak[0]), 2),
    )


class PostureTracker:
    """Streaming posture: feed filtered angles and segment tilts block by block."""

    def __init__(self, settings: SensorSettings, rate_hz: float, t0: float) -> None:
        self.s = settings
        self.rate = rate_hz
        self.t0 = t0
        self.zone_counts = np.zeros(4, dtype=np.int64)
        self.sitting_n = 0
        self.slouch_n = 0
        self.sustained = RunTracker(alert_after_s=settings.sustained_min_s)
        self.slouch = RunTracker(alert_after_s=settings.slouch_alert_s)
        self.lifting = RunTracker()
        self.episodes: list[FlexionEpisode] = []
        self.episode_count = 0
        self.slouches: list[FlexionEpisode] = []
        self.lifts: list[LiftingEvent] = []
        self.lift_count = 0
        self.exercise_bends = 0
        self._bends: list[LiftingEvent] = []
        self.alerts: list[PostureAlert] = []
        self._last_alert: dict[str, float] = {}

    def feed(
        self,
        t: FloatArray,
        flexion: FloatArray,
        trunk_forward: FloatArray,
        trunk_inclination: FloatArray,
        pelvic_tilt: FloatArray,
    ) -> list[PostureAlert]:
        """Update with one block; returns the alerts raised in it (``t`` in s, angles in deg)."""
        s = self.s
        self.zone_counts += np.bincount(
            np.searchsorted(s.zone_edges_deg, flexion, side="right"), minlength=4
        )
        values = flexion[:, None]
        self._take_episodes(self.sustained.feed(flexion > s.sustained_flexion_deg, t, values))
        sitting = (trunk_inclination < s.upright_max_deg) & (pelvic_tilt <= s.sit_pelvic_tilt_deg)
        slouched = sitting & (flexion > s.slouch_flexion_deg)
        self.sitting_n += int(sitting.sum())
        self.slouch_n += int(slouched.sum())
        self._take_slouches(self.slouch.feed(slouched, t, values))
        bent = trunk_forward >= s.lift_trunk_deg
        if self.lifting.open is not None or bent.any():  # else nothing to stack
            both = np.column_stack([trunk_forward, flexion])
            self._take_lifts(self.lifting.feed(bent, t, both))
        raised: list[PostureAlert] = []
        for at in self.sustained.new_alerts:
            raised += self._alert(
                at,
                "sustained_flexion",
                f"lumbar flexion above {s.sustained_flexion_deg:.0f} deg for "
                f"{s.sustained_min_s:.0f} s: straighten up or change position",
            )
        for at in self.slouch.new_alerts:
            raised += self._alert(
                at,
                "slouch",
                f"slouched sitting for {s.slouch_alert_s:.0f} s: sit tall or take a short walk",
            )
        return sorted(raised, key=lambda a: a.t_s)

    def _alert(
        self, at: float, kind: Literal["sustained_flexion", "slouch"], text: str
    ) -> list[PostureAlert]:
        last = self._last_alert.get(kind)
        if last is not None and at - last < self.s.alert_refractory_s:
            return []
        self._last_alert[kind] = at
        alert = PostureAlert(t_s=round(at - self.t0, 3), kind=kind, message=text)
        self.alerts.append(alert)
        return [alert]

    def _take_episodes(self, runs: list[Run]) -> None:
        for run in runs:
            if run.duration_s(self.rate) >= self.s.sustained_min_s:
                self.episode_count += 1
                if len(self.episodes) < MAX_LISTED:
                    self.episodes.append(_episode(self._shift(run), self.rate))

    def _take_slouches(self, runs: list[Run]) -> None:
        for run in runs:
            if (
                run.duration_s(self.rate) >= self.s.sustained_min_s
                and len(self.slouches) < MAX_LISTED
            ):
                self.slouches.append(_episode(self._shift(run), self.rate))

    def _take_lifts(self, runs: list[Run]) -> None:
        """Bends in quick succession (a set, as for repetitions) are exercise, not lifting."""
        for run in runs:
            d = run.duration_s(self.rate)
            if not self.s.lift_min_s <= d <= self.s.lift_max_s:
                continue
            bend = LiftingEvent(
                start_s=round(run.start_t - self.t0, 3),
                duration_s=round(d, 3),
                peak_trunk_deg=round(float(run.peak[0]), 2),
                peak_flexion_deg=round(float(run.peak[1]), 2),
            )
            last = self._bends[-1] if self._bends else None
            if (
                last is not None
                and bend.start_s - (last.start_s + last.duration_s) > self.s.set_max_gap_s
            ):
                self._flush_bends()
            self._bends.append(bend)

    def _flush_bends(self) -> None:
        bends, self._bends = self._bends, []
        if len(bends) >= self.s.set_min_reps:
            self.exercise_bends += len(bends)
            return
        self.lift_count += len(bends)
        self.lifts.extend(bends[: max(0, MAX_LISTED - len(self.lifts))])

    def _shift(self, run: Run) -> Run:
        run.start_t -= self.t0
        run.end_t -= self.t0
        return run

    def split(self) -> None:
        """Close every open run: a long gap splits the recording."""
        self._take_episodes(self.sustained.close())
        self._take_slouches(self.slouch.close())
        self._take_lifts(self.lifting.close())
        self._flush_bends()

    def result(self) -> Posture:
        self.split()
        total = max(int(self.zone_counts.sum()), 1)
        return Posture(
            zone_edges_deg=self.s.zone_edges_deg,
            time_in_zones_s={
                z: round(int(c) / self.rate, 2)
                for z, c in zip(ZONES, self.zone_counts, strict=True)
            },
            time_in_zones_fraction={
                z: round(int(c) / total, 4) for z, c in zip(ZONES, self.zone_counts, strict=True)
            },
            sustained_flexion=self.episodes,
            sustained_flexion_count=self.episode_count,
            sitting_s=round(self.sitting_n / self.rate, 2),
            slouch_s=round(self.slouch_n / self.rate, 2),
            slouch_episodes=self.slouches,
            lifting_events=self.lifts,
            lifting_count=self.lift_count,
            exercise_bend_count=self.exercise_bends,
            alerts=sorted(self.alerts, key=lambda a: a.t_s),
        )
