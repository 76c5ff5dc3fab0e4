"""Tunable thresholds of the sensor pipeline, in one frozen dataclass with documented defaults.

None of these numbers comes from CLINICAL.md: they are engineering choices or clinic policy
(status [U]), named here so that a clinic can change them. The posture zone edges follow the
20 / 60 degree trunk-flexion bands used by ergonomic observation methods (RULA, ISO 11226 style;
not retrieved, so [U]) and add a 40 degree edge; applied to lumbar-on-sacrum flexion they are a
policy, not a validated cut-off.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from typing import Any

from pydantic import TypeAdapter, ValidationError

from spinecoach.errors import InputError

__all__ = ["DEFAULT_SETTINGS", "SensorSettings"]


@dataclass(frozen=True)
class SensorSettings:
    """Every threshold the pipeline uses; angles in degrees, times in seconds."""

    # --- validation ---
    min_rate_hz: float = 25.0
    """Lowest accepted sample rate (DESIGN.md section 3)."""
    max_rate_hz: float = 1000.0
    """Highest accepted sample rate (DESIGN.md section 3)."""
    calibration_s: float = 5.0
    """Quiet neutral standing needed at the start (DESIGN.md section 3)."""
    min_duration_s: float = 10.0
    """Shortest usable recording: the calibration plus as long again of data (policy)."""
    gap_factor: float = 2.0
    """A step in ``t`` longer than this many nominal sample periods is a gap (engineering)."""
    split_gap_s: float = 1.0
    """Gaps longer than this split the recording: no event, hold or episode spans them."""
    max_gap_s: float = 3600.0
    """A longer gap is refused: one recording does not span it (t is likely not in seconds,
    or two recordings were joined). An hour covers a sensor charging over lunch."""
    clip_run: int = 5
    """This many identical consecutive samples at an axis' largest value, beyond the limits
    below, mark a clipped (saturated) axis (3 happen by quantisation in real fast motion)."""
    clip_acc_ms2: float = 19.6
    """Acc values at or beyond 2 g that repeat exactly are taken as the sensor's full scale."""
    clip_gyr_rads: float = 4.0
    """Gyro values at or beyond 4 rad/s (about 230 deg/s) that repeat exactly are clipped."""
    max_gyr_rads: float = 35.0
    """Trunk angular rates above 35 rad/s (2000 deg/s) are implausible: the unit is deg/s."""
    gyro_ratio_deg_s: float = 15.0
    """Gyro turning this many times the accelerometer's tilt means deg/s (rad/s gives 1-3)."""

    # --- calibration ---
    calibration_max_gyr_deg_s: float = 10.0
    """Highest RMS angular rate during quiet standing (engineering; normal sway is < 3 deg/s)."""
    calibration_max_acc_sd_ms2: float = 0.5
    """Highest SD of |acc| during quiet standing (engineering)."""
    calibration_max_tilt_deg: float = 45.0
    """A sensor whose x axis is further than this from vertical in standing is mis-worn."""
    flexion_axis_from_bend: bool = True
    """Refine each sensor's left axis from a forward bend just after the standing period."""
    bend_search_s: float = 20.0
    """How long after the standing period a forward bend is looked for (results wait for it)."""
    bend_min_rate_deg_s: float = 10.0
    """Samples turning faster than this about a horizontal axis make up the bend."""
    bend_max_turn_deg: float = 20.0
    """A bend axis further than this from the sensor's own left axis is not trusted."""

    # --- magnetometer trust (9D only when all pass) ---
    mag_min_ut: float = 20.0
    """Lowest plausible Earth field strength (the geomagnetic field is about 25-65 µT)."""
    mag_max_ut: float = 70.0
    """Highest plausible Earth field strength."""
    mag_max_rel_sd: float = 0.05
    """Largest relative SD of |mag| while still (a steady field is undisturbed)."""

    # --- heading drift (6D, two sensors) ---
    realign_heading: bool = True
    """Take quiet standing as neutral axial rotation again, to undo slow 6D heading drift."""
    realign_every_s: float = 600.0
    """How often (s) the last quiet-standing bout is used to realign the headings."""
    realign_max_deg: float = 10.0
    """A larger rotation in quiet standing is taken as real, not drift, and left alone."""
    realign_max_sd_deg: float = 2.0
    """... as is a rotation that changes during the bout."""

    # --- feature rate ---
    feature_rate_hz: float = 25.0
    """Posture, ROM, reps, holds and sway use every k-th sample, k = rate // this (at least
    this rate); orientation and the angle file keep the full rate. Trunk motion is below 3 Hz."""

    # --- angle filtering ---
    lowpass_hz: float = 2.0
    """Low-pass corner for ROM, repetitions and posture (trunk motion is below about 2 Hz)."""

    # --- posture (policy) ---
    zone_edges_deg: tuple[float, float, float] = (20.0, 40.0, 60.0)
    """Flexion zone edges: neutral < 20 <= mild < 40 <= moderate < 60 <= severe (policy, [U])."""
    sustained_flexion_deg: float = 20.0
    """Flexion above this counts toward a sustained flexion episode (policy)."""
    sustained_min_s: float = 30.0
    """An episode lasts at least this long; an alert is raised when it reaches it (policy)."""
    lift_trunk_deg: float = 45.0
    """A forward bend of the trunk (lumbar segment) beyond this and back within ``lift_max_s``
    is a lifting event; its peak lumbar flexion tells a hip hinge from a rounded back (policy)."""
    lift_min_s: float = 0.5
    """Shortest lifting event (shorter is a jolt, not a lift)."""
    lift_max_s: float = 15.0
    """Longest lifting event (longer is a sustained posture)."""
    sit_pelvic_tilt_deg: float = -8.0
    """Sacrum tilted back at least this far (negative = posterior) while upright = sitting."""
    slouch_flexion_deg: float = 15.0
    """Lumbar flexion above this while sitting counts as a slouch (policy)."""
    slouch_alert_s: float = 300.0
    """Slouched sitting this long without a break raises an alert (policy)."""
    upright_max_deg: float = 45.0
    """Lumbar segment within this of vertical counts as upright (standing or sitting)."""

    # --- repetitions ---
    rep_enter_deg: float = 15.0
    """A repetition starts when the filtered angle goes beyond this from neutral."""
    rep_exit_deg: float = 7.0
    """... and ends when it comes back inside this (hysteresis)."""
    rep_min_s: float = 0.8
    """Shortest repetition (shorter is a jolt)."""
    rep_max_s: float = 15.0
    """Longest repetition (longer is getting into or holding a position, not a rep)."""
    set_max_gap_s: float = 10.0
    """Repetitions less than this apart belong to the same set."""
    set_min_reps: int = 3
    """Fewer excursions than this in a row are single movements, not an exercise set."""

    # --- holds and stillness ---
    hold_min_s: float = 3.0
    """Shortest hold (a stability drill hold is typically 7-10 s; McGill, CLINICAL.md section 8)."""
    hold_max_s: float = 120.0
    """A still, non-upright period longer than this is rest (e.g. lying), not an exercise hold."""
    hold_max_gyr_deg_s: float = 40.0
    """Mean angular rate of the lumbar sensor (1 s window) below this counts as holding."""
    hold_min_inclination_deg: float = 45.0
    """Holds are taken in non-upright positions (quadruped, side-lying, supine)."""

    # --- sway ---
    sway_max_gyr_deg_s: float = 8.0
    """Quiet stance: the smoothed angular rate of the lumbar sensor below this (engineering)."""
    sway_max_inclination_deg: float = 15.0
    """Quiet stance: the lumbar segment within this of vertical."""
    sway_min_s: float = 5.0
    """Shortest quiet-stance bout measured for sway."""
    sway_max_s: float = 60.0
    """Sway is measured on at most the first 60 s of a bout."""

    # --- live feedback ---
    alert_refractory_s: float = 60.0
    """After an alert, the same kind is not repeated within this time."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                continue
            for number in value if isinstance(value, tuple) else (value,):
                _check_range(f.name, number)
        _check_order(self)
        edges = self.zone_edges_deg
        if not (0 < edges[0] < edges[1] < edges[2]):
            raise InputError(f"zone_edges_deg must be increasing and positive, got {edges}")
        if self.rep_exit_deg >= self.rep_enter_deg:
            raise InputError("rep_exit_deg must be below rep_enter_deg (hysteresis)")

    @classmethod
    def from_mapping(cls, raw: Any, where: str = "sensor settings") -> SensorSettings:
        """Settings from a mapping (e.g. a clinic's YAML file); errors name the setting."""
        if not isinstance(raw, dict):
            raise InputError(f"{where}: expected a mapping of setting names to values")
        known = {f.name for f in fields(cls)}
        for key in raw:
            if key not in known:
                raise InputError(
                    f"{where}: setting '{key}' is unknown; known: {', '.join(sorted(known))}"
                )
        try:  # strict: "30" or true is not a number of seconds; JSON form so lists fit tuples
            return TypeAdapter(cls).validate_json(json.dumps(raw), strict=True)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(part) for part in err["loc"])
            if not field:  # a check of __post_init__: its message names the setting
                raise InputError(
                    f"{where}: {err.get('ctx', {}).get('error', err['msg'])}"
                ) from None
            raise InputError(f"{where}: field '{field}': {err['msg']}") from None
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None


