"""What a live :class:`~spinecoach.sensors.LumbarMonitor` shows after each block.

The monitor's ``feed`` returns only posture alerts; live feedback also needs the latest angles,
the repetitions completed so far, the hold in progress and the bends not yet classified. They
come from the monitor's public :meth:`~spinecoach.sensors.monitor.LumbarMonitor.readout` (the
same trackers as the batch analysis), turned here into times from the start of the stream and
the reps accepted since the previous block. ``tests/unit/live/test_reading.py`` pins what is
read against the batch analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spinecoach.sensors.monitor import LumbarMonitor, PendingRep
from spinecoach.sensors.posture import LiftingEvent, PostureAlert
from spinecoach.sensors.recording import FloatArray
from spinecoach.sensors.repetitions import DIRECTIONS

__all__ = ["Excursion", "MonitorReader", "MonitorReading"]


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
    """Reads a monitor after each ``feed``: angles at the monitor's feature rate (25 Hz by
    default; trunk motion is below 3 Hz), and the reps accepted since the previous read."""

    def __init__(self, monitor: LumbarMonitor) -> None:
        self.monitor = monitor
        self.t0: float | None = None
        self._seen: set[tuple[str, float, float]] = set()

    def read(self, first_t: float, alerts: list[PostureAlert]) -> MonitorReading:
        """The reading after the block just fed; ``first_t``: the stream's first time stamp (s)."""
        r = self.monitor.readout()
        self.t0 = first_t
        if not r.started or r.samples == 0 or r.t_last is None:
            return MonitorReading(calibrating=True, t_s=None, alerts=tuple(alerts))
        return MonitorReading(
            calibrating=False,
            t_s=round(r.t_last - first_t, 3),
            angle_t_s=r.feature_t - first_t,
            angles_deg=r.feature_angles_deg,
            alerts=tuple(alerts),
            reps=tuple(self._new_reps(r.pending_reps, first_t)),
            rep_open_peak_deg={axis: round(p, 2) for axis, p in r.open_rep_peak_deg.items()},
            hold_start_s=(
                round(r.hold_start_t - first_t, 3) if r.hold_start_t is not None else None
            ),
            holds_done=r.holds_done,
            bends_pending=r.bends,
            time_in_zones_s={z: round(s, 2) for z, s in r.zone_seconds.items()},
        )

    def _new_reps(self, pending: tuple[PendingRep, ...], first_t: float) -> list[Excursion]:
        """Reps accepted since the last read: in a set in progress now, and not seen before."""
        out: list[Excursion] = []
        seen = set()
        for ex in pending:
            key = (ex.axis, ex.start_t, ex.end_t)
            seen.add(key)
            if key in self._seen:
                continue
            out.append(
                Excursion(
                    axis=ex.axis,
                    direction=DIRECTIONS[ex.axis][0 if ex.sign > 0 else 1],
                    start_s=round(ex.start_t - first_t, 3),
                    end_s=round(ex.end_t - first_t, 3),
                    peak_deg=round(ex.peak_deg, 2),
                )
            )
        self._seen = seen
        return sorted(out, key=lambda e: e.end_s)
