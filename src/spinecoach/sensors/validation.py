"""Checks that a recording is usable, block by block, with errors naming the row and column.

Fatal problems raise :class:`~spinecoach.errors.SensorDataError`: time stamps that are not
finite or not strictly increasing, NaN/inf samples, clipped (saturated) axes, gyro values only
possible in deg/s, a sample rate outside 25-1000 Hz. Gaps are not fatal: they are reported,
and a gap longer than ``split_gap_s`` splits the recording (nothing is interpolated across it).
Rows count data rows from 1, as :attr:`Recording.first_row` does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict

from spinecoach.errors import SensorDataError
from spinecoach.sensors.recording import AXES, FloatArray, Recording
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings

__all__ = ["Gap", "RecordingValidator", "check_time", "sample_rate_hz"]


class Gap(BaseModel):
    """Missing samples between two rows; ``split`` when long enough to split the recording."""

    model_config = ConfigDict(frozen=True)

    row: int
    t_s: float
    length_s: float
    split: bool


def check_time(
    block: Recording, last_t: float | None, settings: SensorSettings = DEFAULT_SETTINGS
) -> None:
    """``t`` finite and strictly increasing (after ``last_t``, the previous block's last time),
    with no step longer than ``settings.max_gap_s``; errors name the row."""
    t = block.t
    bad = np.flatnonzero(~np.isfinite(t))
    if bad.size:
        raise SensorDataError(
            f"row {block.first_row + bad[0]} column t: {t[bad[0]]} is not a finite time"
        )
    prev = np.concatenate([[last_t], t[:-1]]) if last_t is not None else None
    steps = np.diff(t) if prev is None else t - prev
    offset = 1 if prev is None else 0
    bad = np.flatnonzero((steps <= 0) | (steps > settings.max_gap_s))
    if not bad.size:
        return
    i = int(bad[0]) + offset
    before = t[i - 1] if i > 0 else last_t
    step = steps[bad[0]]
    if step > settings.max_gap_s:
        raise SensorDataError(
            f"row {block.first_row + i} column t: a gap of {step:.6g} s after {before:.6g} s, "
            f"longer than {settings.max_gap_s:g} s; one recording cannot span it (is t in seconds?)"
        )
    kind = "duplicate time stamp" if step == 0 else "time goes backwards"
    raise SensorDataError(
        f"row {block.first_row + i} column t: {kind} ({t[i]:.6g} s after {before:.6g} s); "
        "t must be strictly increasing"
    )


def sample_rate_hz(t: FloatArray, settings: SensorSettings = DEFAULT_SETTINGS) -> float:
    """Nominal sample rate (Hz) from the median step of ``t`` (s); error outside 25-1000 Hz."""
    if len(t) < 2:
        raise SensorDataError("column t: fewer than 2 samples, the sample rate is unknown")
    dt = float(np.median(np.diff(t)))
    rate = 1.0 / dt if dt > 0 else float("inf")
    slack = 1e-6 * rate  # a rate of exactly 25 Hz must not fail on rounding in t
    if not settings.min_rate_hz - slack <= rate <= settings.max_rate_hz + slack:
        raise SensorDataError(
            f"column t: sample rate {rate:.1f} Hz is outside {settings.min_rate_hz:.0f}-"
            f"{settings.max_rate_hz:.0f} Hz (is t in seconds?)"
        )
    return rate


@dataclass
class _Carry:
    last_t: float | None = None
    tail: dict[str, dict[str, FloatArray]] | None = None
    """The last ``clip_run - 1`` acc and gyr samples of each sensor (clipping spans blocks)."""


class RecordingValidator:
    """Validates consecutive blocks of one recording; keeps what spans block edges."""

    def __init__(self, rate_hz: float, settings: SensorSettings = DEFAULT_SETTINGS) -> None:
        self.rate_hz = rate_hz
        self.settings = settings
        self.gaps: list[Gap] = []
        self._carry = _Carry()
        self._gyro_in_rad_s: set[str] = set()
        self._longest_step = 0.0

    def check(self, block: Recording) -> list[Gap]:
        """Raise on fatal problems in ``block``; return the gaps that start in it."""
        time_fine = self._time_fine(block)
        if not time_fine:
            self._check_time(block)  # names the row at fault
        plain = self._plainly_fine(block)
        confirmed = []
        for name, samples in block.sensors.items():
            if not plain:
                for quantity, arr in (
                    ("acc", samples.acc),
                    ("gyr", samples.gyr),
                    ("mag", samples.mag),
                ):
                    if arr is not None:
                        self._check_finite(block, name, quantity, arr)
                self._check_gyro_units(block, name, samples.gyr)
            if name not in self._gyro_in_rad_s and self._gyro_against_tilt(block, name):
                confirmed.append(name)
        if not plain:
            self._check_clipping(block)
        self._gyro_in_rad_s.update(confirmed)  # a refused block confirms nothing
        gaps = [] if time_fine and not self._may_gap() else self._find_gaps(block)
        self.gaps.extend(gaps)
        if len(block):
            self._carry.last_t = float(block.t[-1])
            keep = max(0, len(block) - (self.settings.clip_run - 1))
            self._carry.tail = {
                name: {"acc": samples.acc[keep:], "gyr": samples.gyr[keep:]}
                for name, samples in block.sensors.items()
            }
        return gaps

    def _time_fine(self, block: Recording) -> bool:
        """Whether the time steps of ``block`` (the first from the previous block's last
        sample, if any) plainly pass the time check: finite, increasing, none beyond
        ``max_gap_s``. False when they may not (or the block is empty): :func:`check_time`
        then names why. Keeps the longest step for :meth:`_may_gap`."""
        t = block.t
        if len(t) == 0 or not math.isfinite(float(t[0])):
            return False
        steps = np.diff(t)
        last = self._carry.last_t
        first = float(t[0]) - last if last is not None else None
        lo = min(float(steps.min(initial=np.inf)), np.inf if first is None else first)
        hi = max(float(steps.max(initial=-np.inf)), -np.inf if first is None else first)
        if not (lo > 0 and hi <= self.settings.max_gap_s):  # NaN fails too
            return False
        self._longest_step = hi
        return True

    def _may_gap(self) -> bool:
        """Whether the longest step :meth:`_time_fine` saw (the step from the previous
        block included) is long enough to be a gap."""
        return self._longest_step > self.settings.gap_factor * (1.0 / self.rate_hz)

    def check_units(self, block: Recording) -> None:
        """Only the gyro-against-tilt check, for sensors whose units are not yet confirmed
        (``block`` already passed :meth:`check` block by block: it needs seconds of data)."""
        for name in block.sensors:
            if name not in self._gyro_in_rad_s and self._gyro_against_tilt(block, name):
                self._gyro_in_rad_s.add(name)

    def units_confirmed(self, sensors: Iterable[str]) -> bool:
        """Whether the gyro of every sensor named has been seen to turn in rad/s."""
        return all(name in self._gyro_in_rad_s for name in sensors)

    def _plainly_fine(self, block: Recording) -> bool:
        """One absolute maximum per array: every value finite, no gyro value beyond a trunk's,
        nothing at full scale. Then the finite, unit and clipping checks cannot fail (a block
        that is not plainly fine goes through them one by one, for the row and column)."""
        s = self.settings
        for samples in block.sensors.values():
            acc = float(np.abs(samples.acc).max(initial=0.0))
            gyr = float(np.abs(samples.gyr).max(initial=0.0))
            if not (acc < s.clip_acc_ms2 and gyr < s.clip_gyr_rads and gyr <= s.max_gyr_rads):
                return False  # NaN fails these comparisons too
            if samples.mag is not None and not np.isfinite(samples.mag).all():
                return False
        return True

    def _check_time(self, block: Recording) -> None:
        check_time(block, self._carry.last_t, self.settings)

    def _check_finite(self, block: Recording, name: str, quantity: str, arr: FloatArray) -> None:
        bad = ~np.isfinite(arr)
        if bad.any():
            row, axis = np.argwhere(bad)[0]
            raise SensorDataError(
                f"row {block.first_row + row} column {name}_{quantity}_{AXES[axis]}: "
                f"{arr[row, axis]} is not a finite number (NaN/inf samples are not allowed)"
            )

    def _check_gyro_units(self, block: Recording, name: str, gyr: FloatArray) -> None:
        big = np.abs(gyr) > self.settings.max_gyr_rads
        if big.any():
            row, axis = np.argwhere(big)[0]
            raise SensorDataError(
                f"row {block.first_row + row} column {name}_gyr_{AXES[axis]}: "
                f"{gyr[row, axis]:.1f} rad/s is impossible for a trunk; the gyro looks like "
                "deg/s, give rad/s"
            )

    def _gyro_against_tilt(self, block: Recording, name: str) -> bool:
        """Compare gyro turning with the tilt the accelerometer sees; True when it shows rad/s.

        Over 0.5 s windows of quasi-static samples (|acc| within 15 % of g) in which gravity's
        direction moved more than 5 deg, the path gravity's direction takes according to the
        gyro (the integral of |gyr x up|) cannot be shorter than the tilt the accelerometer
        shows, and for trunk movement it is rarely more than a few times longer. A median
        ratio above ``gyro_ratio_deg_s`` (deg/s read as rad/s gives about 57) is an error.
        Samples are thinned to about 50 Hz, which keeps the check cheap.
        """
        stride = max(1, int(self.rate_hz // 50))
        rate = self.rate_hz / stride
        win = max(2, round(0.5 * rate))
        if -(-len(block) // stride) < 2 * win:
            return False  # shorter than two windows: nothing to compare (a live frame)
        samples = block.sensors[name]
        ratio = _gyro_tilt_ratio(samples.acc[::stride], samples.gyr[::stride], rate, win)
        if ratio is None:
            return False
        if ratio > self.settings.gyro_ratio_deg_s:
            raise SensorDataError(
                f"columns {name}_gyr_*: the gyro turns {ratio:.0f} times as far as the "
                f"accelerometer tilts (rows {block.first_row}-{block.first_row + len(block) - 1});"
                " it looks like deg/s, give rad/s"
            )
        return True

    def _check_clipping(self, block: Recording) -> None:
        run = self.settings.clip_run
        tail = self._carry.tail
        for name, samples in block.sensors.items():
            for quantity, arr, limit in (
                ("acc", samples.acc, self.settings.clip_acc_ms2),
                ("gyr", samples.gyr, self.settings.clip_gyr_rads),
            ):
                if not np.abs(arr).max(initial=0.0) >= limit:
                    continue  # nothing near full scale in this block: nothing can be clipped
                prev = tail[name][quantity] if tail is not None and name in tail else arr[:0]
                x = np.concatenate([prev, arr])
                top = np.abs(x).max(axis=0) if len(x) else np.zeros(3)
                at_top = (np.abs(x[1:]) >= limit) & (np.abs(x[1:]) == top)
                same = (x[1:] == x[:-1]) & at_top
                if run > 1 and len(same) >= run - 1:
                    window = np.lib.stride_tricks.sliding_window_view(same, run - 1, axis=0)
                    hits = np.argwhere(window.all(axis=-1))
                else:
                    hits = np.empty((0, 2), dtype=int)
                if hits.size:
                    i, axis = hits[0]
                    row = block.first_row - len(prev) + int(i)
                    unit = "m/s²" if quantity == "acc" else "rad/s"
                    raise SensorDataError(
                        f"row {row} column {name}_{quantity}_{AXES[axis]}: clipped at "
                        f"{x[i, axis]:.4g} {unit} ({run} identical samples at full scale); "
                        "the sensor range is too small for this movement"
                    )

    def _find_gaps(self, block: Recording) -> list[Gap]:
        t = block.t
        if self._carry.last_t is not None:
            t = np.concatenate([[self._carry.last_t], t])
            offset = 0
        else:
            offset = 1
        steps = np.diff(t)
        nominal = 1.0 / self.rate_hz
        idx = np.flatnonzero(steps > self.settings.gap_factor * nominal)
        return [
            Gap(
                row=block.first_row + int(i) + offset,
                t_s=round(float(t[i]), 6),
                length_s=round(float(steps[i] - nominal), 6),
                split=bool(steps[i] > self.settings.split_gap_s),
            )
            for i in idx
        ]


def _gyro_tilt_ratio(acc: FloatArray, gyr: FloatArray, rate_hz: float, win: int) -> float | None:
    n = (len(acc) // win) * win
    if n < 2 * win:
        return None
    norm = np.linalg.norm(acc[:n], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # |acc| = 0 is named by the acc check
        up = acc[:n] / norm[:, None]
    static = np.abs(norm - 9.81) < 0.15 * 9.81
    up_w = up.reshape(-1, win, 3)
    chord = np.degrees(np.arccos(np.clip(np.sum(up_w[:, 0] * up_w[:, -1], axis=1), -1.0, 1.0)))
    use = static.reshape(-1, win).all(axis=1) & (chord > 5.0)
    if use.sum() < 3:
        return None  # too little tilt to compare (most windows of a still wearer): no gyro path
    path = np.linalg.norm(np.cross(gyr[:n], up), axis=1) / rate_hz
    travelled = np.degrees(path.reshape(-1, win).sum(axis=1))
    return float(np.median(travelled[use] / chord[use]))
