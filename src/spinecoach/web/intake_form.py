"""The intake entry form: its fields, the intake document built from a post, errors by field.

The form is only a way of typing the intake document: the document it builds is validated by
:class:`spinecoach.clinical.Intake` exactly as the API validates a JSON body (strict, from JSON),
and each validation error is placed next to the form field it came from. Nothing here decides
what is valid.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import ValidationError

from spinecoach.clinical.health import SurgeryType
from spinecoach.clinical.instruments import ITEM_RANGES
from spinecoach.clinical.intake import (
    Conditioning,
    Findings,
    Intake,
    MovementTests,
    Occupation,
    PainResponse,
)
from spinecoach.clinical.odi import ODI_SECTIONS
from spinecoach.clinical.psfs import MAX_ACTIVITIES
from spinecoach.clinical.red_flags import RED_FLAGS, RedFlag
from spinecoach.vocabulary import Equipment, Sex, SpinalLoad

__all__ = [
    "ENDURANCE_TESTS",
    "EQUIPMENT",
    "FINDINGS",
    "HEALTH_CHECKS",
    "LOADED_EQUIPMENT",
    "MOVEMENTS",
    "QUESTIONNAIRES",
    "FormField",
    "Instrument",
    "form_values",
    "intake_document",
    "psfs_rows",
    "read_form",
    "validate_intake",
]

FieldErrors = dict[str, str]


@dataclass(frozen=True)
class FormField:
    """One input: its form name and its label."""

    name: str
    label: str


@dataclass(frozen=True)
class Instrument:
    """A questionnaire entered item by item: each item's box and the codes it takes."""

    key: str
    title: str
    codes: str
    items: tuple[FormField, ...]


def _words(name: str) -> str:
    return name.replace("_", " ")


def _instrument(key: str, title: str, codes: str, names: Sequence[str] = ()) -> Instrument:
    count = len(ITEM_RANGES[key])
    items = tuple(
        FormField(
            f"{key}_{n}",
            f"{n} {names[n - 1]}" if names else f"Item {n}",
        )
        for n in range(1, count + 1)
    )
    return Instrument(key, title, codes, items)


QUESTIONNAIRES: tuple[Instrument, ...] = (
    _instrument(
        "start_back",
        "STarT Back (9 items)",
        "items 1-8: 0 disagree, 1 agree; item 9: 0 not at all .. 4 extremely",
    ),
    _instrument("odi", "Oswestry Disability Index (10 sections)", "0-5 each", ODI_SECTIONS),
    _instrument("rmdq", "Roland-Morris (24 statements)", "1 ticked, 0 not ticked"),
    _instrument(
        "fabq", "Fear-Avoidance Beliefs (16 items)", "0 completely disagree .. 6 completely agree"
    ),
)
"""Fixed-length questionnaires; a box left empty is a skipped item, all empty = not given."""

PSFS_ROWS = MAX_ACTIVITIES
MOVEMENTS: tuple[FormField, ...] = tuple(
    FormField(name, _words(name).capitalize()) for name in MovementTests.model_fields
)
PAIN_RESPONSES: tuple[str, ...] = get_args(PainResponse)
ENDURANCE_TESTS: tuple[FormField, ...] = (
    FormField("flexor_s", "Trunk flexor hold (s)"),
    FormField("extensor_s", "Extensor, Biering-Sorensen (s, up to 240)"),
    FormField("side_bridge_right_s", "Side bridge, right (s)"),
    FormField("side_bridge_left_s", "Side bridge, left (s)"),
)
_FINDING_LABELS = {
    "slr_deg": "Straight-leg raise, average (deg)",
    "prone_instability_test": "Prone instability test positive",
    "symptom_duration_days": "Days since symptoms began",
    "hip_internal_rotation_deg": "Hip internal rotation, larger side (deg)",
    "imaging_stenosis": "Stenosis on imaging",
}
FINDINGS: tuple[tuple[FormField, bool], ...] = tuple(
    (
        FormField(f"finding_{name}", _FINDING_LABELS.get(name, _words(name).capitalize())),
        info.annotation == (bool | None),
    )
    for name, info in Findings.model_fields.items()
)
"""Examination findings: (field, is a yes/no finding)."""