NEGATIVE_SETTINGS = frozenset({"sit_pelvic_tilt_deg"})
"""Settings that are negative by definition (a backward pelvic tilt); every other is positive."""

MAX_ANGLE_DEG = 180.0
"""No angle threshold can lie beyond a half turn."""
MAX_RATE_DEG_S = 2000.0
"""The gyro range of body-worn IMUs (about 35 rad/s; see ``max_gyr_rads``)."""
MAX_TIME_S = 86_400.0
"""No time threshold is longer than a day."""


def _check_range(name: str, value: float) -> None:
    """One-line error naming the setting when a value is not finite or not plausible."""
    if not math.isfinite(value):
        raise InputError(f"setting '{name}': {value} is not a finite number")
    sign_ok = value < 0 if name in NEGATIVE_SETTINGS else value > 0
    if not sign_ok:
        want = "below 0" if name in NEGATIVE_SETTINGS else "above 0"
        raise InputError(f"setting '{name}': {value:g} must be {want}")
    if name.endswith("_deg_s"):
        limit, unit = MAX_RATE_DEG_S, "deg/s"
    elif name.endswith("_deg"):
        limit, unit = MAX_ANGLE_DEG, "deg"
    elif name.endswith("_s"):
        limit, unit = MAX_TIME_S, "s"
    else:
        return
    if abs(value) > limit:
        raise InputError(f"setting '{name}': {value:g} {unit} is beyond {limit:g} {unit}")


def _check_order(s: SensorSettings) -> None:
    """Pairs of settings that must be in order (a range, a hysteresis)."""
    pairs = (
        ("min_rate_hz", "max_rate_hz"),
        ("mag_min_ut", "mag_max_ut"),
        ("lift_min_s", "lift_max_s"),
        ("rep_min_s", "rep_max_s"),
        ("hold_min_s", "hold_max_s"),
        ("sway_min_s", "sway_max_s"),
    )
    for low, high in pairs:
        if getattr(s, low) >= getattr(s, high):
            raise InputError(
                f"setting '{low}' ({getattr(s, low):g}) must be below '{high}' "
                f"({getattr(s, high):g})"
            )


DEFAULT_SETTINGS = SensorSettings()
"""The defaults above, as one shared (frozen) value."""
