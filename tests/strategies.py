"""Hypothesis strategies shared by the test suite: any valid intake, and its assessment.

``intakes()`` reaches the edges on purpose: skipped items, whole sections missing, every red
flag, extreme ages and hold times, empty PSFS lists. ``assessments()`` maps them through
``assess`` so downstream rules can be tested on every assessment the core can produce.
"""

from __future__ import annotations

from typing import Any, get_args

from hypothesis import strategies as st

from spinecoach.clinical import RED_FLAGS, Assessment, Intake, assess
from spinecoach.clinical.intake import Conditioning, Occupation, PainResponse
from spinecoach.vocabulary import EQUIPMENT, Sex

__all__ = [
    "answers",
    "assessments",
    "endurance_sections",
    "examination_findings",
    "intakes",
    "movement_sections",
    "patients",
    "questionnaire_sections",
    "red_flag_ids",
]

_ACTIVITIES = ("running", "cycling", "gardening", "lifting", "swimming", "golf", "walking")
_DIRECTIONS = (
    "flexion",
    "extension",
    "rotation_left",
    "rotation_right",
    "side_bend_left",
    "side_bend_right",
)


def answers(count: int, high: int, *, last_high: int | None = None) -> st.SearchStrategy[Any]:
    """``count`` coded answers 0..high (the last one 0..last_high), any of them skipped."""
    item = _item(high)
    if last_high is None:
        return st.lists(item, min_size=count, max_size=count)
    last = _item(last_high)
    return st.tuples(st.lists(item, min_size=count - 1, max_size=count - 1), last).map(
        lambda parts: [*parts[0], parts[1]]
    )


def _item(high: int) -> st.SearchStrategy[int | None]:
    """One answer 0..high, skipped (None) about one time in 3 x (high + 1) + 1; shrinks to None."""
    span = high + 1
    return st.integers(0, 3 * span).map(lambda v: None if v == 0 else (v - 1) % span)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def patients(draw: st.DrawFn) -> dict[str, Any]:
    """A patient section with every field drawn over its allowed range."""
    return {
        "id": draw(st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True)),
        "age": draw(st.integers(16, 110)),
        "sex": draw(st.sampled_from(get_args(Sex))),
        "occupation": draw(st.sampled_from(get_args(Occupation))),
        "activities": draw(st.lists(st.sampled_from(_ACTIVITIES), max_size=3, unique=True)),
        "conditioning": draw(st.sampled_from(get_args(Conditioning))),
        "equipment": draw(st.lists(st.sampled_from(EQUIPMENT), max_size=6, unique=True)),
        "minutes_per_session": draw(st.integers(5, 120)),
        "sessions_per_week": draw(st.integers(1, 14)),
        "goals": draw(st.lists(st.sampled_from(("walk the dog", "run 5 km", "sit")), max_size=2)),
    }


_PSFS = st.lists(
    st.fixed_dictionaries(
        {"activity": st.sampled_from((*_ACTIVITIES, "bending")), "score": st.integers(0, 10)}
    ),
    max_size=5,
    unique_by=lambda a: a["activity"],
)


def questionnaire_sections() -> st.SearchStrategy[dict[str, Any]]:
    """Any mix of questionnaires, each absent, complete or with skipped items."""
    return st.fixed_dictionaries(
        {},
        optional={
            "start_back": _optional(answers(9, 1, last_high=4)),
            "odi": _optional(answers(10, 5)),
            "rmdq": _optional(answers(24, 1)),
            "nprs": _optional(st.integers(0, 10)),
            "psfs": _optional(_PSFS),
            "fabq": _optional(answers(16, 6)),
        },
    )


def red_flag_ids() -> st.SearchStrategy[list[str]]:
    """Usually none; otherwise any distinct ids of the catalogue."""
    some = st.lists(st.sampled_from(list(RED_FLAGS)), min_size=1, max_size=4, unique=True)
    return st.one_of(st.just([]), some)


def movement_sections() -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of directions tested, each with any response."""
    response = st.sampled_from(get_args(PainResponse))
    return st.fixed_dictionaries({}, optional=dict.fromkeys(_DIRECTIONS, response))


def endurance_sections() -> st.SearchStrategy[dict[str, Any]]:
    """Hold times over their full ranges, zero included; any test may be missing."""
    seconds = {
        "flexor_s": 1200.0,
        "extensor_s": 240.0,
        "side_bridge_right_s": 600.0,
        "side_bridge_left_s": 600.0,
    }
    return st.fixed_dictionaries(
        {},
        optional={
            k: st.floats(0, top, allow_nan=False, allow_infinity=False)
            for k, top in seconds.items()
        },
    )


def examination_findings() -> st.SearchStrategy[dict[str, Any]]:
    """Examination findings, each unknown or anywhere in range."""
    flag = st.booleans()
    return st.fixed_dictionaries(
        {},
        optional={
            "slr_deg": st.floats(0, 130, allow_nan=False),
            "aberrant_movement": flag,
            "prone_instability_test": flag,
            "hip_flexor_tightness": flag,
            "gluteal_weakness": flag,
            "symptom_duration_days": st.integers(0, 5000),
            "symptoms_below_knee": flag,
            "symptoms_distal_to_buttock": flag,
            "hip_internal_rotation_deg": st.floats(0, 90, allow_nan=False),
            "lumbar_hypomobility": flag,
            "nerve_root_signs": flag,
            "lateral_shift": flag,
            "imaging_stenosis": flag,
            "post_partum": flag,
            "balance_impaired": flag,
        },
    )


@st.composite
def intakes(draw: st.DrawFn) -> Intake:
    """Any valid intake document, as a validated :class:`Intake`."""
    return Intake.model_validate(
        {
            "patient": draw(patients()),
            "questionnaires": draw(questionnaire_sections()),
            "red_flags": draw(red_flag_ids()),
            "movement_tests": draw(movement_sections()),
            "endurance": draw(endurance_sections()),
            "findings": draw(examination_findings()),
        }
    )


def assessments() -> st.SearchStrategy[Assessment]:
    """The assessment of any valid intake."""
    return intakes().map(assess)
