"""Synthetic two-sensor IMU recordings (pelvis + lumbar segment) with known lumbar angles.

A scenario is a list of phases, each a vectorised function of time giving the ground truth:
lumbar-on-sacrum flexion / lateral bending / axial rotation (DESIGN.md conventions), pelvic
tilt, pelvic list, heading and hip height. From these the model derives each sensor's
orientation, its gyroscope (rad/s, exact frame-to-frame rotation), its accelerometer (gravity
plus the linear acceleration of the sensor's position, m/s²) and optionally its magnetometer;
then adds white noise, a constant bias and a few degrees of mounting misalignment.
Everything is numpy arrays, so a 24-hour day at 100 Hz takes seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np

from spinecoach.errors import InputError
from spinecoach.sensors import quaternions as quat
from spinecoach.sensors.recording import FloatArray, Recording, SensorSamples

__all__ = [
    "SCENARIOS",
    "Noise",
    "Scenario",
    "SetTruth",
    "SyntheticRecording",
    "simulate_recording",
]

Scenario = Literal[
    "standing",
    "forward-bends",
    "lateral-bends",
    "rotations",
    "movement-tests",
    "sit-stand",
    "bird-dog",
    "bird-dog-wobbly",
    "day",
]
SCENARIOS: tuple[str, ...] = get_args(Scenario)

GRAVITY_MS2 = 9.81
EARTH_FIELD_UT = np.array([20.0, 0.0, -42.0])
"""A mid-latitude geomagnetic field in an earth frame with z up (about 46 µT, dip 65 deg)."""

_TRACKS = ("flexion", "lateral", "rotation", "tilt", "list", "heading", "hip")
_STANDING_HIP_M = 0.9
_SITTING_HIP_M = 0.45


@dataclass(frozen=True)
class Noise:
    """Sensor imperfections; defaults are typical of body-worn MEMS IMUs (engineering values)."""

    gyr_sd_rads: float = 0.004
    gyr_bias_rads: float = 0.008
    acc_sd_ms2: float = 0.03
    acc_bias_ms2: float = 0.05
    mag_sd_ut: float = 0.5
    misalignment_deg: float = 3.0


@dataclass(frozen=True)
class SetTruth:
    """A set of repetitions as simulated: main angle, count, and its time span in seconds."""

    axis: Literal["flexion", "lateral", "rotation"]
    reps: int
    start_s: float
    end_s: float


@dataclass(frozen=True)
class SyntheticRecording:
    """The recording plus its ground truth: angles (N, 3) deg, sets, and holds (start, end) s."""

    recording: Recording
    truth_deg: FloatArray
    sets: tuple[SetTruth, ...] = ()
    holds: tuple[tuple[float, float], ...] = ()
    quiet_stance: tuple[tuple[float, float], ...] = ()
    extra: dict[str, float] = field(default_factory=dict)


Track = dict[str, FloatArray]
PhaseFn = Callable[[FloatArray, float], dict[str, FloatArray | float]]


def _bump(tau: FloatArray, period: float, amplitude: float) -> FloatArray:
    """Out and back: 0 -> amplitude -> 0 over ``period`` seconds (raised cosine)."""
    return amplitude * 0.5 * (1 - np.cos(2 * np.pi * np.clip(tau / period, 0.0, 1.0)))


def _ramp(tau: FloatArray, duration: float, start: float, end: float) -> FloatArray:
    """Smooth move from ``start`` to ``end`` over ``duration`` seconds, then stay."""
    s = np.clip(tau / duration, 0.0, 1.0)
    return start + (end - start) * 0.5 * (1 - np.cos(np.pi * s))


class _Timeline:
    """Phases appended in order on a fixed sample grid; the tracks are filled per phase."""

    def __init__(self, rate_hz: float, rng: np.random.Generator) -> None:
        self.rate = rate_hz
        self.rng = rng
        self.parts: list[Track] = []
        self.n = 0
        self.sets: list[SetTruth] = []
        self.holds: list[tuple[float, float]] = []
        self.quiet: list[tuple[float, float]] = []
        self.base: dict[str, float] = dict.fromkeys(_TRACKS, 0.0) | {"hip": _STANDING_HIP_M}
        self.jitter = 0.0

    @property
    def now_s(self) -> float:
        return self.n / self.rate

    def phase(self, seconds: float, fn: PhaseFn | None = None) -> None:
        m = round(seconds * self.rate)
        tau = np.arange(m) / self.rate
        values = fn(tau, seconds) if fn else {}
        part: Track = {}
        for k in _TRACKS:
            v = values.get(k, self.base[k])
            part[k] = np.broadcast_to(np.asarray(v, dtype=np.float64), (m,)).copy()
        self.parts.append(part)
        self.n += m
        for k in _TRACKS:  # the next phase starts where this one ended
            self.base[k] = float(part[k][-1]) if m else self.base[k]

    def stand(self, seconds: float, sway_deg: float = 0.3) -> None:
        start = self.now_s
        phases = self.rng.uniform(0, 2 * np.pi, 4)

        def fn(tau: FloatArray, _: float) -> dict[str, FloatArray | float]:
            ap = sway_deg * (
                np.sin(2 * np.pi * 0.25 * tau + phases[0])
                + 0.5 * np.sin(2 * np.pi * 0.6 * tau + phases[1])
            )
            ml = (
                0.6
                * sway_deg
                * (
                    np.sin(2 * np.pi * 0.3 * tau + phases[2])
                    + 0.5 * np.sin(2 * np.pi * 0.7 * tau + phases[3])
                )
            )
            return {"tilt": self.base["tilt"] + ap - ap[0], "list": self.base["list"] + ml - ml[0]}

        self.phase(seconds, fn)
        self.quiet.append((start, self.now_s))

    def excursions(
        self,
        axis: str,
        amplitudes: list[float],
        period_s: float,
        pause_s: float,
        pelvis_share: float = 0.0,
    ) -> None:
        start = self.now_s
        jitter = self.jitter
        for amp in amplitudes:
            period = period_s * (1 + jitter * self.rng.uniform(-1, 1))
            a = amp * (1 + jitter * self.rng.uniform(-1, 1))

            def fn(tau: FloatArray, p: float, a: float = a) -> dict[str, FloatArray | float]:
                bump = _bump(tau, p, a)
                out: dict[str, FloatArray | float] = {axis: self.base[axis] + bump}
                if pelvis_share and axis == "flexion":
                    out["tilt"] = self.base["tilt"] + pelvis_share * bump
                if pelvis_share and axis == "lateral":
                    out["list"] = self.base["list"] + pelvis_share * bump
                return out

            self.phase(period, fn)
            self.phase(pause_s)
        kind: Literal["flexion", "lateral", "rotation"] = axis  # type: ignore[assignment]
        self.sets.append(SetTruth(kind, len(amplitudes), start, self.now_s))

    def move_to(self, seconds: float, **targets: float) -> None:
        def fn(tau: FloatArray, d: float) -> dict[str, FloatArray | float]:
            return {k: _ramp(tau, d, self.base[k], v) for k, v in targets.items()}

        self.phase(seconds, fn)

    def hold(self, seconds: float, wobble_deg: float) -> None:
        start = self.now_s
        ph = self.rng.uniform(0, 2 * np.pi, 6)
        base = {k: self.base[k] for k in ("flexion", "lateral", "rotation")}

        def fn(tau: FloatArray, d: float) -> dict[str, FloatArray | float]:
            env = np.clip(np.minimum(tau, d - tau) / 0.5, 0, 1)  # fade in and out over 0.5 s
            out: dict[str, FloatArray | float] = {}
            for i, k in enumerate(base):
                w = np.sin(2 * np.pi * 1.3 * tau + ph[i]) + 0.6 * np.sin(
                    2 * np.pi * 2.1 * tau + ph[i + 3]
                )
                out[k] = base[k] + wobble_deg * env * w / 1.6
            return out

        self.phase(seconds, fn)
        self.holds.append((start, self.now_s))

    def tracks(self) -> Track:
        return {k: np.concatenate([p[k] for p in self.parts]) for k in _TRACKS}


def _axis_quat(axis: int, angle_deg: FloatArray) -> FloatArray:
    half = np.radians(angle_deg) / 2
    q = np.zeros((*angle_deg.shape, 4))
    q[..., 0] = np.cos(half)
    q[..., axis + 1] = np.sin(half)
    return q


_EARTH_FROM_SEGMENT0 = quat.from_matrix(
    np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
)
"""Neutral standing facing earth +x: segment x (cranial) is up, y left, z posterior (-x)."""


def _build(scenario: str, tl: _Timeline, seconds: float | None, wobble: float) -> None:
    if scenario == "standing":
        tl.stand(seconds or 60.0, sway_deg=wobble)
        return
    tl.stand(8.0)
    if scenario == "forward-bends":
        tl.excursions("flexion", [45.0] * 8, 4.0, 1.0, pelvis_share=0.6)
    elif scenario == "lateral-bends":
        tl.excursions("lateral", [25.0, -25.0] * 3, 3.0, 1.0, pelvis_share=0.2)
    elif scenario == "rotations":
        tl.excursions("rotation", [20.0, -20.0] * 3, 3.0, 1.0)
    elif scenario == "movement-tests":
        for axis, amp in (
            ("flexion", 50.0),
            ("flexion", -20.0),
            ("lateral", 25.0),
            ("lateral", -25.0),
            ("rotation", 20.0),
            ("rotation", -20.0),
        ):
            tl.excursions(axis, [amp], 5.0, 3.0, pelvis_share=0.5 if axis == "flexion" else 0.0)
        tl.sets.clear()  # single movements, not exercise sets
    elif scenario == "sit-stand":
        tl.move_to(2.0, tilt=-15.0, flexion=25.0, hip=_SITTING_HIP_M)
        tl.phase(60.0)
        tl.move_to(2.0, tilt=0.0, flexion=0.0, hip=_STANDING_HIP_M)
        tl.stand(5.0)
        tl.move_to(2.0, tilt=-10.0, flexion=8.0, hip=_SITTING_HIP_M)
        tl.phase(60.0)
        tl.move_to(2.0, tilt=0.0, flexion=0.0, hip=_STANDING_HIP_M)
    elif scenario in {"bird-dog", "bird-dog-wobbly"}:
        tl.move_to(3.0, tilt=90.0, hip=0.6)  # down onto hands and knees
        tl.phase(2.0)
        for _ in range(6):
            tl.hold(8.0, wobble)
            tl.phase(3.0)
        tl.move_to(3.0, tilt=0.0, hip=_STANDING_HIP_M)
    elif scenario == "day":
        _day_block(tl)
    else:
        raise InputError(f"scenario '{scenario}' is unknown; choose one of: {', '.join(SCENARIOS)}")
    tl.stand(5.0)


def _day_block(tl: _Timeline) -> None:
    """Ten minutes of a working day: desk sitting, standing, bends, lifts, a set of exercises."""
    tl.move_to(2.0, tilt=-15.0, flexion=25.0, hip=_SITTING_HIP_M)
    tl.phase(240.0)
    tl.move_to(2.0, tilt=0.0, flexion=0.0, hip=_STANDING_HIP_M)
    tl.move_to(3.0, heading=90.0)
    tl.stand(60.0)
    tl.excursions("flexion", [55.0, 60.0, 50.0], 4.0, 20.0, pelvis_share=0.8)
    tl.sets.pop()
    tl.move_to(3.0, heading=0.0)
    tl.excursions("flexion", [40.0] * 6, 4.0, 1.0, pelvis_share=0.6)
    tl.move_to(2.0, tilt=-10.0, flexion=8.0, hip=_SITTING_HIP_M)
    remaining = 600.0 - 5.0 - 8.0 - tl.now_s - 2.0
    tl.phase(remaining)
    tl.move_to(2.0, tilt=0.0, flexion=0.0, hip=_STANDING_HIP_M)


def _kinematics(tr: Track, rate: float) -> dict[str, FloatArray]:
    """Segment orientations (earth <- segment) and sensor positions (m) from the tracks."""
    q_sac = quat.multiply(
        quat.multiply(quat.about_z(np.radians(tr["heading"])), _EARTH_FROM_SEGMENT0),
        quat.multiply(_axis_quat(1, tr["tilt"]), _axis_quat(2, -tr["list"])),
    )
    q_rel = quat.multiply(
        quat.multiply(_axis_quat(1, tr["flexion"]), _axis_quat(2, -tr["lateral"])),
        _axis_quat(0, tr["rotation"]),
    )
    q_lum = quat.multiply(q_sac, q_rel)
    hip = np.zeros((len(tr["hip"]), 3))
    hip[:, 2] = tr["hip"]
    pos_sac = hip + quat.rotate(q_sac, np.array([0.10, 0.0, 0.10]))
    pos_lum = (
        hip
        + quat.rotate(q_sac, np.array([0.15, 0.0, 0.05]))
        + quat.rotate(q_lum, np.array([0.20, 0.0, 0.08]))
    )
    return {"sacrum": q_sac, "lumbar": q_lum, "sacrum_pos": pos_sac, "lumbar_pos": pos_lum}


def _clean_sensor(
    q_seg: FloatArray,
    pos: FloatArray,
    *,
    rate: float,
    misalignment_deg: float,
    rng: np.random.Generator,
    magnetometer: bool,
) -> SensorSamples:
    """Noise-free samples of a sensor on a segment, mounted ``misalignment_deg`` off its axes."""
    mis = rng.normal(0.0, 1.0, 3)
    mis *= np.radians(misalignment_deg) / max(np.linalg.norm(mis), 1e-9)
    angle = np.linalg.norm(mis)
    q_mount = np.concatenate([[np.cos(angle / 2)], np.sin(angle / 2) * mis / max(angle, 1e-12)])
    q = quat.multiply(q_seg, q_mount)
    dq = quat.multiply(quat.conjugate(q[:-1]), q[1:])  # the turn since the previous sample
    dq *= np.where(dq[:, :1] < 0, -1.0, 1.0)
    vec = np.linalg.norm(dq[:, 1:], axis=1)
    scale = 2 * np.arctan2(vec, dq[:, 0]) / np.maximum(vec, 1e-15) * rate
    gyr = np.zeros((len(q), 3))
    gyr[1:] = dq[:, 1:] * scale[:, None]
    lin = np.gradient(np.gradient(pos, 1 / rate, axis=0), 1 / rate, axis=0)
    lin[:, 2] += GRAVITY_MS2
    acc = quat.rotate_inverse(q, lin)
    mag = None
    if magnetometer:
        mag = quat.rotate_inverse(q, np.broadcast_to(EARTH_FIELD_UT, (len(q), 3)))
    return SensorSamples(acc, gyr, mag)


def simulate_recording(
    scenario: str,
    *,
    seconds: float | None = None,
    seed: int = 0,
    rate_hz: float = 100.0,
    noise: Noise = Noise(),
    magnetometer: bool = False,
    wobble_deg: float | None = None,
    jitter: float = 0.0,
) -> SyntheticRecording:
    """A synthetic recording of ``scenario`` at ``rate_hz`` with lumbar and sacrum sensors.

    ``seconds`` sets the length of ``standing``; for ``day`` it is the total length (the
    ten-minute block repeats); other scenarios have their own length. ``wobble_deg`` is the
    lumbar perturbation during bird-dog holds (default 0.3 steady, 3 wobbly), or the pelvic
    sway amplitude of ``standing`` (default 0.3). ``jitter`` varies each repetition's
    amplitude and duration by up to that fraction (0.3 = ±30 %).
    """
    if scenario not in SCENARIOS:
        raise InputError(f"scenario '{scenario}' is unknown; choose one of: {', '.join(SCENARIOS)}")
    if not 25.0 <= rate_hz <= 1000.0:
        raise InputError(f"rate {rate_hz} Hz is outside 25-1000 Hz")
    rng = np.random.default_rng(seed)
    wobble = (3.0 if scenario.endswith("wobbly") else 0.3) if wobble_deg is None else wobble_deg
    tl = _Timeline(rate_hz, rng)
    tl.jitter = jitter
    _build(scenario, tl, seconds, wobble)
    tracks = tl.tracks()
    repeats = 1
    if scenario == "day" and seconds:
        repeats = max(1, int(np.ceil(seconds / (tl.n / rate_hz))))
    kin = _kinematics(tracks, rate_hz)
    n_block = tl.n
    n = n_block * repeats
    if scenario == "day" and seconds:
        n = min(n, round(seconds * rate_hz))
    sensors: dict[str, SensorSamples] = {}
    for name in ("lumbar", "sacrum"):
        clean = _clean_sensor(
            kin[name],
            kin[f"{name}_pos"],
            rate=rate_hz,
            misalignment_deg=noise.misalignment_deg,
            rng=rng,
            magnetometer=magnetometer,
        )
        sensors[name] = _worn(clean, n, noise, rng)
    truth = np.column_stack([tracks["flexion"], tracks["lateral"], tracks["rotation"]])
    truth = np.tile(truth, (repeats, 1))[:n]
    t = np.arange(n) / rate_hz
    block_s = n_block / rate_hz
    return SyntheticRecording(
        recording=Recording(t, sensors),
        truth_deg=truth,
        sets=tuple(_shift_sets(tl.sets, block_s, repeats, n / rate_hz)),
        holds=tuple(tl.holds),
        quiet_stance=tuple(tl.quiet),
        extra={"block_s": block_s},
    )


def _worn(clean: SensorSamples, n: int, noise: Noise, rng: np.random.Generator) -> SensorSamples:
    """``n`` samples of the clean signals, repeated as needed, with bias and white noise added."""
    repeats = -(-n // len(clean))

    def tiled(x: FloatArray) -> FloatArray:
        return np.tile(x, (repeats, 1))[:n]

    acc = tiled(clean.acc) + rng.uniform(-1, 1, 3) * noise.acc_bias_ms2
    acc += rng.normal(0, noise.acc_sd_ms2, (n, 3))
    gyr = tiled(clean.gyr) + rng.uniform(-1, 1, 3) * noise.gyr_bias_rads
    gyr += rng.normal(0, noise.gyr_sd_rads, (n, 3))
    mag = None
    if clean.mag is not None:
        mag = tiled(clean.mag) + rng.normal(0, noise.mag_sd_ut, (n, 3))
    return SensorSamples(acc, gyr, mag)


def _shift_sets(
    sets: list[SetTruth], block_s: float, repeats: int, total_s: float
) -> list[SetTruth]:
    out = []
    for r in range(repeats):
        for s in sets:
            shifted = SetTruth(s.axis, s.reps, s.start_s + r * block_s, s.end_s + r * block_s)
            if shifted.end_s <= total_s:
                out.append(shifted)
    return out
