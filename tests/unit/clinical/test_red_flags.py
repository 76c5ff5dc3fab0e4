"""Red-flag screen: urgency, blocking and the catalogue (CLINICAL.md section 4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinecoach.clinical import RED_FLAGS, screen_red_flags
from spinecoach.errors import UnknownItemError

CES_IDS = [f for f, flag in RED_FLAGS.items() if flag.category == "cauda_equina"]
REVIEW_IDS = [f for f, flag in RED_FLAGS.items() if flag.urgency == "review"]
URGENT_IDS = [f for f, flag in RED_FLAGS.items() if flag.urgency == "urgent"]


def test_catalogue_holds_the_named_flags() -> None:
    expected = {
        "ces_bladder",
        "ces_bowel",
        "ces_saddle_anaesthesia",
        "ces_bilateral_sciatica",
        "ces_progressive_weakness",
        "malignancy_history",
        "age_over_50_new_onset",
        "weight_loss",
        "night_pain",
        "fever",
        "immunosuppression",
        "iv_drug_use",
        "major_trauma",
        "minor_trauma_osteoporosis",
        "structural_deformity",
        "inflammatory_morning_stiffness",
        "upper_motor_neurone_signs",
    }
    assert expected <= set(RED_FLAGS)
    categories = {flag.category for flag in RED_FLAGS.values()}
    assert categories == {
        "cauda_equina",
        "malignancy",
        "infection",
        "fracture",
        "inflammatory",
        "neurological",
    }
    for flag in RED_FLAGS.values():
        assert flag.question.strip()
        assert flag.patient_action
        assert flag.clinician_action


def test_every_cauda_equina_flag_is_an_emergency() -> None:
    assert len(CES_IDS) >= 5
    assert all(RED_FLAGS[f].urgency == "emergency" for f in CES_IDS)
    assert all(RED_FLAGS[f].category == "cauda_equina" for f in RED_FLAGS if f.startswith("ces_"))


def test_no_flags_means_no_urgency() -> None:
    screen = screen_red_flags([])
    assert (screen.hits, screen.urgency, screen.exercise_blocked) == ([], "none", False)


def test_saddle_anaesthesia_and_bladder_stop_exercise() -> None:
    screen = screen_red_flags(["ces_saddle_anaesthesia", "ces_bladder"])
    assert screen.urgency == "emergency"
    assert screen.exercise_blocked
    assert [h.id for h in screen.hits] == ["ces_bladder", "ces_saddle_anaesthesia"]
    assert "emergency" in screen.hits[0].patient_action


@pytest.mark.parametrize("flag_id", URGENT_IDS)
def test_urgent_flags_block_exercise(flag_id: str) -> None:
    screen = screen_red_flags([flag_id])
    assert (screen.urgency, screen.exercise_blocked) == ("urgent", True)


@pytest.mark.parametrize("flag_id", REVIEW_IDS)
def test_review_flags_are_shown_but_do_not_block(flag_id: str) -> None:
    screen = screen_red_flags([flag_id])
    assert (screen.urgency, screen.exercise_blocked) == ("review", False)
    assert [h.id for h in screen.hits] == [flag_id]


def test_most_urgent_flag_comes_first_and_sets_the_urgency() -> None:
    screen = screen_red_flags(["age_over_50_new_onset", "fever", "ces_bowel"])
    assert [h.urgency for h in screen.hits] == ["emergency", "urgent", "review"]
    assert screen.urgency == "emergency"


def test_repeated_ids_count_once() -> None:
    assert len(screen_red_flags(["fever", "fever"]).hits) == 1


def test_unknown_flag_names_the_id_and_the_valid_ones() -> None:
    with pytest.raises(UnknownItemError, match=r"red flag 'bladder' is unknown; valid ids: ces_"):
        screen_red_flags(["bladder"])


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(CES_IDS),
    st.lists(st.sampled_from(list(RED_FLAGS)), max_size=5),
)
def test_any_cauda_equina_flag_is_emergency_and_blocked(ces: str, others: list[str]) -> None:
    screen = screen_red_flags([*others, ces])
    assert screen.urgency == "emergency"
    assert screen.exercise_blocked
    assert screen.hits[0].urgency == "emergency"
