"""Repetitions and single movements: excursions of a low-passed lumbar angle away from neutral.

An excursion starts when the angle last left the ``rep_exit_deg`` band around neutral before
going beyond ``rep_enter_deg``, and ends when it is back inside the band (hysteresis, so noise
near a threshold makes no extra reps). Excursions shorter than ``rep_min_s`` (jolts) or longer
than ``rep_max_s`` (getting into or staying in a position, e.g. sitting down) are not reps.
Consecutive excursions on one angle less than ``set_max_gap_s`` apart form a set when there are
at least ``set_min_reps`` of them; fewer are single movements (e.g. movement tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from spinecoach.sensors.recording import FloatArray
from spinecoach.sensors.settings import SensorSettings

__all__ = ["DIRECTIONS", "Movement", "Rep", "RepSet", "RepetitionTracker"]

Axis = Literal["flexion", "lateral", "rotation"]
AXIS_NAMES: tuple[Axis, Axis, Axis] = ("flexion", "lateral", "rotation")
DIRECTIONS: dict[str, tuple[str, str]] = {
    "flexion": ("flexion", "extension"),
    "lateral": ("right", "left"),
    "rotation": ("left", "right"),
}
"""Angle -> (direction of a positive excursion, of a negative one), per DESIGN.md signs."""
MAX_LISTED = 500


class Rep(BaseModel):
    """One repetition: direction, timing (s) and amplitude (peak angle from neutral, deg)."""

    model_config = ConfigDict(frozen=True)

    direction: str
    start_s: float
    duration_s: float
    out_s: float
    back_s: float
    amplitude_deg: float


class RepSet(BaseModel):
    """Consecutive repetitions on one angle, with their mean amplitude, duration and tempo."""

    model_config = ConfigDict(frozen=True)

    axis: Axis
    start_s: float
    end_s: float
    count: int
    mean_amplitude_deg: float
    mean_duration_s: float
    tempo_out_back_s: tuple[float, float]
    reps: list[Rep]


class Movement(BaseModel):
    """A single movement away from neutral and back (e.g. one movement test)."""

    model_config = ConfigDict(frozen=True)

    axis: Axis
    direction: str
    start_s: float
    duration_s: float
    peak_deg: float


@dataclass
class _Excursion:
    sign: int
    start_t: float
    peak: float
    peak_t: float
    end_t: float = 0.0


FEW = 64
"""Blocks up to this many samples (live frames) are scanned in plain Python floats."""


class _AxisDetector:
    """Hysteresis excursion detector for one angle, vectorised per block, state carried."""

    def __init__(self, enter: float, exit_: float) -> None:
        self.enter = enter
        self.exit = exit_
        self.state = 0
        self.last_in_t: float | None = None
        self.active: _Excursion | None = None

    def feed(self, t: FloatArray, x: FloatArray) -> list[_Excursion]:
        if len(x) <= FEW:
            return self._feed_few(t.tolist(), x.tolist())
        events = np.full(len(x), 2, dtype=np.int8)
        events[np.abs(x) < self.exit] = 0
        events[x > self.enter] = 1
        events[x < -self.enter] = -1
        idx = np.flatnonzero(events != 2)
        codes = events[idx]
        prev = np.concatenate([[self.state], codes[:-1]])
        changes = np.flatnonzero(codes != prev)
        done: list[_Excursion] = []
        seg_start = 0
        for j in changes:
            i = int(idx[j])
            if self.active is not None:
                self._track_peak(t, x, seg_start, i)
                self.active.end_t = float(t[i])
                done.append(self.active)
                self.active = None
            code = int(codes[j])
            if code != 0:
                if j > 0 and codes[j - 1] == 0:
                    start = float(t[idx[j - 1]])
                elif self.last_in_t is not None and self.state == 0:
                    start = self.last_in_t
                else:
                    start = float(t[i])
                self.active = _Excursion(code, start, float(x[i]), float(t[i]))
                seg_start = i
            self.state = code
        if self.active is not None:
            self._track_peak(t, x, seg_start, len(x))
        if len(idx) and codes[-1] == 0:
            self.last_in_t = float(t[idx[-1]])
        return done

    def _feed_few(self, t: list[float], x: list[float]) -> list[_Excursion]:
        """:meth:`feed` sample by sample in plain floats: the same events, the same results,
        cheaper than a dozen array operations on a live frame's few samples."""
        done: list[_Excursion] = []
        seg_start = 0
        last = -1  # the previous sample that was inside the band or beyond a threshold
        for i, v in enumerate(x):
            code = 2
            if abs(v) < self.exit:
                code = 0
            if v > self.enter:
                code = 1
            if v < -self.enter:
                code = -1
            if code == 2:
                continue
            if code != self.state:
                if self.active is not None:
                    self._track_peak_few(t, x, seg_start, i)
                    self.active.end_t = t[i]
                    done.append(self.active)
                    self.active = None
                if code != 0:
                    if last >= 0 and self.state == 0:
                        start = t[last]  # the previous event had code 0: it is the state
                    elif self.last_in_t is not None and self.state == 0:
                        start = self.last_in_t
                    else:
                        start = t[i]
                    self.active = _Excursion(code, start, v, t[i])
                    seg_start = i
                self.state = code
            last = i
        if self.active is not None:
            self._track_peak_few(t, x, seg_start, len(x))
        if last >= 0 and self.state == 0:
            self.last_in_t = t[last]
        return done

    def _track_peak_few(self, t: list[float], x: list[float], a: int, b: int) -> None:
        ex = self.active
        if ex is None or b <= a:
            return
        sign = ex.sign
        k = max(range(a, b), key=lambda i: x[i] * sign)  # the first of equal maxima
        if x[k] * sign > ex.peak * sign:
            ex.peak = x[k]
            ex.peak_t = t[k]

    def _track_peak(self, t: FloatArray, x: FloatArray, a: int, b: int) -> None:
        ex = self.active
        if ex is None or b <= a:
            return
        seg = x[a:b] * ex.sign
        k = int(np.argmax(seg))
        if seg[k] > ex.peak * ex.sign:
            ex.peak = float(x[a + k])
            ex.peak_t = float(t[a + k])


