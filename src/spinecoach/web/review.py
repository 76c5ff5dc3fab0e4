"""The clinician's edit of a proposed version as a form: rows to show, the posted form read as
the same ``Overrides`` document the API takes, and a refusal placed next to what it refused.

Pure functions (no request, no database): the route reads the form, calls
:func:`spinecoach.services.programs.edit_version` and, on a refusal, hands the message here to
find the exercise and the dose box it names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spinecoach.prescription.handout import dose_in_words
from spinecoach.prescription.program import Program
from spinecoach.vocabulary import CONTRAINDICATIONS

__all__ = [
    "CONTRAINDICATION_WORDS",
    "EditRow",
    "FormErrors",
    "edit_rows",
    "overrides_from_form",
    "place_refusal",
]

FormErrors = dict[str, str]
"""Messages keyed by form field name (``dose-<id>-<field>``, ``choice-<id>``) or ``form``."""

EDITABLE_DOSE: tuple[tuple[str, str, str], ...] = (
    ("sets", "Sets", "1"),
    ("reps", "Reps", "1"),
    ("hold_s", "Hold (s)", "1"),
    ("load_kg", "Load (kg)", "0.25"),
    ("duration_min", "Minutes", "1"),
)
"""Dose parameters a clinician changes on the page: field, label, input step."""

WHOLE = frozenset({"sets", "reps"})
"""Dose parameters counted in whole numbers."""

CONTRAINDICATION_WORDS: dict[str, str] = {
    c: c.replace("_", " ").capitalize() for c in CONTRAINDICATIONS
}


@dataclass(frozen=True)
class DoseBox:
    """One number box of a row: its form name, label, step and the value to show."""

    name: str
    label: str
    step: str
    value: str


@dataclass(frozen=True)
class EditRow:
    """One exercise of the version being edited."""

    id: str
    name: str
    dose: str
    pinned: bool
    choice: str
    boxes: tuple[DoseBox, ...]


def _shown(value: float | int | None) -> str:
    return "" if value is None else f"{value:g}"


def edit_rows(program: Program, form: Mapping[str, str] | None = None) -> list[EditRow]:
    """Every exercise with its keep/pin/exclude choice and dose boxes; a posted ``form`` (after a
    refusal) is shown back as the clinician left it."""
    form = form or {}
    rows = []
    for item in program.exercises:
        boxes = tuple(
            DoseBox(
                name=f"dose-{item.id}-{field}",
                label=label,
                step=step,
                value=form.get(f"dose-{item.id}-{field}", _shown(getattr(item.dose, field))),
            )
            for field, label, step in EDITABLE_DOSE
            if field == "sets" or getattr(item.dose, field) is not None
        )
        rows.append(
            EditRow(
                id=item.id,
                name=item.name,
                dose=dose_in_words(item.dose),
                pinned=item.pinned,
                choice=form.get(f"choice-{item.id}", "keep"),
                boxes=boxes,
            )
        )
    return rows


def overrides_from_form(
    program: Program, form: Mapping[str, str], contraindications: list[str]
) -> tuple[dict[str, Any], FormErrors]:
    """The posted form as an ``Overrides`` document (only the dose values that differ from the
    version's), or the boxes that are not numbers."""
    errors: FormErrors = {}
    pin: list[str] = []
    exclude: list[str] = []
    doses: dict[str, dict[str, float | int]] = {}
    for item in program.exercises:
        choice = form.get(f"choice-{item.id}", "keep")
        if choice not in {"keep", "pin", "exclude"}:
            errors[f"choice-{item.id}"] = f"choose keep, pin or exclude, not '{choice[:20]}'"
        elif choice == "pin":
            pin.append(item.id)
        elif choice == "exclude":
            exclude.append(item.id)
        for field, label, _ in EDITABLE_DOSE:
            name = f"dose-{item.id}-{field}"
            raw = form.get(name, "").strip()
            was = getattr(item.dose, field)
            if not raw or (field != "sets" and was is None):
                continue
            try:
                value = float(raw)
            except ValueError:
                errors[name] = f"{label.lower()} of {item.name}: '{raw[:20]}' is not a number"
                continue
            if not math.isfinite(value):
                errors[name] = f"{label.lower()} of {item.name}: give a finite number"
                continue
            if field in WHOLE and not value.is_integer():
                errors[name] = f"{label.lower()} of {item.name}: give a whole number"
                continue
            if was is not None and math.isclose(value, was):
                continue
            doses.setdefault(item.id, {})[field] = int(value) if field in WHOLE else value
    document: dict[str, Any] = {"pin": pin, "exclude": exclude, "doses": doses}
    if contraindications:
        document["contraindications"] = contraindications
    note = form.get("note", "").strip()
    if note:
        document["note"] = note[:2000]
    return document, errors


_WHERE = re.compile(
    r"overrides(?:\.|: field ')(pin|exclude|doses|contraindications)\.([^\s.:']+)(?:\.(\w+))?"
)
"""``overrides.doses.<id>.<field>`` (the services) or ``overrides: field 'doses.<id>.<field>'``
(the document's schema)."""


def place_refusal(
    message: str, document: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> FormErrors:
    """Where a refusal belongs on the form: the dose box or the exercise's choice it names
    (``overrides.doses.<id>.<field>``, ``overrides.pin.<i>``), else the form as a whole; the
    message loses its document path and gains the exercise's name (``names``: id -> name)."""
    found = _WHERE.search(message)
    if found is None:
        return {"form": message}
    kind, key, field = found.groups()
    text = _LEAD.sub("", message[found.end() :], count=1)
    text = text[:1].upper() + text[1:]
    where: str | None = None
    exercise: str | None = None
    if kind in {"pin", "exclude"} and key.isdigit():
        ids = document.get(kind, [])
        index = int(key)
        if index < len(ids):
            exercise = ids[index]
            where = f"choice-{exercise}"
    elif kind == "doses":
        exercise = key
        fields = document.get("doses", {}).get(key, {})
        if field is None and len(fields) == 1:
            field = next(iter(fields))
        where = f"dose-{key}-{field}" if field is not None else f"choice-{key}"
    elif kind == "contraindications":
        where = "contraindications"
    if where is None:
        return {"form": message}
    name = (names or {}).get(exercise or "", exercise)
    if name and field is not None:
        name = f"{name}, {_LABELS.get(field, field)}"
    return {where: f"{name}: {text}" if name else text}


_LABELS = {field: label.lower() for field, label, _ in EDITABLE_DOSE}


_LEAD = re.compile(r"^'?(?: '[^']*')?: ")
"""What is left of a document path after the part :data:`_WHERE` read."""
