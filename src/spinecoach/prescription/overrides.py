"""The clinician's overrides: pin or exclude exercises, change doses, add contraindications.

The engine respects overrides but never lets one break safety: a pin (or a dose change,
which implies a pin) of an exercise that loads a provoking direction, is contraindicated,
or comes while a red flag stops exercise is refused and listed in the program's
``excluded`` with rule ``override.refused_safety``. Malformed overrides (unknown ids, a dose
outside the exercise's bounds, the same id pinned and excluded) raise an error instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.errors import InputError, UnknownItemError
from spinecoach.exercises.model import Dose, Exercise, Range
from spinecoach.vocabulary import Contraindication, Equipment

__all__ = ["DoseChange", "Overrides", "apply_dose_change", "check_overrides"]

DOSE_FIELDS: tuple[str, ...] = ("sets", "reps", "hold_s", "load_kg", "rest_s", "duration_min")


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DoseChange(_Doc):
    """New values for some dose parameters; each must lie inside the exercise's bounds."""

    sets: int | None = Field(default=None, ge=1, le=10)
    reps: int | None = Field(default=None, ge=1, le=100)
    hold_s: float | None = Field(default=None, gt=0, le=600)
    load_kg: float | None = Field(default=None, ge=0, le=200)
    rest_s: int | None = Field(default=None, ge=0, le=600)
    duration_min: float | None = Field(default=None, gt=0, le=120)

    def changed(self) -> dict[str, float]:
        """The parameters this change sets, in a fixed order."""
        return {f: v for f in DOSE_FIELDS if (v := getattr(self, f)) is not None}


class Overrides(_Doc):
    """A clinician's changes to a prescribed program (JSON or YAML document)."""

    pin: list[str] = Field(default_factory=list, description="exercise ids to include")
    exclude: list[str] = Field(default_factory=list, description="exercise ids to leave out")
    doses: dict[str, DoseChange] = Field(
        default_factory=dict, description="exercise id -> dose changes (implies a pin)"
    )
    contraindications: list[Contraindication] = Field(
        default_factory=list,
        description="contraindications the intake cannot express (e.g. wrist_pain)",
    )
    allow_anti_rotation: bool = Field(
        default=False,
        description="offer anti-rotation isometrics (the spine held still) although rotation "
        "provokes symptoms; the reason is shown in the program",
    )
    load_steps_kg: dict[Equipment, float] = Field(
        default_factory=dict,
        description="the smallest load step of the patient's own equipment, kg (e.g. "
        "pulley: 1.25 with add-on plates); loads progress by it",
    )
    note: str | None = Field(default=None, description="the clinician's note, kept for the record")

    def wanted(self) -> list[str]:
        """Ids the clinician wants in the program (pins and dose changes), sorted."""
        return sorted(set(self.pin) | set(self.doses))


def check_overrides(overrides: Overrides, known: Collection[str]) -> None:
    """Reject unknown ids and contradictions, naming the field and the id."""
    for field, ids in (("pin", overrides.pin), ("exclude", overrides.exclude)):
        for exercise_id in ids:
            _known(f"overrides.{field}", exercise_id, known)
    for exercise_id in sorted(overrides.doses):
        _known("overrides.doses", exercise_id, known)
    for equipment, step in overrides.load_steps_kg.items():
        if not 0 < step <= 50:
            raise InputError(f"overrides.load_steps_kg.{equipment}: {step:g} must be 0-50 kg")
    both = sorted(set(overrides.wanted()) & set(overrides.exclude))
    if both:
        raise InputError(
            f"overrides: exercise '{both[0]}' is both excluded and pinned (or given a dose); "
            "choose one"
        )


def _known(field: str, exercise_id: str, known: Iterable[str]) -> None:
    if exercise_id in known:
        return
    close = difflib.get_close_matches(exercise_id, sorted(known), n=3)
    hint = f"; did you mean: {', '.join(close)}" if close else ""
    raise UnknownItemError(f"{field}: exercise '{exercise_id}' is unknown{hint}")


def apply_dose_change(exercise: Exercise, dose: Dose, change: DoseChange) -> Dose:
    """``dose`` with the clinician's values; any value outside the bounds is an InputError."""
    bounds = exercise.bounds
    ranges: dict[str, Range | None] = {
        "sets": bounds.sets,
        "reps": bounds.reps,
        "hold_s": bounds.hold_s,
        "load_kg": bounds.load_kg,
        "rest_s": bounds.rest_s,
        "duration_min": bounds.duration_min,
    }
    update: dict[str, Any] = {}
    for field, value in change.changed().items():
        where = f"overrides.doses.{exercise.id}.{field}"
        bound = ranges[field]
        if bound is None or (getattr(dose, field) is None and field != "sets"):
            raise InputError(f"{where}: '{exercise.id}' is not dosed by {field}")
        if not bound.contains(value):
            raise InputError(
                f"{where}: {value:g} is outside the exercise's bounds {bound.min:g}-{bound.max:g}"
            )
        if field == "load_kg" and not _on_step(value, bound.min, bounds.load_increment_kg):
            raise InputError(
                f"{where}: {value:g} kg is not a step of {bounds.load_increment_kg:g} kg "
                f"from {bound.min:g} kg"
            )
        update[field] = value
    fields = {**dose.model_dump(), **update}
    if "sets" in update or "reps" in update:
        fields["pyramid"] = None  # the clinician's sets and reps replace the pyramid
    if fields["extra_set_side"] is not None and fields["sets"] + 1 > bounds.sets.max:
        fields["extra_set_side"] = None  # no room for the weak side's extra set
    return Dose.model_validate(fields)


def _on_step(value: float, start: float, step: float | None) -> bool:
    if step is None:
        return True
    steps = (value - start) / step
    return abs(steps - round(steps)) < 1e-6
