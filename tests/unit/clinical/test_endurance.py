"""McGill endurance ratios, imbalance markers, Biering-Sorensen bands and norms."""

from __future__ import annotations

import pytest

from spinecoach.clinical.endurance import MCGILL_NORMS_S, biering_sorensen_band, endurance_profile
from spinecoach.clinical.intake import Endurance


def test_ratios_and_markers() -> None:
    profile = endurance_profile(
        Endurance(flexor_s=120, extensor_s=100, side_bridge_right_s=90, side_bridge_left_s=70),
        "male",
    )
    assert profile.flexor_extensor_ratio == 1.2
    assert profile.side_bridge_extensor_ratio == 0.8
    assert profile.right_left_ratio == pytest.approx(90 / 70, abs=1e-3)
    assert profile.markers == [
        "flexor_extensor_high",
        "side_bridge_extensor_high",
        "side_asymmetry",
    ]
    assert profile.weak_side == "left"


def test_balanced_battery_has_no_markers() -> None:
    profile = endurance_profile(
        Endurance(flexor_s=100, extensor_s=100, side_bridge_right_s=70, side_bridge_left_s=72),
        "female",
    )
    assert profile.flexor_extensor_ratio == 1.0  # > 1.0 is the marker, 1.0 is not
    assert profile.markers == []
    assert profile.weak_side is None


def test_side_tolerance_is_a_parameter() -> None:
    endurance = Endurance(side_bridge_right_s=100, side_bridge_left_s=108)
    assert endurance_profile(endurance, "male").markers == ["side_asymmetry"]
    assert endurance_profile(endurance, "male").weak_side == "right"
    assert endurance_profile(endurance, "male", side_tolerance=0.1).markers == []


@pytest.mark.parametrize(
    ("seconds", "band"),
    [(175.9, "at_risk"), (176, "indeterminate"), (198, "indeterminate"), (198.1, "protective")],
)
def test_biering_sorensen_bands_in_men(seconds: float, band: str) -> None:
    assert biering_sorensen_band(seconds, "male") == band


@pytest.mark.parametrize("sex", ["female", "other"])
def test_biering_sorensen_not_applicable_outside_men(sex: str) -> None:
    assert biering_sorensen_band(100, sex) == "not_applicable"  # type: ignore[arg-type]


def test_percent_of_norm_by_sex_and_low_endurance() -> None:
    men = endurance_profile(Endurance(extensor_s=73, flexor_s=144), "male")
    assert men.percent_of_norm == {"flexor": 100.0, "extensor": 50.0}
    assert not men.low_endurance
    women = endurance_profile(Endurance(extensor_s=90), "female")
    assert women.percent_of_norm == {"extensor": round(100 * 90 / 189, 1)}
    assert women.low_endurance
    assert MCGILL_NORMS_S["female"]["extensor"] > MCGILL_NORMS_S["male"]["extensor"]


def test_other_sex_has_no_norm_comparison() -> None:
    profile = endurance_profile(Endurance(extensor_s=30), "other")
    assert profile.percent_of_norm == {}
    assert not profile.low_endurance


def test_missing_tests_leave_their_parts_empty() -> None:
    profile = endurance_profile(Endurance(), "male")
    assert profile.flexor_extensor_ratio is None
    assert profile.biering_sorensen_band is None
    assert profile.markers == []


def test_failed_attempt_forms_no_ratio() -> None:
    profile = endurance_profile(Endurance(flexor_s=50, extensor_s=0.0), "male")
    assert profile.flexor_extensor_ratio is None
    assert profile.biering_sorensen_band == "at_risk"


def test_a_zero_second_hold_is_named_not_silently_dropped() -> None:
    from spinecoach.clinical.endurance import endurance_profile
    from spinecoach.clinical.intake import Endurance

    profile = endurance_profile(
        Endurance(flexor_s=60, extensor_s=0, side_bridge_right_s=30, side_bridge_left_s=0),
        "female",
    )
    assert profile.flexor_extensor_ratio is None
    assert profile.right_left_ratio is None
    assert len(profile.ratios_not_formed) == 3
    assert profile.ratios_not_formed[0].startswith("flexor/extensor: the extensor hold was 0 s")
    assert (
        "right/left side bridge: the side bridge left hold was 0 s"
        in (profile.ratios_not_formed[2])
    )
