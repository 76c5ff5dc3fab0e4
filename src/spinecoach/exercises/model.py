"""Typed description of one catalogue exercise and of a dose.

The catalogue entries (data files in ``exercises/data/``) are validated against these models
on load; the prescription engine only ever sees validated values.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from spinecoach.vocabulary import Equipment, LoadAmount, SpinalLoad

__all__ = [
    "Dose",
    "DoseBounds",
    "Exercise",
    "Mode",
    "Pose",
    "Position",
    "Purpose",
    "Range",
]

Purpose = Literal[
    "activation", "endurance", "strength", "mobility", "balance", "aerobic", "education"
]
Mode = Literal["static", "dynamic"]
Position = Literal["supine", "prone", "quadruped", "side_lying", "sitting", "standing", "kneeling"]


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Value):
    """Inclusive bounds of one dose parameter."""

    min: float = Field(ge=0)
    max: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.max < self.min:
            raise ValueError(f"max {self.max} is below min {self.min}")
        return self

    def contains(self, value: float) -> bool:
        return self.min <= value <= self.max


class Dose(_Value):
    """How much of one exercise: sets of reps, or of holds, with optional external load.

    Exactly one of ``reps`` / ``hold_s`` is the work unit of a set (a hold set may still count
    repeated holds in ``reps``: 6 x 10 s holds is ``reps=6, hold_s=10``). ``pyramid`` lists the
    reps per set of a descending pyramid (McGill), e.g. ``[6, 4, 2]``.
    """

    sets: int = Field(ge=1, le=10)
    reps: int | None = Field(default=None, ge=1, le=100)
    hold_s: float | None = Field(default=None, gt=0, le=600)
    load_kg: float | None = Field(default=None, ge=0, le=200)
    rest_s: int = Field(default=30, ge=0, le=600)
    per_side: bool = False
    duration_min: float | None = Field(
        default=None, gt=0, le=120, description="for time-based work such as walking"
    )
    pyramid: list[int] | None = None
    extra_set_side: Literal["left", "right"] | None = Field(
        default=None,
        description="one more set on this side only (a weak side in an endurance asymmetry)",
    )

    @model_validator(mode="after")
    def _has_work_unit(self) -> Dose:
        if self.reps is None and self.hold_s is None and self.duration_min is None:
            raise ValueError("a dose needs reps, hold_s or duration_min")
        if self.pyramid is not None and len(self.pyramid) != self.sets:
            raise ValueError("pyramid must list one rep count per set")
        return self


class DoseBounds(_Value):
    """The range the engine may move a dose in; load carries the machine's smallest step."""

    sets: Range
    reps: Range | None = None
    hold_s: Range | None = None
    load_kg: Range | None = None
    load_increment_kg: float | None = Field(
        default=None, gt=0, description="smallest step of the pulley / weight stack"
    )
    duration_min: Range | None = None
    rest_s: Range = Range(min=0, max=180)

    def admits(self, dose: Dose) -> bool:
        """True when every parameter of ``dose`` lies inside these bounds."""
        checks: list[tuple[float | None, Range | None]] = [
            (dose.sets, self.sets),
            (dose.reps, self.reps),
            (dose.hold_s, self.hold_s),
            (dose.load_kg, self.load_kg),
            (dose.duration_min, self.duration_min),
            (dose.rest_s, self.rest_s),
        ]
        for value, bound in checks:
            if value is None:
                continue
            if bound is None or not bound.contains(value):
                return False
        return True


class Pose(_Value):
    """Joint angles (degrees) of a side-view stick figure, for the exercise illustration.

    The angle conventions are drawn out in :mod:`spinecoach.exercises.illustration`.
    """

    trunk_deg: float = Field(description="trunk from vertical; 90 = horizontal, head forward")
    hip_deg: float = 0
    knee_deg: float = 0
    shoulder_deg: float = 0
    elbow_deg: float = 0
    neck_deg: float = 0
    ground: Literal["feet", "back", "front", "hands_knees", "side", "seat", "step"] = "feet"
    other_hip_deg: float | None = Field(
        default=None, description="the other leg's hip angle when it differs (None: same)"
    )
    other_knee_deg: float | None = None
    other_shoulder_deg: float | None = None
    other_elbow_deg: float | None = None


class Exercise(_Value):
    """One catalogue exercise: what it is, what it loads, how to dose it, and why it matters."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    instructions: list[str] = Field(min_length=1, description="short steps for the patient")
    cues: list[str] = Field(default_factory=list)
    muscles: list[str] = Field(min_length=1)
    purpose: Purpose
    mode: Mode
    loads: dict[SpinalLoad, LoadAmount] = Field(
        description="spinal directions loaded and how much; {'none': 'low'} for unloaded drills"
    )
    level: int = Field(ge=1, le=6, description="difficulty within its ladder, 1 easiest")
    phase: Literal[1, 2, 3] = Field(description="earliest program phase it belongs to")
    equipment: list[Equipment] = Field(default_factory=list)
    position: Position
    dose: Dose
    bounds: DoseBounds
    contraindications: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    education: str = Field(min_length=20, description="plain-language: why this drill matters")
    ladder: str = Field(description="the progression ladder this exercise belongs to")
    easier: str | None = None
    harder: str | None = None
    unilateral: bool = False
    start: Pose
    end: Pose

    @model_validator(mode="after")
    def _dose_in_bounds(self) -> Exercise:
        if not self.bounds.admits(self.dose):
            raise ValueError(f"exercise {self.id}: template dose lies outside its bounds")
        return self

    @property
    def loaded_directions(self) -> frozenset[SpinalLoad]:
        """Spinal loads other than 'none'."""
        return frozenset(k for k in self.loads if k != "none")
