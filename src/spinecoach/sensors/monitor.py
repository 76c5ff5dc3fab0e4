"""The analysis pipeline as one streaming monitor: blocks in, alerts out, a summary at the end.

The batch form (:func:`analyze`) is the same monitor fed the whole recording as one block, so
live feedback and the report on a file cannot disagree. Per block: validate, orient each
sensor with causal vqf in its level frame, compute lumbar angles, low-pass them, and update
posture, ROM, repetitions, holds and sway. Memory is bounded by the block size (and, when
asked, the angle arrays).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict

from spinecoach.errors import SensorDataError
from spinecoach.sensors import quaternions as quat
from spinecoach.sensors.angles import (
    forward_tilt_deg,
    heading_offset_rad,
    relative_angles_deg,
    segment_tilt_deg,
)
from spinecoach.sensors.calibration import Calibration, CalibrationQuality, calibrate
from spinecoach.sensors.orientation import OrientationFilter, magnetometer_trust
from spinecoach.sensors.posture import ZONES, LiftingEvent, Posture, PostureAlert, PostureTracker
from spinecoach.sensors.quality import HoldTracker, Quality
from spinecoach.sensors.recording import FloatArray, Recording, SensorSamples
from spinecoach.sensors.repetitions import AXIS_NAMES, Movement, RepetitionTracker, RepSet
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings
from spinecoach.sensors.smoothing import ExponentialSmoother, LowPass
from spinecoach.sensors.sway import Sway, SwayTracker
from spinecoach.sensors.validation import (
    Gap,
    RecordingValidator,
    check_time,
    sample_rate_hz,
)

__all__ = [
    "Analysis",
    "CausalOrientation",
    "LumbarMonitor",
    "MonitorReadout",
    "OrientationFactory",
    "PendingRep",
    "Repetitions",
    "analyze",
]

RATE_SMOOTHING_S = 0.5
"""Time constant (s) of the angular-rate smoothing used to find holds and quiet stance."""


class Repetitions(BaseModel):
    """Exercise sets found, with every rep, and the totals."""

    model_config = ConfigDict(frozen=True)

    set_count: int
    rep_count: int
    sets: list[RepSet]


class Analysis(BaseModel):
    """Everything ``spinecoach sensors analyze`` reports (s, Hz, deg)."""

    model_config = ConfigDict(frozen=True)

    duration_s: float
    sample_rate_hz: float
    samples: int
    sensors: list[str]
    orientation: dict[str, str]
    heading_realignments: int
    calibration: CalibrationQuality
    rom_deg: dict[str, float]
    movements: list[Movement]
    movement_count: int
    posture: Posture
    reps: Repetitions
    quality: Quality
    sway: Sway
    gaps: list[Gap]
    warnings: list[str]


@dataclass(frozen=True)
class PendingRep:
    """A repetition accepted into the set in progress on one axis (times in s, peak in deg)."""

    axis: str
    sign: int
    start_t: float
    end_t: float
    peak_deg: float


@dataclass(frozen=True)
class MonitorReadout:
    """What the monitor shows after its last ``feed``, for live feedback; reading it changes
    nothing. Times are the recording's time stamps (s); angles in deg."""

    started: bool
    """Calibrated: the fields below are empty or None until then."""
    samples: int
    rate_hz: float | None
    t_last: float | None
    """Time stamp of the last sample analysed."""
    feature_t: FloatArray = field(default_factory=lambda: np.empty(0))
    """Time stamps of the last feed's samples at the feature rate (every k-th of the recording)."""
    feature_angles_deg: FloatArray = field(default_factory=lambda: np.empty((0, 3)))
    """Flexion, lateral, rotation at ``feature_t``, before low-pass (as the hold detection sees)."""
    open_rep_peak_deg: dict[str, float] = field(default_factory=dict)
    """Peak so far of the excursion in progress, per axis that has one."""
    pending_reps: tuple[PendingRep, ...] = ()
    """Reps accepted into each axis's set in progress (a finished set leaves this list)."""
    hold_start_t: float | None = None
    """Start of the still period in progress, if any."""
    holds_done: int = 0
    bends: tuple[LiftingEvent, ...] = ()
    """Forward bends not yet classified as lift or exercise set."""
    zone_seconds: dict[str, float] = field(default_factory=dict)
    """Time so far in each flexion zone (s)."""


