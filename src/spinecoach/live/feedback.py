"""Live feedback as pure functions: from what the monitor shows after a block to messages.

Exercise mode compares the live lumbar angle with the exercise's target zone: a stillness band
around the posture settled into at the start of a hold, or a range on one angle for a mobility
rep. It counts reps as the monitor accepts them, times the hold, and gives a gentle cue when the
back leaves the zone. Posture mode turns the monitor's alerts (sustained flexion, slouch) and
lifting with a bent back into notifications. State is passed in and returned, never kept here.

Every number below is a named policy default (unverified, [U]): CLINICAL.md has none for live
cues; a clinic changes them through :class:`FeedbackSettings`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from spinecoach.errors import InputError
from spinecoach.exercises.model import Exercise
from spinecoach.live.reading import MonitorReading
from spinecoach.sensors.posture import LiftingEvent
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings

__all__ = [
    "ExerciseProgress",
    "ExerciseTarget",
    "FeedbackEvent",
    "FeedbackSettings",
    "HoldTarget",
    "PostureProgress",
    "RepTarget",
    "exercise_feedback",
    "exercise_view",
    "posture_feedback",
    "target_for_exercise",
]

Axis = Literal["flexion", "lateral", "rotation"]
_AXIS_INDEX = {"flexion": 0, "lateral": 1, "rotation": 2}


@dataclass(frozen=True)
class FeedbackSettings:
    """Live-cue policy (all [U], clinic-adjustable)."""

    hold_band_deg: float = 5.0
    """Default stillness band: the lumbar angles may move this far (vector norm, deg) from the
    posture settled into; a steady bird dog stays within about 1 deg, a wobbly one reaches 5."""
    settle_s: float = 1.0
    """The settled posture of a hold is the mean angle over its first second."""
    cue_after_s: float = 0.3
    """The back must be out of its zone this long (added up) before a cue: no cue for a twitch."""
    back_in_s: float = 1.0
    """This long back inside the zone starts the count afresh."""
    cue_refractory_s: float = 5.0
    """At most one cue of a kind in this time: gentle, not nagging."""
    rep_range_max_deg: float = 60.0
    """Default top of a mobility rep's range: the severe flexion zone edge (sensor settings)."""


DEFAULT_FEEDBACK = FeedbackSettings()


class _Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exercise_id: str | None = Field(default=None, description="catalogue id, for the page")


class HoldTarget(_Target):
    """A hold: keep the lumbar angles within ``band_deg`` of the settled posture."""

    kind: Literal["hold"] = "hold"
    band_deg: float = Field(default=DEFAULT_FEEDBACK.hold_band_deg, gt=0, le=45)
    hold_s: float | None = Field(default=None, gt=0, le=600, description="target hold time")


class RepTarget(_Target):
    """Mobility reps on one angle: each rep's peak should fall in ``range_deg`` (from neutral)."""

    kind: Literal["reps"] = "reps"
    axis: Axis = "flexion"
    direction: str | None = Field(
        default=None,
        description="flexion/extension, right/left (lateral), left/right (rotation); None: both",
    )
    range_deg: tuple[float, float] = (
        DEFAULT_SETTINGS.rep_enter_deg,
        DEFAULT_FEEDBACK.rep_range_max_deg,
    )
    reps: int | None = Field(default=None, ge=1, le=100, description="target reps of the set")

    @model_validator(mode="after")
    def _ordered(self) -> RepTarget:
        lo, hi = self.range_deg
        if not 0 <= lo < hi <= 180:
            raise ValueError(f"range_deg must be 0 <= low < high <= 180, got {self.range_deg}")
        allowed = {"flexion": ("flexion", "extension"), "lateral": ("right", "left")}.get(
            self.axis, ("left", "right")
        )
        if self.direction is not None and self.direction not in allowed:
            raise ValueError(f"direction for {self.axis} is one of {', '.join(allowed)}")
        return self


ExerciseTarget = Annotated[HoldTarget | RepTarget, Field(discriminator="kind")]