class RepetitionTracker:
    """Streaming repetitions, sets and single movements on all three lumbar angles."""

    def __init__(self, settings: SensorSettings, t0: float) -> None:
        self.s = settings
        self.t0 = t0
        self.detectors = [
            _AxisDetector(settings.rep_enter_deg, settings.rep_exit_deg) for _ in AXIS_NAMES
        ]
        self.pending: list[list[_Excursion]] = [[] for _ in AXIS_NAMES]
        self.sets: list[RepSet] = []
        self.set_count = 0
        self.movements: list[Movement] = []
        self.movement_count = 0

    def feed(self, t: FloatArray, angles: FloatArray) -> None:
        """``angles``: low-passed flexion, lateral, rotation (deg), shape (N, 3)."""
        for k, det in enumerate(self.detectors):
            for ex in det.feed(t, angles[:, k]):
                self._add(k, ex)

    def _add(self, k: int, ex: _Excursion) -> None:
        duration = ex.end_t - ex.start_t
        pending = self.pending[k]
        if not self.s.rep_min_s <= duration <= self.s.rep_max_s:
            if duration > self.s.rep_max_s:
                self._flush(k)
            return
        if pending and ex.start_t - pending[-1].end_t > self.s.set_max_gap_s:
            self._flush(k)
        self.pending[k].append(ex)

    def _flush(self, k: int) -> None:
        pending, self.pending[k] = self.pending[k], []
        axis = AXIS_NAMES[k]
        if len(pending) >= self.s.set_min_reps:
            self.set_count += 1
            if len(self.sets) < MAX_LISTED:
                self.sets.append(self._set(axis, pending))
            return
        for ex in pending:
            self.movement_count += 1
            if len(self.movements) < MAX_LISTED:
                self.movements.append(
                    Movement(
                        axis=axis,
                        direction=DIRECTIONS[axis][0 if ex.sign > 0 else 1],
                        start_s=round(ex.start_t - self.t0, 3),
                        duration_s=round(ex.end_t - ex.start_t, 3),
                        peak_deg=round(ex.peak, 2),
                    )
                )

    def _set(self, axis: Axis, exs: list[_Excursion]) -> RepSet:
        reps = [
            Rep(
                direction=DIRECTIONS[axis][0 if ex.sign > 0 else 1],
                start_s=round(ex.start_t - self.t0, 3),
                duration_s=round(ex.end_t - ex.start_t, 3),
                out_s=round(ex.peak_t - ex.start_t, 3),
                back_s=round(ex.end_t - ex.peak_t, 3),
                amplitude_deg=round(abs(ex.peak), 2),
            )
            for ex in exs
        ]
        return RepSet(
            axis=axis,
            start_s=reps[0].start_s,
            end_s=round(exs[-1].end_t - self.t0, 3),
            count=len(reps),
            mean_amplitude_deg=round(float(np.mean([r.amplitude_deg for r in reps])), 2),
            mean_duration_s=round(float(np.mean([r.duration_s for r in reps])), 3),
            tempo_out_back_s=(
                round(float(np.mean([r.out_s for r in reps])), 3),
                round(float(np.mean([r.back_s for r in reps])), 3),
            ),
            reps=reps,
        )

    def split(self) -> None:
        """A long gap: an excursion cannot span it, and a set ends at it."""
        for k, det in enumerate(self.detectors):
            det.active = None
            det.state = 0
            det.last_in_t = None
            self._flush(k)

    def finish(self) -> tuple[list[RepSet], int, list[Movement], int]:
        """Sets and single movements in order of their start, whatever the block sizes were
        (the three axes close their sets in processing order, which depends on the blocks)."""
        self.split()
        self.sets.sort(key=lambda s: s.start_s)
        self.movements.sort(key=lambda m: m.start_s)
        return self.sets, self.set_count, self.movements, self.movement_count
