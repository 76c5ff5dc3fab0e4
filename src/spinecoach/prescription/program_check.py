"""A program document checked against the catalogue and the safety vocabulary before use.

The program file is a document a person can edit, so ``adapt`` does not trust it: every
exercise must be a catalogue exercise, once, with the catalogue's loads and ladder and a
dose inside the catalogue's bounds (a descending pyramid that starts at ``reps``); the safety
section may only use known red-flag ids and contraindications, and its provoking loads must
cover its provoking directions. Any problem is one :class:`InputError` line naming the field.
"""

from __future__ import annotations

from spinecoach.clinical.red_flags import RED_FLAGS
from spinecoach.errors import InputError, UnknownItemError
from spinecoach.exercises.catalogue import Catalogue
from spinecoach.exercises.model import Dose, DoseBounds
from spinecoach.prescription.program import Program
from spinecoach.vocabulary import CONTRAINDICATIONS, DIRECTION_LOADS

__all__ = ["check_program"]

_DOSE_FIELDS = ("sets", "reps", "hold_s", "load_kg", "duration_min", "rest_s")


def check_program(program: Program, catalogue: Catalogue) -> None:
    """Raise a one-line error naming the first field that does not fit the catalogue."""
    seen: dict[str, int] = {}
    for i, e in enumerate(program.exercises):
        where = f"program: exercises.{i}"
        if e.id not in catalogue:
            raise UnknownItemError(f"{where}.id '{e.id}' is not in the exercise catalogue")
        if e.id in seen:
            raise InputError(f"{where}.id '{e.id}' is listed twice (also exercises.{seen[e.id]})")
        seen[e.id] = i
        entry = catalogue.get(e.id)
        if sorted(e.loads) != sorted(entry.loads):
            raise InputError(
                f"{where}.loads {sorted(e.loads)} differ from the catalogue's "
                f"{sorted(entry.loads)} for '{e.id}'"
            )
        if e.ladder != entry.ladder or e.level != entry.level:
            raise InputError(
                f"{where}: ladder/level {e.ladder}/{e.level} differ from the catalogue's "
                f"{entry.ladder}/{entry.level} for '{e.id}'"
            )
        _check_dose(f"{where}.dose", e.id, e.dose, entry.bounds)
    _check_safety(program)


def _check_dose(where: str, exercise_id: str, dose: Dose, bounds: DoseBounds) -> None:
    for name in _DOSE_FIELDS:
        value = getattr(dose, name)
        bound = getattr(bounds, name)
        if value is None:
            continue
        if bound is None:
            raise InputError(f"{where}.{name}: '{exercise_id}' is not dosed by {name}")
        if not bound.contains(value):
            raise InputError(
                f"{where}.{name}: {value:g} is outside the catalogue's bounds "
                f"{bound.min:g}-{bound.max:g} for '{exercise_id}'"
            )
    pyramid = dose.pyramid
    if pyramid is not None and (
        pyramid != sorted(pyramid, reverse=True)
        or (dose.reps is not None and pyramid[0] != dose.reps)
    ):
        raise InputError(f"{where}.pyramid {pyramid}: must descend and start at reps")


def _check_safety(program: Program) -> None:
    safety = program.safety
    for i, flag in enumerate(safety.red_flags_under_review):
        if flag not in RED_FLAGS:
            raise UnknownItemError(
                f"program: safety.red_flags_under_review.{i} '{flag}' is not a known red flag"
            )
    for i, tag in enumerate(safety.contraindications):
        if tag not in CONTRAINDICATIONS:
            raise UnknownItemError(
                f"program: safety.contraindications.{i} '{tag}' is unknown; valid: "
                f"{', '.join(CONTRAINDICATIONS)}"
            )
    for direction in (*safety.provoking, *safety.peripheralizing):
        load = DIRECTION_LOADS[direction]
        if load not in safety.provoking_loads:
            raise InputError(
                f"program: safety.provoking_loads lacks '{load}', which the provoking "
                f"direction '{direction}' loads"
            )
    for equipment, step in safety.load_steps_kg.items():
        if not 0 < step <= 50:
            raise InputError(f"program: safety.load_steps_kg.{equipment}: {step:g} must be 0-50 kg")