class CausalOrientation(Protocol):
    """A sensor's causal orientation filter: samples in, in order; quaternions (N, 4) out."""

    def update(
        self, gyr: FloatArray, acc: FloatArray, mag: FloatArray | None = None
    ) -> FloatArray: ...


OrientationFactory = Callable[[str, float, bool], CausalOrientation]
"""Makes the filter of one sensor from its name, the sample rate (Hz) and whether to use mag."""


def _local_filter(name: str, rate_hz: float, use_mag: bool) -> CausalOrientation:
    return OrientationFilter(rate_hz, use_mag)


class _Filters:
    """Causal low-pass states for the angles and the angular rate, carried across blocks."""

    def __init__(self, settings: SensorSettings, rate: float) -> None:
        self.angles = LowPass(settings.lowpass_hz, rate)
        self.rate = ExponentialSmoother(1.0 / (1.0 + RATE_SMOOTHING_S * rate))


class LumbarMonitor:
    """Streaming analysis of one recording. Feed blocks in order, then call :meth:`finish`.

    ``calibration``: a separate quiet-standing recording, used instead of the first seconds;
    the filters are run through it first, so it should directly precede the recording with the
    sensors still worn. ``keep_angles`` keeps t and the angles for an angle file.
    ``orientation`` makes each sensor's causal filter (name, rate in Hz, use the magnetometer);
    by default an :class:`OrientationFilter` here, in this process. Every sample of a sensor
    passes through its filter once, in order.
    """

    def __init__(
        self,
        settings: SensorSettings = DEFAULT_SETTINGS,
        calibration: Recording | None = None,
        keep_angles: bool = False,
        orientation: OrientationFactory | None = None,
    ) -> None:
        self.s = settings
        self._cal_rec = calibration
        self.keep_angles = keep_angles
        self._orientation = orientation or _local_filter
        self._pending: list[Recording] = []
        self._started = False
        self.warnings: list[str] = []
        self._kept_t: list[FloatArray] = []
        self._kept_angles: list[FloatArray] = []
        self._rom_max = np.full(3, -np.inf)
        self._rom_min = np.full(3, np.inf)
        self._n = 0
        self._t_first = 0.0
        self._t_last = 0.0
        self._reference: FloatArray = np.array([1.0, 0.0, 0.0, 0.0])
        self._last_t: list[FloatArray] = []
        self._last_angles: list[FloatArray] = []
        self._checked: tuple[Recording, list[Gap]] | None = None

    # --- feeding ---
    def check(self, block: Recording) -> bool:
        """Validate the next block as :meth:`feed` will, before it is kept elsewhere.

        Raises :class:`SensorDataError` (nothing changes then); once calibrated this is the
        monitor's own recording check, and ``feed`` of this same block does not repeat it.
        False while calibrating: the monitor checks only time order then, so the caller must
        check the block itself.
        """
        if not self._started or len(block) == 0:
            return False
        self._checked = (block, self.validator.check(block))
        return True

    def feed(self, block: Recording) -> list[PostureAlert]:
        """Process one block (samples after the previous one); returns the alerts it raised."""
        self._last_t, self._last_angles = [], []
        if len(block) == 0:
            return []
        if self._started:
            return self._process(block)
        check_time(block, self._pending[-1].t[-1] if self._pending else None, self.s)
        if not self._pending and len(block) >= 2:
            sample_rate_hz(block.t[:1000], self.s)  # a wrong rate is named before anything else
        self._pending.append(block)
        span = self._pending[-1].t[-1] - self._pending[0].t[0]
        wait_s = self.s.calibration_s + (
            self.s.bend_search_s if self.s.flexion_axis_from_bend else 0
        )
        if self._cal_rec is not None or span >= wait_s:
            return self._begin()
        return []

    def _begin(self) -> list[PostureAlert]:
        """Calibrate on what has been buffered, then process it."""
        first = _concat(self._pending)
        self._pending = []
        self._start(first)
        return self._process(first)

    def _start(self, first: Recording) -> None:
        """Check and calibrate on the first samples, then set up filters and trackers."""
        if "lumbar" not in first.sensors:
            raise SensorDataError(
                "no lumbar sensor: the recording needs columns lumbar_acc_x ... lumbar_gyr_z "
                f"(found sensors: {', '.join(first.sensors)})"
            )
        window = first.t[first.t < first.t[0] + self.s.calibration_s]
        self.rate = sample_rate_hz(window, self.s)  # the same whatever the block sizes
        self.validator = RecordingValidator(self.rate, self.s)
        self.validator.check(first)
        self.cal = self._calibrate(first)
        self.names = [n for n in ("sacrum", "lumbar") if n in first.sensors]
        if "sacrum" not in first.sensors:
            self.warnings.append(
                "no sacrum sensor: angles are the lumbar segment relative to its neutral standing "
                "posture in space, not to the pelvis; sitting and slouch cannot be detected"
            )
        self._setup_orientation(first)
        self._setup_trackers(float(first.t[0]), both="sacrum" in first.sensors)
        self._started = True
        self._validated_first = True

    def _calibrate(self, first: Recording) -> Calibration:
        """From the start of the recording, or from the separate calibration recording."""
        cal_rec = self._cal_rec
        if cal_rec is None:
            return calibrate(first, self.s)
        missing = set(first.sensors) - set(cal_rec.sensors)
        if missing:
            raise SensorDataError(f"calibration recording lacks sensor {sorted(missing)[0]}")
        cal_rate = sample_rate_hz(cal_rec.t, self.s)
        RecordingValidator(cal_rate, self.s).check(cal_rec)
        cal = calibrate(cal_rec, self.s, source="calibration recording")
        if abs(cal.rate_hz - self.rate) > 0.02 * self.rate:
            raise SensorDataError(
                f"calibration recording samples at {cal.rate_hz:.1f} Hz but the "
                f"recording at {self.rate:.1f} Hz; they must match"
            )
        return cal

    def _setup_trackers(self, t0: float, both: bool) -> None:
        """Feature rate, filters, the trackers, and the heading realignment cadence."""
        self._t_first = t0
        self.step = max(1, int(self.rate / self.s.feature_rate_hz + 1e-6))
        feature_rate = self.rate / self.step
        self.filters = _Filters(self.s, feature_rate)
        self.posture = PostureTracker(self.s, feature_rate, t0)
        self.reps = RepetitionTracker(self.s, t0)
        self.holds = HoldTracker(self.s, feature_rate, t0)
        self.sway = SwayTracker(self.s, feature_rate, t0)
        six_d = all(v.startswith("6D") for v in self.orientation.values())
        realign = self.s.realign_heading and both and six_d
        self._realign_every = round(self.s.realign_every_s * self.rate) if realign else 0
        self.realignments = 0

    def _setup_orientation(self, first: Recording) -> None:
        source = self._cal_rec if self._cal_rec is not None else first
        n_cal = max(2, round(self.s.calibration_s * self.cal.rate_hz))
        trust = {}
        for n in self.names:
            mag = source.sensors[n].mag
            trust[n] = magnetometer_trust(None if mag is None else mag[:n_cal], self.s)
        use_mag = all(t.trusted for t in trust.values())
        self.orientation = {
            n: f"9D: {t.reason}"
            if use_mag
            else f"6D: {t.reason}"
            + ("; 9D needs every sensor's field trusted" if t.trusted else "")
            for n, t in trust.items()
        }
        self.filter = {n: self._orientation(n, self.cal.rate_hz, use_mag) for n in self.names}
        self._sensor_from_level = {
            n: quat.from_matrix(self.cal.alignments[n].level_from_sensor.T) for n in self.names
        }
        self.heading: float | None = None
        if self._cal_rec is not None:
            q = {n: self._orient(n, self._cal_rec.sensors[n]) for n in self.names}
            self._set_heading(self._level(q, slice(0, n_cal)), n_cal)
        self._n_cal = n_cal

    def _orient(self, name: str, samples: SensorSamples) -> FloatArray:
        """Raw vqf orientation (sensor to earth) of one sensor's block, shape (N, 4)."""
        return self.filter[name].update(samples.gyr, samples.acc, samples.mag)

    def _level(self, q: dict[str, FloatArray], pick: slice) -> dict[str, FloatArray]:
        """Level-frame orientations (F to earth) of the picked samples: q ⊗ q_sensor_from_level."""
        return {n: quat.multiply(q[n][pick], self._sensor_from_level[n]) for n in q}

    def _set_heading(self, q: dict[str, FloatArray], n: int) -> None:
        if "sacrum" in q:
            self.heading = heading_offset_rad(q["sacrum"][:n], q["lumbar"][:n])
        else:
            psi = quat.heading_rad(q["lumbar"][:n])
            mean = float(np.arctan2(np.mean(np.sin(psi)), np.mean(np.cos(psi))))
            self.heading = 0.0
            self._reference = quat.about_z(mean)

    def _process(self, block: Recording) -> list[PostureAlert]:
        checked, self._checked = self._checked, None
        if self._validated_first:
            self._validated_first = False  # the first block was checked before calibrating
            gaps = self.validator.gaps
        elif checked is not None and checked[0] is block:
            gaps = checked[1]  # checked by :meth:`check` just before
        else:
            gaps = self.validator.check(block)
        alerts: list[PostureAlert] = []
        splits = {
            g.row - block.first_row
            for g in gaps
            if g.split and block.first_row <= g.row < block.first_row + len(block)
        }
        every = self._realign_every
        checkpoints = set(range((-self._n) % every, len(block), every)) - {0} if every else set()
        if every and self._n % every == 0 and self._n:
            checkpoints.add(0)
        if not splits and not checkpoints:
            return self._segment(block)  # the usual block: one segment, no slicing
        edges = sorted({0, len(block)} | splits | checkpoints)
        for a, b in pairwise(edges):
            if a in splits:
                self._split()
            if a in checkpoints:
                self._realign_heading()
            alerts += self._segment(block.slice(a, b))
        return alerts

    def _realign_heading(self) -> None:
        """At a checkpoint: take the last quiet-stance bout as neutral for axial rotation.

        With 6D fusion the two filters' headings drift apart slowly; in quiet standing the trunk
        is taken to face where the pelvis faces (as in the calibration), so a small steady
        rotation there is drift and is removed from then on. Larger or unsteady rotations are
        left alone: the person may really have been turned.
        """
        if self.sway.stance_rotation and self.heading is not None:
            mean, sd = self.sway.stance_rotation[-1]
            if abs(mean) <= self.s.realign_max_deg and sd <= self.s.realign_max_sd_deg:
                self.heading -= float(np.radians(mean))
                self.realignments += 1
        self.sway.stance_rotation.clear()

    def _split(self) -> None:
        for tracker in (self.posture, self.reps, self.holds, self.sway):
            tracker.split()

    def _segment(self, block: Recording) -> list[PostureAlert]:
        raw = {n: self._orient(n, block.sensors[n]) for n in self.names}
        if self.heading is None:
            self._set_heading(self._level(raw, slice(0, self._n_cal)), self._n_cal)
        t = block.t
        if self.keep_angles:
            self._kept_t.append(np.array(t))
            self._kept_angles.append(self._angles(self._level(raw, slice(None))).astype(np.float32))
        # features at the feature rate: every k-th sample counted from the start of the recording
        pick = slice((-self._n) % self.step, None, self.step)
        self._n += len(block)
        self._t_last = float(t[-1])
        t = t[pick]
        if len(t) == 0:
            return []
        q = self._level(raw, pick)
        angles = self._angles(q)
        self._last_t.append(t)
        self._last_angles.append(angles)
        forward, right, incl = segment_tilt_deg(q["lumbar"])
        pelvic = forward_tilt_deg(q["sacrum"]) if "sacrum" in q else np.zeros(len(t))
        gyr = block.sensors["lumbar"].gyr[pick]
        rate = self.filters.rate(np.degrees(np.sqrt(np.einsum("ij,ij->i", gyr, gyr))))
        smooth = self.filters.angles(angles)
        np.maximum(self._rom_max, smooth.max(axis=0), out=self._rom_max)
        np.minimum(self._rom_min, smooth.min(axis=0), out=self._rom_min)
        alerts = self.posture.feed(t, smooth[:, 0], forward, incl, pelvic)
        self.reps.feed(t, smooth)
        self.holds.feed(t, angles, incl, rate)
        self.sway.feed(
            t,
            ap=forward,
            ml=right,
            inclination=incl,
            pelvic_tilt=pelvic,
            rate_deg_s=rate,
            rotation=angles[:, 2],
        )
        return alerts

    def _angles(self, q: dict[str, FloatArray]) -> FloatArray:
        lumbar = q["lumbar"]
        ref = q["sacrum"] if "sacrum" in q else np.broadcast_to(self._reference, lumbar.shape)
        assert self.heading is not None
        return relative_angles_deg(ref, lumbar, self.heading)

    # --- results ---
    @property
    def started(self) -> bool:
        """Calibrated, with its orientation filters made: samples fed now are oriented now."""
        return self._started

    @property
    def samples_processed(self) -> int:
        """Samples analysed so far (0 while waiting for the calibration period)."""
        return self._n

    def readout(self) -> MonitorReadout:
        """The monitor's state after the last ``feed``: what live feedback shows of it."""
        if not self._started:
            return MonitorReadout(started=False, samples=0, rate_hz=None, t_last=None)
        last_t, last_angles = self._last_t, self._last_angles
        pending = [
            PendingRep(AXIS_NAMES[k], ex.sign, ex.start_t, ex.end_t, ex.peak)
            for k, axis_pending in enumerate(self.reps.pending)
            for ex in axis_pending
        ]
        hold = self.holds.runs.open
        return MonitorReadout(
            started=True,
            samples=self._n,
            rate_hz=self.rate,
            t_last=self._t_last,
            feature_t=_joined(last_t, np.empty(0)),
            feature_angles_deg=_joined(last_angles, np.empty((0, 3))),
            open_rep_peak_deg={
                AXIS_NAMES[k]: d.active.peak
                for k, d in enumerate(self.reps.detectors)
                if d.active is not None
            },
            pending_reps=tuple(pending),
            hold_start_t=hold.start_t if hold is not None else None,
            holds_done=self.holds.count,
            bends=tuple(self.posture._bends),
            zone_seconds={
                z: int(c) / self.posture.rate
                for z, c in zip(ZONES, self.posture.zone_counts, strict=True)
            },
        )

    def angles(self) -> tuple[FloatArray, FloatArray]:
        """Time stamps (s) and flexion, lateral, rotation (deg, float32) kept so far."""
        if not self._kept_t:
            return np.empty(0), np.empty((0, 3), dtype=np.float32)
        return np.concatenate(self._kept_t), np.concatenate(self._kept_angles)

    def finish(self) -> Analysis:
        """The summary of everything fed; raises when the recording was too short."""
        span = (self._pending[-1].t[-1] - self._pending[0].t[0]) if self._pending else 0.0
        if not self._started and span >= self.s.calibration_s:
            self._begin()  # shorter than the wait for a forward bend: calibrate on what there is
        if not self._started:
            raise SensorDataError(
                f"recording too short: {span:.1f} s; needs at least {self.s.min_duration_s:.0f} s, "
                f"starting with {self.s.calibration_s:.0f} s of quiet standing"
            )
        duration = self._t_last - self._t_first + 1.0 / self.rate
        if duration < self.s.min_duration_s:
            raise SensorDataError(
                f"recording too short: {duration:.1f} s; needs at least {self.s.min_duration_s:.0f} s"
            )
        sets, set_count, movements, movement_count = self.reps.finish()
        warnings = self._warnings(duration)
        return Analysis(
            duration_s=round(duration, 3),
            sample_rate_hz=round(self.rate, 3),
            samples=self._n,
            sensors=self.names,
            orientation=self.orientation,
            heading_realignments=self.realignments,
            calibration=self.cal.quality,
            rom_deg=self._rom(),
            movements=movements,
            movement_count=movement_count,
            posture=self.posture.result(),
            reps=Repetitions(set_count=set_count, rep_count=sum(s.count for s in sets), sets=sets),
            quality=self.holds.result(),
            sway=self.sway.result(),
            gaps=self.validator.gaps[:500],
            warnings=warnings,
        )

    def _warnings(self, duration: float) -> list[str]:
        warnings = list(self.warnings)
        splits = [g for g in self.validator.gaps if g.split]
        if splits:
            warnings.append(
                f"{len(splits)} gap(s) longer than {self.s.split_gap_s:g} s (first at row "
                f"{splits[0].row}) split the recording; nothing spans them"
            )
        short = [g for g in self.validator.gaps if not g.split]
        if short:
            longest = max(g.length_s for g in short)
            warnings.append(f"{len(short)} short gap(s) bridged (longest {longest:.3f} s)")
        if duration > 3600 and all(v.startswith("6D") for v in self.orientation.values()):
            warnings.append(
                "6D orientation over more than an hour: axial rotation may drift "
                f"(headings realigned {self.realignments} time(s) in quiet standing)"
            )
        return warnings

    def _rom(self) -> dict[str, float]:
        hi, lo = self._rom_max, self._rom_min
        return {
            "flexion": round(max(float(hi[0]), 0.0), 2),
            "extension": round(max(-float(lo[0]), 0.0), 2),
            "lateral_right": round(max(float(hi[1]), 0.0), 2),
            "lateral_left": round(max(-float(lo[1]), 0.0), 2),
            "rotation_left": round(max(float(hi[2]), 0.0), 2),
            "rotation_right": round(max(-float(lo[2]), 0.0), 2),
        }


def _joined(parts: list[FloatArray], empty: FloatArray) -> FloatArray:
    """Parts of one feed in order (usually one: no copy)."""
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else empty


def _concat(blocks: list[Recording]) -> Recording:
    if len(blocks) == 1:
        return blocks[0]
    names = blocks[0].sensors.keys()
    sensors = {}
    for n in names:
        mags = [b.sensors[n].mag for b in blocks]
        sensors[n] = SensorSamples(
            np.concatenate([b.sensors[n].acc for b in blocks]),
            np.concatenate([b.sensors[n].gyr for b in blocks]),
            None
            if any(m is None for m in mags)
            else np.concatenate([m for m in mags if m is not None]),
        )
    return Recording(np.concatenate([b.t for b in blocks]), sensors, blocks[0].first_row)


def analyze(
    blocks: Iterable[Recording] | Recording,
    settings: SensorSettings = DEFAULT_SETTINGS,
    calibration: Recording | None = None,
) -> Analysis:
    """Batch analysis of a recording (or its blocks in order): the monitor fed to the end."""
    monitor = LumbarMonitor(settings, calibration)
    for block in [blocks] if isinstance(blocks, Recording) else blocks:
        monitor.feed(block)
    return monitor.finish()