class FeedbackEvent(BaseModel):
    """One message to the patient's page: what happened, when (s into the stream), in words."""

    model_config = ConfigDict(frozen=True)

    type: Literal["alert", "cue", "rep", "hold", "status"]
    kind: str
    t_s: float | None
    message: str
    value: float | None = None


@dataclass(frozen=True)
class ExerciseProgress:
    """Exercise-mode state between blocks (times in s from the first sample)."""

    target: HoldTarget | RepTarget
    reps: int = 0
    reps_in_range: int = 0
    last_rep_peak_deg: float | None = None
    holds: int = 0
    holds_seen: int | None = None
    hold_start_s: float | None = None
    hold_ref_sum: tuple[float, float, float] = (0.0, 0.0, 0.0)
    hold_ref_n: int = 0
    out_s: float = 0.0
    in_since_s: float | None = None
    zone_t_s: float | None = None
    in_zone: bool = True
    last_cue_s: float = -np.inf
    angle_deg: tuple[float, float, float] | None = None
    t_s: float | None = None


def target_for_exercise(
    exercise: Exercise, settings: SensorSettings = DEFAULT_SETTINGS
) -> HoldTarget | RepTarget:
    """The default live target of a catalogue exercise: a hold or reps on the angle it loads."""
    if exercise.dose.hold_s is not None:
        return HoldTarget(exercise_id=exercise.id, hold_s=exercise.dose.hold_s)
    loads = exercise.loaded_directions
    hi = DEFAULT_FEEDBACK.rep_range_max_deg
    lo = settings.rep_enter_deg
    if "flexion" in loads or "extension" in loads:
        both = {"flexion", "extension"} <= loads
        direction = None if both else ("flexion" if "flexion" in loads else "extension")
        return RepTarget(
            exercise_id=exercise.id, axis="flexion", direction=direction, range_deg=(lo, hi)
        )
    for load, axis in (("lateral_flexion", "lateral"), ("rotation", "rotation")):
        if load in loads:
            return RepTarget(exercise_id=exercise.id, axis=axis, range_deg=(lo, hi))
    raise InputError(
        f"exercise {exercise.id}: no hold and no lumbar movement to follow live "
        f"(loads: {', '.join(sorted(exercise.loads))})"
    )


def exercise_feedback(
    progress: ExerciseProgress,
    reading: MonitorReading,
    policy: FeedbackSettings = DEFAULT_FEEDBACK,
) -> tuple[ExerciseProgress, list[FeedbackEvent]]:
    """Update exercise-mode state with one reading; returns the new state and its messages."""
    if reading.calibrating or reading.t_s is None:
        return progress, []
    events: list[FeedbackEvent] = []
    p = replace(progress, t_s=reading.t_s)
    if len(reading.angles_deg):
        p = replace(p, angle_deg=_triple(reading.angles_deg[-1]))
    if isinstance(p.target, RepTarget):
        p, events = _reps(p, p.target, reading, policy)
    else:
        p, events = _hold(p, p.target, reading, policy)
    return p, events


def _reps(
    p: ExerciseProgress, target: RepTarget, reading: MonitorReading, policy: FeedbackSettings
) -> tuple[ExerciseProgress, list[FeedbackEvent]]:
    events: list[FeedbackEvent] = []
    lo, hi = target.range_deg
    for ex in reading.reps:
        if ex.axis != target.axis:
            continue
        if target.direction is not None and ex.direction != target.direction:
            events.append(
                FeedbackEvent(
                    type="cue",
                    kind="wrong_direction",
                    t_s=ex.end_s,
                    message=f"That one went into {ex.direction}; this exercise moves into "
                    f"{target.direction}.",
                )
            )
            continue
        peak = abs(ex.peak_deg)
        in_range = lo <= peak <= hi
        p = replace(
            p,
            reps=p.reps + 1,
            reps_in_range=p.reps_in_range + int(in_range),
            last_rep_peak_deg=round(peak, 1),
        )
        of = f" of {target.reps}" if target.reps else ""
        events.append(
            FeedbackEvent(
                type="rep",
                kind="rep",
                t_s=ex.end_s,
                message=f"Rep {p.reps}{of}: {peak:.0f}°",
                value=float(p.reps),
            )
        )
    # the zone: the live angle on the target axis, in the target direction, below the top
    k = _AXIS_INDEX[target.axis]
    sign = _direction_sign(target)
    x = reading.angles_deg[:, k] * (sign if sign else 1.0)
    beyond = np.abs(x) > hi if sign == 0 else x > hi
    p, cue = _zone(
        p,
        reading,
        beyond,
        policy,
        kind="too_far",
        words=f"Gently: a little less far (target up to {hi:.0f}°).",
    )
    return p, events + cue


