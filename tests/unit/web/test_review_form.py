"""The edit form of a proposed version: the posted form as the API's overrides document, and a
refusal placed next to the box or choice it names."""

from __future__ import annotations

import json
from pathlib import Path

from spinecoach.clinical import assess
from spinecoach.clinical.intake import Intake
from spinecoach.documents import parse_document
from spinecoach.exercises.catalogue import load_catalogue
from spinecoach.prescription import Overrides, prescribe
from spinecoach.prescription.program import Program
from spinecoach.web import review

ROOT = Path(__file__).resolve().parents[3]


def _program() -> Program:
    raw = json.loads((ROOT / "examples" / "desk-worker.intake.json").read_text())
    assessment = assess(parse_document(raw, Intake))
    return prescribe(assessment, assessment.patient, load_catalogue())


def test_rows_show_the_dose_boxes_each_exercise_has() -> None:
    program = _program()
    rows = review.edit_rows(program)
    assert [r.id for r in rows] == [e.id for e in program.exercises]
    for row, item in zip(rows, program.exercises, strict=True):
        names = {b.name.rsplit("-", 1)[1] for b in row.boxes}
        assert "sets" in names
        assert ("reps" in names) == (item.dose.reps is not None)
        assert ("hold_s" in names) == (item.dose.hold_s is not None)
        assert row.choice == "keep"


def test_the_form_becomes_the_overrides_document_with_only_changed_doses() -> None:
    program = _program()
    first, second, third = program.exercises[:3]
    form = {
        f"choice-{first.id}": "pin",
        f"choice-{second.id}": "exclude",
        f"dose-{third.id}-sets": str(third.dose.sets + 1),
        f"dose-{first.id}-sets": str(first.dose.sets),
        "note": "  wrist  ",
    }
    document, errors = review.overrides_from_form(program, form, ["wrist_pain"])
    assert errors == {}
    assert document == {
        "pin": [first.id],
        "exclude": [second.id],
        "doses": {third.id: {"sets": third.dose.sets + 1}},
        "contraindications": ["wrist_pain"],
        "note": "wrist",
    }
    parse_document(document, Overrides, "overrides")  # the API's own schema takes it


def test_boxes_that_are_not_whole_numbers_are_named() -> None:
    program = _program()
    first = program.exercises[0]
    form = {f"dose-{first.id}-sets": "2.5", f"choice-{first.id}": "drop"}
    _, errors = review.overrides_from_form(program, form, [])
    assert "whole number" in errors[f"dose-{first.id}-sets"]
    assert "keep, pin or exclude" in errors[f"choice-{first.id}"]


def test_a_refusal_lands_on_the_box_or_choice_it_names() -> None:
    document = {"pin": ["a", "b"], "exclude": [], "doses": {"c": {"reps": 12}}}
    names = {"a": "Curl-up", "b": "Bird dog", "c": "Side bridge"}
    placed = review.place_refusal(
        "overrides.doses.c.reps: refused, 12 is harder than the proposed 8", document, names
    )
    assert placed == {"dose-c-reps": "Side bridge, reps: Refused, 12 is harder than the proposed 8"}
    placed = review.place_refusal(
        "overrides.pin.1 'b': refused, Bird dog needs mat; nothing was changed", document, names
    )
    assert placed == {"choice-b": "Bird dog: Refused, Bird dog needs mat; nothing was changed"}
    placed = review.place_refusal(
        "overrides: field 'doses.c.reps': Input should be less than or equal to 100",
        document,
        names,
    )
    assert placed == {"dose-c-reps": "Side bridge, reps: Input should be less than or equal to 100"}
    assert review.place_refusal("program version 3 is approved", document) == {
        "form": "program version 3 is approved"
    }