HEALTH_CHECKS: tuple[FormField, ...] = (
    FormField("osteoporosis", "Osteoporosis"),
    FormField("fragility_fracture", "A previous fragility fracture"),
    FormField("long_term_oral_steroids", "Oral corticosteroids for 3 months or more"),
    FormField("falls_risk", "Falls risk (a fall in the last year, or unsteady gait)"),
    FormField("uncontrolled_hypertension", "Uncontrolled high blood pressure"),
    FormField("cardiac_disease", "Heart disease"),
)
EQUIPMENT: tuple[str, ...] = get_args(Equipment)
LOADED_EQUIPMENT: tuple[str, ...] = ("pulley", "dumbbells", "kettlebell")
"""Equipment whose load is set in kg (its smallest step is asked)."""
SEXES: tuple[str, ...] = get_args(Sex)
OCCUPATIONS: tuple[str, ...] = get_args(Occupation)
CONDITIONING: tuple[str, ...] = get_args(Conditioning)
SURGERY_TYPES: tuple[str, ...] = get_args(SurgeryType)
SPINAL_LOADS: tuple[str, ...] = tuple(x for x in get_args(SpinalLoad) if x != "none")


def red_flag_groups() -> list[tuple[str, list[RedFlag]]]:
    """The red-flag catalogue by category, in screening order (cauda equina first)."""
    groups: dict[str, list[RedFlag]] = {}
    for flag in RED_FLAGS.values():
        groups.setdefault(flag.category, []).append(flag)
    return [(_words(k).capitalize(), v) for k, v in groups.items()]


# -- form values -> intake document ------------------------------------------------------------