def _direction_sign(target: RepTarget) -> int:
    if target.direction is None:
        return 0
    positive = {"flexion": "flexion", "lateral": "right", "rotation": "left"}[target.axis]
    return 1 if target.direction == positive else -1


def _hold(
    p: ExerciseProgress, target: HoldTarget, reading: MonitorReading, policy: FeedbackSettings
) -> tuple[ExerciseProgress, list[FeedbackEvent]]:
    events: list[FeedbackEvent] = []
    if p.holds_seen is None:
        p = replace(p, holds_seen=reading.holds_done)
    if p.hold_start_s is not None and reading.hold_start_s != p.hold_start_s:
        duration = (p.t_s or 0.0) - p.hold_start_s
        if reading.holds_done > (p.holds_seen or 0):  # long enough to count as a hold
            p = replace(p, holds=p.holds + 1)
            events.append(
                FeedbackEvent(
                    type="hold",
                    kind="hold_done",
                    t_s=p.t_s,
                    message=f"Hold {p.holds} done: {duration:.0f} s",
                    value=round(duration, 1),
                )
            )
        p = replace(p, hold_start_s=None, hold_ref_sum=(0.0, 0.0, 0.0), hold_ref_n=0)
    p = replace(p, holds_seen=reading.holds_done)
    if reading.hold_start_s is None:
        return replace(p, out_s=0.0, in_since_s=None, zone_t_s=None, in_zone=True), events
    if p.hold_start_s is None:
        p = replace(p, hold_start_s=reading.hold_start_s)
    start = p.hold_start_s or 0.0
    t = reading.angle_t_s
    settling = (t >= start) & (t < start + policy.settle_s)
    if settling.any():
        total = np.add(p.hold_ref_sum, reading.angles_deg[settling].sum(axis=0))
        p = replace(p, hold_ref_sum=_sum3(total), hold_ref_n=p.hold_ref_n + int(settling.sum()))
    settled = t >= start + policy.settle_s
    if p.hold_ref_n == 0 or not settled.any():
        return p, events
    ref = np.asarray(p.hold_ref_sum) / p.hold_ref_n
    dev = np.linalg.norm(reading.angles_deg[settled] - ref, axis=1)
    reading_after = _after(reading, settled)
    p, cue = _zone(
        p,
        reading_after,
        dev > target.band_deg,
        policy,
        kind="out_of_band",
        words=f"Keep your back still: it moved {float(dev.max()):.0f}° from where you settled.",
    )
    return p, events + cue


def _after(reading: MonitorReading, keep: np.ndarray) -> MonitorReading:
    return replace(reading, angle_t_s=reading.angle_t_s[keep], angles_deg=reading.angles_deg[keep])


def _zone(
    p: ExerciseProgress,
    reading: MonitorReading,
    outside: np.ndarray,
    policy: FeedbackSettings,
    *,
    kind: str,
    words: str,
) -> tuple[ExerciseProgress, list[FeedbackEvent]]:
    """Add up time out of the zone (reset after ``back_in_s`` inside); cue at ``cue_after_s``.

    Adding up, rather than waiting for one long exit, also catches a back that wobbles in and
    out of the band; a single twitch shorter than ``cue_after_s`` gets no cue.
    """
    events: list[FeedbackEvent] = []
    t = reading.angle_t_s
    out_s, in_since, prev = p.out_s, p.in_since_s, p.zone_t_s
    for ti, out in zip(t.tolist(), outside.tolist(), strict=True):
        dt = ti - prev if prev is not None and 0 < ti - prev < 1.0 else 0.0
        prev = ti
        if not out:
            in_since = ti if in_since is None else in_since
            if ti - in_since >= policy.back_in_s:
                out_s = 0.0
            continue
        in_since = None
        out_s += dt
        if out_s >= policy.cue_after_s and ti - p.last_cue_s >= policy.cue_refractory_s:
            events.append(FeedbackEvent(type="cue", kind=kind, t_s=round(ti, 3), message=words))
            p = replace(p, last_cue_s=ti)
            out_s = 0.0
    in_zone = not bool(outside[-1]) if len(outside) else p.in_zone
    return replace(p, out_s=out_s, in_since_s=in_since, zone_t_s=prev, in_zone=in_zone), events


