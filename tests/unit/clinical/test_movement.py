"""Repeated-movement tests -> provoking/relieving directions and directional preference."""

from __future__ import annotations

from hypothesis import given, settings
from tests.strategies import movement_sections

from spinecoach.clinical.intake import MovementTests
from spinecoach.clinical.movement import PREFERENCE_TIE_ORDER, movement_profile, preference_ties


def test_flexion_intolerant_patient_prefers_extension() -> None:
    profile = movement_profile(MovementTests(flexion="peripheralizes", extension="centralizes"))
    assert profile.provoking == ["flexion"]
    assert profile.peripheralizing == ["flexion"]
    assert profile.relieving == ["extension"]
    assert profile.directional_preference == "extension"
    assert profile.centralization
    assert profile.provoking_loads == frozenset({"flexion"})
    assert profile.preferred_load == "extension"


def test_centralization_beats_a_mere_improvement() -> None:
    profile = movement_profile(
        MovementTests(extension="better", flexion="centralizes", side_bend_left="better")
    )
    assert profile.directional_preference == "flexion"
    assert preference_ties(profile) == []


def test_tie_goes_to_the_documented_order() -> None:
    profile = movement_profile(MovementTests(flexion="better", extension="better"))
    assert PREFERENCE_TIE_ORDER[0] == "extension"
    assert profile.directional_preference == "extension"
    assert preference_ties(profile) == ["flexion"]


def test_no_relief_means_no_preference() -> None:
    profile = movement_profile(MovementTests(flexion="worse", extension="no_effect"))
    assert profile.directional_preference is None
    assert profile.relieving == []
    assert not profile.centralization


def test_untested_directions_are_left_out() -> None:
    profile = movement_profile(MovementTests())
    assert profile.responses == {}
    assert profile.directional_preference is None


@settings(max_examples=150, deadline=None)
@given(movement_sections())
def test_a_direction_is_never_both_provoking_and_relieving(section: dict[str, str]) -> None:
    profile = movement_profile(MovementTests.model_validate(section))
    assert not set(profile.provoking) & set(profile.relieving)
    assert set(profile.peripheralizing) <= set(profile.provoking)
    if profile.relieving:
        dp = profile.directional_preference
        assert dp in profile.relieving
        if any(profile.responses[d] == "centralizes" for d in profile.relieving):
            assert profile.responses[dp] == "centralizes"  # type: ignore[index]
    else:
        assert profile.directional_preference is None