def _text(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


_INT = re.compile(r"^[+-]?\d+$")


def _number(form: Mapping[str, Any], name: str) -> int | float | str | None:
    """A number box as a JSON number would be; text that is no number stays text, so the
    document's own validation names the field."""
    text = _text(form, name)
    if text is None:
        return None
    if _INT.match(text):
        return int(text)
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _list(form: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist is not None else form.get(name, [])
    if isinstance(values, str):
        values = [values]
    return [str(v) for v in values]


def _items(form: Mapping[str, Any], instrument: Instrument) -> list[Any] | None:
    answers = [_number(form, item.name) for item in instrument.items]
    return None if all(a is None for a in answers) else answers


def psfs_rows(form: Mapping[str, Any]) -> list[int]:
    """The numbers (1-based) of the PSFS rows filled in: the document lists only those."""
    return [
        n
        for n in range(1, PSFS_ROWS + 1)
        if _text(form, f"psfs_activity_{n}") is not None
        or _number(form, f"psfs_score_{n}") is not None
    ]


def _psfs(form: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    rows = [
        {"activity": _text(form, f"psfs_activity_{n}"), "score": _number(form, f"psfs_score_{n}")}
        for n in psfs_rows(form)
    ]
    return rows or None


def _yes_no(form: Mapping[str, Any], name: str) -> bool | str | None:
    value = _text(form, name)
    return {"yes": True, "no": False, None: None}.get(value, value)


def intake_document(form: Mapping[str, Any]) -> dict[str, Any]:
    """The intake document a post describes (not yet validated; ``patient.id`` is set later)."""
    equipment = _list(form, "equipment")
    patient: dict[str, Any] = {
        "id": "form",
        "age": _number(form, "age"),
        "sex": _text(form, "sex"),
        "occupation": _text(form, "occupation") or "other",
        "activities": [a.strip().lower() for a in (_text(form, "activities") or "").split(",")],
        "conditioning": _text(form, "conditioning") or "moderate",
        "equipment": equipment,
        "load_steps_kg": {
            name: step
            for name in LOADED_EQUIPMENT
            if (step := _number(form, f"load_step_{name}")) is not None
        },
        "minutes_per_session": _number(form, "minutes_per_session"),
        "sessions_per_week": _number(form, "sessions_per_week"),
        "goals": [g.strip() for g in (_text(form, "goals") or "").splitlines()],
    }
    patient["activities"] = [a for a in patient["activities"] if a]
    patient["goals"] = [g for g in patient["goals"] if g]
    for optional in ("minutes_per_session", "sessions_per_week"):
        if patient[optional] is None:
            del patient[optional]
    questionnaires: dict[str, Any] = {
        instrument.key: _items(form, instrument) for instrument in QUESTIONNAIRES
    }
    questionnaires["nprs"] = _number(form, "nprs")
    questionnaires["psfs"] = _psfs(form)
    flags = _list(form, "red_flags")
    screened = _text(form, "red_flags_asked") != "no"
    surgery: dict[str, Any] | None = None
    surgery_type, surgery_date = _text(form, "surgery_type"), _text(form, "surgery_date")
    if surgery_type is not None or surgery_date is not None:
        surgery = {
            "type": surgery_type,
            "date": surgery_date,
            "restricted_loads": _list(form, "surgery_restricted"),
        }
    health: dict[str, Any] = {
        "as_of": _text(form, "health_as_of"),
        "pregnancy_weeks": _number(form, "pregnancy_weeks"),
        **{check.name: _text(form, check.name) == "on" for check in HEALTH_CHECKS},
        "spinal_surgery": surgery,
        "notes": _text(form, "health_notes"),
    }
    return {
        "patient": patient,
        "questionnaires": {k: v for k, v in questionnaires.items() if v is not None},
        "red_flags": flags if screened or flags else None,
        "movement_tests": {
            m.name: response for m in MOVEMENTS if (response := _text(form, m.name)) is not None
        },
        "endurance": {
            t.name: held for t in ENDURANCE_TESTS if (held := _number(form, t.name)) is not None
        },
        "findings": {
            field.name.removeprefix("finding_"): found
            for field, yes_no in FINDINGS
            if (found := (_yes_no if yes_no else _number)(form, field.name)) is not None
        },
        "health": health,
    }


# -- validation errors -> form fields ----------------------------------------------------------

_ITEM_MESSAGE = re.compile(r"^(start_back|odi|rmdq|fabq) item (\d+):")
_STEP_MESSAGE = re.compile(r"^([a-z_]+): ")
_SURGERY_FIELDS = {"type": "surgery_type", "date": "surgery_date"}


def field_of(loc: tuple[Any, ...], message: str, psfs: Sequence[int] = ()) -> str:
    """The form field behind a validation error at ``loc`` of the intake document (``psfs``:
    the form rows behind the document's PSFS activities, in order)."""
    section, rest = (loc[0], loc[1:]) if loc else ("form", ())
    name = rest[0] if rest else None
    if section == "patient":
        if name == "load_steps_kg":
            found = _STEP_MESSAGE.match(message)
            return f"load_step_{found[1]}" if found else "equipment"
        return str(name) if name is not None else "patient"
    if section == "questionnaires":
        if name == "psfs" and len(rest) > 2 and isinstance(rest[1], int):
            row = psfs[rest[1]] if rest[1] < len(psfs) else rest[1] + 1
            return f"psfs_{rest[2]}_{row}"
        if name != "psfs" and len(rest) > 1 and isinstance(rest[1], int):
            return f"{name}_{rest[1] + 1}"
        found = _ITEM_MESSAGE.match(message)
        return f"{found[1]}_{found[2]}" if found else str(name)
    if section in ("movement_tests", "endurance") and name is not None:
        return str(name)
    if section == "findings" and name is not None:
        return f"finding_{name}"
    if section == "health":
        if name == "spinal_surgery":
            part = rest[1] if len(rest) > 1 else "type"
            return _SURGERY_FIELDS.get(str(part), "surgery_restricted")
        if name in ("as_of", "notes"):
            return f"health_{name}"
        if name is None and message.startswith("as_of"):
            return "health_as_of"
        if name is None and message.startswith("spinal_surgery.date"):
            return "surgery_date"
        return str(name) if name is not None else "health"
    return str(section)


def validate_intake(
    document: Mapping[str, Any], *, psfs: Sequence[int] = ()
) -> tuple[Intake | None, FieldErrors]:
    """The intake, validated as the API validates its JSON body, or the errors by form field
    (``psfs``: :func:`psfs_rows` of the form the document came from)."""
    try:
        return Intake.model_validate_json(json.dumps(document), strict=True), {}
    except ValidationError as exc:
        errors: FieldErrors = {}
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(field_of(tuple(error["loc"]), message, psfs), message)
        return None, errors


def read_form(form: Mapping[str, Any]) -> tuple[dict[str, Any], Intake | None, FieldErrors]:
    """A posted form as its intake document, validated: (document, intake or None, errors)."""
    document = intake_document(form)
    checked, errors = validate_intake(document, psfs=psfs_rows(form))
    return document, checked, errors


def form_values(document: Mapping[str, Any], *, sections: Sequence[str] = ()) -> dict[str, Any]:
    """Form values showing an intake document (the inverse of :func:`intake_document`);
    ``sections`` limits them to some of the document's sections (all when empty)."""
    wanted = set(sections) or {
        "patient",
        "questionnaires",
        "red_flags",
        "movement_tests",
        "endurance",
        "findings",
        "health",
    }
    values: dict[str, Any] = {}

    def put(name: str, value: Any) -> None:
        if value is not None:
            values[name] = value if isinstance(value, list) else str(value)

    patient = document.get("patient") or {}
    if "patient" in wanted:
        for name in ("age", "sex", "occupation", "conditioning"):
            put(name, patient.get(name))
        for name in ("minutes_per_session", "sessions_per_week"):
            put(name, patient.get(name))
        put("activities", ", ".join(patient.get("activities") or []))
        put("goals", "\n".join(patient.get("goals") or []))
        put("equipment", list(patient.get("equipment") or []))
        for name, step in (patient.get("load_steps_kg") or {}).items():
            put(f"load_step_{name}", step)
    questionnaires = document.get("questionnaires") or {}
    if "questionnaires" in wanted:
        for instrument in QUESTIONNAIRES:
            for item, answer in zip(
                instrument.items, questionnaires.get(instrument.key) or [], strict=False
            ):
                put(item.name, answer)
        put("nprs", questionnaires.get("nprs"))
        for n, row in enumerate(questionnaires.get("psfs") or [], start=1):
            put(f"psfs_activity_{n}", row.get("activity"))
            put(f"psfs_score_{n}", row.get("score"))
    if "red_flags" in wanted:
        flags = document.get("red_flags")
        values["red_flags_asked"] = "no" if flags is None else "yes"
        values["red_flags"] = list(flags or [])
    if "movement_tests" in wanted:
        for name, response in (document.get("movement_tests") or {}).items():
            put(name, response)
    if "endurance" in wanted:
        for name, seconds in (document.get("endurance") or {}).items():
            put(name, seconds)
    if "findings" in wanted:
        for name, value in (document.get("findings") or {}).items():
            put(f"finding_{name}", ("yes" if value else "no") if isinstance(value, bool) else value)
    health = document.get("health") or {}
    if "health" in wanted:
        put("health_as_of", health.get("as_of"))
        put("pregnancy_weeks", health.get("pregnancy_weeks"))
        for check in HEALTH_CHECKS:
            if health.get(check.name):
                values[check.name] = "on"
        surgery = health.get("spinal_surgery")
        if surgery:
            put("surgery_type", surgery.get("type"))
            put("surgery_date", surgery.get("date"))
            put("surgery_restricted", list(surgery.get("restricted_loads") or []))
        put("health_notes", health.get("notes"))
    return values