def _sum3(x: np.ndarray) -> tuple[float, float, float]:
    return (float(x[0]), float(x[1]), float(x[2]))


def _triple(x: np.ndarray) -> tuple[float, float, float]:
    return (round(float(x[0]), 2), round(float(x[1]), 2), round(float(x[2]), 2))


def exercise_view(p: ExerciseProgress) -> dict[str, object]:
    """What the page draws in exercise mode: the zone, the live angle, reps and hold time."""
    target = p.target
    view: dict[str, object] = {
        "target": target.model_dump(),
        "in_zone": p.in_zone,
        "reps": p.reps,
        "reps_in_range": p.reps_in_range,
        "last_rep_peak_deg": p.last_rep_peak_deg,
        "holds": p.holds,
        "hold_s": round(p.t_s - p.hold_start_s, 1)
        if p.hold_start_s is not None and p.t_s is not None
        else None,
    }
    if isinstance(target, RepTarget):
        view["zone"] = {
            "axis": target.axis,
            "low_deg": target.range_deg[0],
            "high_deg": target.range_deg[1],
        }
    else:
        ref = [round(v / p.hold_ref_n, 1) for v in p.hold_ref_sum] if p.hold_ref_n else None
        view["zone"] = {"band_deg": target.band_deg, "settled_deg": ref}
    return view


# --- posture mode ---


@dataclass(frozen=True)
class PostureProgress:
    """Posture-mode state: the bends already notified (start times, s), to notify once."""

    notified: tuple[float, ...] = ()


def posture_feedback(
    progress: PostureProgress,
    reading: MonitorReading,
    settings: SensorSettings = DEFAULT_SETTINGS,
) -> tuple[PostureProgress, list[FeedbackEvent]]:
    """Posture alerts as notifications, and lifting with a bent back once it is known a lift.

    A forward bend is a lift, not part of an exercise set, when fewer than ``set_min_reps``
    bends came less than ``set_max_gap_s`` apart: the rule the posture analysis uses, decided
    here as soon as that gap has passed. A bent back is peak lumbar flexion in the moderate zone
    or beyond (``zone_edges_deg[1]``, 40 deg by default; policy [U]).
    """
    events = [
        FeedbackEvent(type="alert", kind=a.kind, t_s=a.t_s, message=a.message)
        for a in reading.alerts
    ]
    bends = reading.bends_pending
    if not bends or reading.t_s is None:
        return PostureProgress(), events
    last = bends[-1]
    decided = reading.t_s - (last.start_s + last.duration_s) > settings.set_max_gap_s
    if not decided or len(bends) >= settings.set_min_reps:
        return progress, events
    notified = list(progress.notified)
    for bend in bends:
        if bend.start_s in notified or bend.peak_flexion_deg < settings.zone_edges_deg[1]:
            continue
        notified.append(bend.start_s)
        events.append(_lift_notice(bend))
    return PostureProgress(tuple(notified)), events


def _lift_notice(bend: LiftingEvent) -> FeedbackEvent:
    return FeedbackEvent(
        type="alert",
        kind="lifting_bent_back",
        t_s=bend.start_s,
        message=f"You bent down with a rounded back ({bend.peak_flexion_deg:.0f}° of lumbar "
        "flexion): next time bend at the hips and knees and keep the back long.",
        value=bend.peak_flexion_deg,
    )
