"""What a live :class:`~spinecoach.sensors.LumbarMonitor` shows after each block.

The monitor's ``feed`` returns only posture alerts; live feedback also needs the latest angles,
the repetitions completed so far, the hold in progress and the bends not yet classified. They
are read here from the monitor's own trackers (the same code as the batch analysis), after each
block, without changing them. This is the one module that knows those trackers' attributes
(``reps.pending``, ``reps.detectors``, ``holds.runs``, ``posture.zone_counts`` and three
private ones: the kept angles, drained after each block, ``_t_last`` and ``posture._bends``); a public
read-out on the monitor would replace it. ``tests/unit/live/test_reading.py`` pins what it reads
against the batch analysis, so a change in the monitor shows there first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinecoach.sensors.monitor import LumbarMonitor
from spinecoach.sensors.posture import ZONES, LiftingEvent, PostureAlert
from spinecoach.sensors.recording import FloatArray
from spinecoach.sensors.repetitions import AXIS_NAMES, DIRECTIONS

__all__ = ["Excursion", "MonitorReader", "MonitorReading"]

FEEDBACK_RATE_HZ = 25.0
"""Angles are read at up to this rate for zone checks and the live trace (trunk motion < 3 Hz)."""


@dataclass(frozen=True)
class Excursion:
    """A repetition the monitor has just accepted (0.8-15 s away from neutral and back)."""

    axis: str
    direction: str
    start_s: float
    end_s: float
    peak_deg: float


@dataclass(frozen=True)
class MonitorReading:
    """The monitor after one block; times in s from the first sample of the stream."""

    calibrating: bool
    t_s: float | None
    angle_t_s: FloatArray = field(default_factory=lambda: np.empty(0))
    angles_deg: FloatArray = field(default_factory=lambda: np.empty((0, 3)))
    alerts: tuple[PostureAlert, ...] = ()
    reps: tuple[Excursion, ...] = ()
    rep_open_peak_deg: dict[str, float] = field(default_factory=dict)
    hold_start_s: float | None = None
    holds_done: int = 0
    bends_pending: tuple[LiftingEvent, ...] = ()
    time_in_zones_s: dict[str, float] = field(default_factory=dict)


class MonitorReader:
    """Reads a monitor created with ``keep_angles=True`` after each ``feed``."""

    def __init__(self, monitor: LumbarMonitor) -> None:
        if not monitor.keep_angles:
            raise ValueError("the live monitor must keep its angles (keep_angles=True)")
        self.monitor = monitor
        self.t0: float | None = None
        self._seen: list[list[Any]] = [[] for _ in AXIS_NAMES]
        self._n = 0

    def read(self, first_t: float, alerts: list[PostureAlert]) -> MonitorReading:
        """The reading after the block just fed; ``first_t``: the stream's first time stamp (s)."""
        m = self.monitor
        self.t0 = first_t
        if m.samples_processed == 0:
            return MonitorReading(calibrating=True, t_s=None, alerts=tuple(alerts))
        t, angles = self._drain_angles()
        step = max(1, int(m.rate / FEEDBACK_RATE_HZ + 1e-6))
        pick = slice((-self._n) % step, None, step)  # every k-th sample of the whole stream
        self._n += len(t)
        rel = t[pick] - first_t
        return MonitorReading(
            calibrating=False,
            t_s=round(float(m._t_last - first_t), 3),
            angle_t_s=rel,
            angles_deg=angles[pick].astype(np.float64),
            alerts=tuple(alerts),
            reps=tuple(self._new_reps(first_t)),
            rep_open_peak_deg={
                AXIS_NAMES[k]: round(d.active.peak, 2)
                for k, d in enumerate(m.reps.detectors)
                if d.active is not None
            },
            hold_start_s=(
                round(m.holds.runs.open.start_t - first_t, 3)
                if m.holds.runs.open is not None
                else None
            ),
            holds_done=m.holds.count,
            bends_pending=tuple(m.posture._bends),
            time_in_zones_s={
                z: round(int(c) / m.posture.rate, 2)
                for z, c in zip(ZONES, m.posture.zone_counts, strict=True)
            },
        )

    def _drain_angles(self) -> tuple[FloatArray, FloatArray]:
        m = self.monitor
        t, angles = m.angles()
        m._kept_t.clear()  # live sessions keep only the latest block's angles
        m._kept_angles.clear()
        return t, angles

    def _new_reps(self, first_t: float) -> list[Excursion]:
        """Excursions accepted since the last read: new objects in the tracker's open sets."""
        out: list[Excursion] = []
        for k, pending in enumerate(self.monitor.reps.pending):
            seen = self._seen[k]
            for ex in pending:
                if not any(ex is s for s in seen):
                    axis = AXIS_NAMES[k]
                    out.append(
                        Excursion(
                            axis=axis,
                            direction=DIRECTIONS[axis][0 if ex.sign > 0 else 1],
                            start_s=round(ex.start_t - first_t, 3),
                            end_s=round(ex.end_t - first_t, 3),
                            peak_deg=round(ex.peak, 2),
                        )
                    )
            self._seen[k] = list(pending)
        return sorted(out, key=lambda e: e.end_s)
