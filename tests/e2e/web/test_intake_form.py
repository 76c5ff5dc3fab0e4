"""The intake form's mapping without a browser: any intake shown in the form and posted back is
the same intake, and each validation error lands on the box that caused it."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import FormData

from spinecoach.clinical.intake import Intake
from spinecoach.simulate import random_intake
from spinecoach.web.intake_form import form_values, intake_document, read_form, validate_intake


def _posted(values: dict[str, Any]) -> FormData:
    """Form values as the browser posts them (a ticked box once per value)."""
    items: list[tuple[str, str]] = []
    for name, value in values.items():
        items.extend((name, v) for v in value) if isinstance(value, list) else items.append(
            (name, value)
        )
    return FormData(items)


def _same(a: Intake, b: Intake) -> None:
    left, right = a.model_dump(mode="json"), b.model_dump(mode="json")
    for doc in (left, right):
        doc["patient"]["id"] = "-"
        doc["patient"]["equipment"] = sorted(doc["patient"]["equipment"])
    assert left == right


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), flags=st.floats(0, 1), skips=st.floats(0, 0.3))
def test_an_intake_shown_in_the_form_and_posted_back_is_the_same_intake(
    seed: int, flags: float, skips: float
) -> None:
    original = random_intake(np.random.default_rng(seed), red_flag_rate=flags, skip_rate=skips)
    posted = _posted(form_values(original.model_dump(mode="json")))
    checked, errors = validate_intake(intake_document(posted))
    assert errors == {}
    assert checked is not None
    _same(checked, original)


def test_not_screened_stays_not_screened_and_ticked_flags_always_count() -> None:
    base = [("age", "40"), ("sex", "female")]
    checked, _ = validate_intake(intake_document(FormData([*base, ("red_flags_asked", "no")])))
    assert checked is not None
    assert checked.red_flags is None
    ticked = FormData([*base, ("red_flags_asked", "no"), ("red_flags", "ces_bowel")])
    checked, _ = validate_intake(intake_document(ticked))
    assert checked is not None
    assert checked.red_flags == ["ces_bowel"]


def test_each_error_lands_on_its_box() -> None:
    posted = FormData(
        [
            ("age", "15"),
            ("sex", "robot"),
            ("minutes_per_session", "2"),
            ("start_back_9", "5"),
            ("odi_2", "1.5"),
            ("psfs_activity_2", "stairs"),
            ("psfs_score_2", "12"),
            ("flexion", "sideways"),
            ("side_bridge_left_s", "-3"),
            ("finding_slr_deg", "200"),
            ("finding_nerve_root_signs", "maybe"),
            ("equipment", "pulley"),
            ("load_step_pulley", "60"),
            ("surgery_type", "fusion"),
            ("red_flags", "not_a_flag"),
        ]
    )
    _, _, errors = read_form(posted)
    assert set(errors) == {
        "age",
        "sex",
        "minutes_per_session",
        "start_back_9",
        "odi_2",
        "psfs_score_2",
        "flexion",
        "side_bridge_left_s",
        "finding_slr_deg",
        "finding_nerve_root_signs",
        "load_step_pulley",
        "surgery_date",
        "red_flags",
    }, errors
    assert errors["start_back_9"] == "start_back item 9: 5 is outside 0-4"
