"""MCID / MDC table: values, directions and the change arithmetic."""

from __future__ import annotations

import pytest

from spinecoach.clinical import MCID


def test_published_values() -> None:
    odi, rmdq, nprs, psfs = MCID["odi"], MCID["rmdq"], MCID["nprs"], MCID["psfs"]
    assert (odi.points, odi.percent, odi.mdc) == (10, 30, 10)
    assert (rmdq.points, rmdq.percent) == (5, 30)
    assert (nprs.points, nprs.percent) == (2, 30)
    assert (psfs.points, psfs.mdc) == (2, 2)
    assert all(t.source for t in MCID.values())


@pytest.mark.parametrize(
    ("name", "direction"),
    [
        ("odi", "lower_is_better"),
        ("rmdq", "lower_is_better"),
        ("nprs", "lower_is_better"),
        ("fabq_pa", "lower_is_better"),
        ("fabq_w", "lower_is_better"),
        ("psfs", "higher_is_better"),
    ],
)
def test_directions(name: str, direction: str) -> None:
    assert MCID[name].direction == direction
    assert MCID[name].instrument == name


def test_points_or_percent_makes_a_change_important() -> None:
    odi = MCID["odi"]
    assert odi.is_important(40, 30)  # 10 points
    assert not odi.is_important(40, 31)  # 9 points, 22.5 %
    assert odi.is_important(20, 14)  # 6 points but 30 %
    assert not odi.is_important(30, 40)  # worse
    psfs = MCID["psfs"]
    assert psfs.is_important(3, 5)
    assert not psfs.is_important(5, 3)


def test_improvement_sign_follows_the_direction() -> None:
    assert MCID["nprs"].improvement(7, 4) == 3
    assert MCID["psfs"].improvement(4, 7) == 3
    assert MCID["nprs"].percent_improvement(0, 2) is None


def test_mdc_and_missing_thresholds() -> None:
    assert MCID["odi"].is_detectable(40, 30) is True
    assert MCID["odi"].is_detectable(40, 35) is False
    assert MCID["nprs"].is_detectable(5, 1) is None
    assert not MCID["fabq_w"].is_important(30, 0)  # no MCID: never classified important
