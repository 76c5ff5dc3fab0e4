"""Runs of consecutive samples meeting a condition, tracked across blocks of a stream.

Episodes, holds, lifting events and quiet-stance bouts are all runs: this one tracker finds
them whether the samples arrive at once or in blocks, keeping only per-run statistics and at
most ``cap`` samples of the open run (memory does not grow with the recording).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from spinecoach.sensors.recording import FloatArray

__all__ = ["Run", "RunTracker"]


@dataclass
class Run:
    """One run: first and last sample time (s), sample count, per-column max/min/sum, samples."""

    start_t: float
    end_t: float
    n: int
    peak: FloatArray
    low: FloatArray
    total: FloatArray
    samples: list[FloatArray] = field(default_factory=list)
    kept: int = 0
    alert_t: float | None = None

    def duration_s(self, rate_hz: float) -> float:
        """From the first sample to one period after the last, in seconds."""
        return self.end_t - self.start_t + 1.0 / rate_hz

    def mean(self) -> FloatArray:
        return self.total / max(self.n, 1)

    def kept_samples(self) -> FloatArray:
        """The first ``cap`` samples of the run, shape (m, columns)."""
        return np.concatenate(self.samples) if self.samples else np.empty((0, len(self.peak)))


class RunTracker:
    """Feed (mask, t, values) blocks in order; completed runs come back from :meth:`feed`.

    ``cap``: samples kept per run (0 keeps none). ``alert_after_s``: a run lasting this long
    gets ``alert_t``, the time of its first sample at or beyond that duration.
    """

    def __init__(self, cap: int = 0, alert_after_s: float | None = None) -> None:
        self.cap = cap
        self.alert_after_s = alert_after_s
        self.open: Run | None = None
        self.new_alerts: list[float] = []

    def feed(self, mask: NDArray[np.bool_], t: FloatArray, values: FloatArray) -> list[Run]:
        """Runs that ended in this block; ``new_alerts`` holds alert times raised in it."""
        self.new_alerts = []
        n = len(mask)
        if n == 0:
            return []
        if self.open is None and not mask.any():
            return []  # nothing open, nothing starts
        if self.open is not None and mask.all():
            self._extend(self.open, t, values)  # the open run goes on through the block
            return []
        prev = 1 if self.open is not None else 0
        d = np.diff(np.concatenate([[prev], mask.astype(np.int8), [0]]))
        starts = np.flatnonzero(d == 1).tolist()
        ends = np.flatnonzero(d == -1).tolist()
        if prev:
            starts.insert(0, 0)
        done: list[Run] = []
        for s, e in zip(starts, ends, strict=True):
            run = self.open if (s == 0 and self.open is not None) else None
            if run is None and e > s:
                run = Run(
                    float(t[s]),
                    float(t[s]),
                    0,
                    np.full(values.shape[1], -np.inf),
                    np.full(values.shape[1], np.inf),
                    np.zeros(values.shape[1]),
                )
            if run is None:
                continue
            if e > s:
                self._extend(run, t[s:e], values[s:e])
            if e == n and mask[-1]:
                self.open = run
            else:
                self.open = None
                done.append(run)
        return done

    def _extend(self, run: Run, t: FloatArray, v: FloatArray) -> None:
        run.end_t = float(t[-1])
        run.n += len(t)
        np.maximum(run.peak, v.max(axis=0), out=run.peak)
        np.minimum(run.low, v.min(axis=0), out=run.low)
        run.total += v.sum(axis=0)
        if run.kept < self.cap:
            take = v[: self.cap - run.kept]
            run.samples.append(np.array(take))
            run.kept += len(take)
        if self.alert_after_s is not None and run.alert_t is None:
            due = run.start_t + self.alert_after_s
            i = int(np.searchsorted(t, due - 1e-9))
            if i < len(t):
                run.alert_t = float(t[i])
                self.new_alerts.append(run.alert_t)

    def close(self) -> list[Run]:
        """End the open run (at a gap that splits the recording, or at the end)."""
        run, self.open = self.open, None
        return [run] if run is not None else []
