"""Questionnaire scoring against the published test vectors, bad answers, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import answers

from spinecoach.clinical.assessment import (
    FabqResult,
    NotScorable,
    OdiResult,
    RmdqResult,
    StartBackResult,
)
from spinecoach.clinical.fabq import score_fabq
from spinecoach.clinical.nprs import score_nprs
from spinecoach.clinical.odi import MAX_SKIPPED_SECTIONS, odi_band, score_odi
from spinecoach.clinical.psfs import score_psfs
from spinecoach.clinical.rmdq import score_rmdq
from spinecoach.clinical.startback import MATCHED_CARE, score_start_back, start_back_stratum
from spinecoach.errors import InputError

STRATA = {"low": 0, "medium": 1, "high": 2}


# --- STarT Back: Keele test vectors (CLINICAL.md section 1) ---------------------------------


@pytest.mark.parametrize(
    ("items", "total", "psychosocial", "stratum"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 2], 0, 0, "low"),  # all disagree, item 9 "moderately"
        ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, 0, "medium"),  # items 1-4 agree
        ([0, 0, 0, 0, 1, 1, 1, 1, 3], 5, 5, "high"),  # items 5-8 agree, item 9 "very much"
        ([1, 1, 1, 0, 0, 0, 0, 0, 4], 4, 1, "medium"),  # "extremely" scores 1
        ([1, 1, 1, 0, 0, 0, 0, 0, 2], 3, 0, "low"),  # "moderately" scores 0
        ([0, 0, 0, 0, 1, 1, 1, 1, 0], 4, 4, "high"),
        ([1, 1, 1, 1, 1, 1, 1, 0, 0], 7, 3, "medium"),
    ],
)
def test_start_back_vectors(items: list[int], total: int, psychosocial: int, stratum: str) -> None:
    result = score_start_back(items)
    assert isinstance(result, StartBackResult)
    assert (result.total, result.psychosocial, result.stratum) == (total, psychosocial, stratum)
    assert result.matched_care == MATCHED_CARE[result.stratum]
    assert result.skipped == 0


def test_start_back_matched_care_follows_the_trial() -> None:
    assert "self-management" in MATCHED_CARE["low"]
    assert "psychologically informed" in MATCHED_CARE["high"]
    assert "STarT Back algorithms" in MATCHED_CARE["medium"]


def test_start_back_skipped_items_that_cannot_change_the_stratum_are_counted() -> None:
    result = score_start_back([1, 1, 1, 1, None, None, 0, 0, None])  # medium either way
    assert isinstance(result, StartBackResult)
    assert (result.total, result.psychosocial, result.stratum, result.skipped) == (
        4,
        0,
        "medium",
        3,
    )


def test_start_back_all_skipped_is_not_scorable_not_low_risk() -> None:
    result = score_start_back([None] * 9)
    assert isinstance(result, NotScorable)
    assert "items 1, 2, 3, 4, 5, 6, 7, 8 and 9 skipped" in result.reason
    assert result.skipped == 9


def test_start_back_stratum_boundaries() -> None:
    assert start_back_stratum(3, 3) == "low"
    assert start_back_stratum(4, 3) == "medium"
    assert start_back_stratum(4, 4) == "high"
    assert start_back_stratum(9, 5) == "high"


# --- ODI (CLINICAL.md section 2) ------------------------------------------------------------


def test_odi_16_of_50_is_32_percent() -> None:
    result = score_odi([2, 2, 2, 2, 2, 2, 1, 1, 1, 1])
    assert isinstance(result, OdiResult)
    assert (result.percent, result.answered, result.band) == (32.0, 10, "moderate")


def test_odi_one_section_skipped_lowers_the_denominator() -> None:
    result = score_odi([2, 2, 2, 2, 2, 2, 2, None, 1, 1])
    assert isinstance(result, OdiResult)
    assert result.percent == 35.56  # 16/45
    assert result.answered == 9


@pytest.mark.parametrize(
    ("percent", "band"),
    [
        (0, "minimal"),
        (20, "minimal"),
        (20.9, "minimal"),
        (21, "moderate"),
        (40.9, "moderate"),
        (41, "severe"),
        (60.9, "severe"),
        (62, "crippling"),
        (80.9, "crippling"),
        (81, "bed-bound"),
        (100, "bed-bound"),
    ],
)
def test_odi_bands_use_the_soapnote_cut_points(percent: float, band: str) -> None:
    assert odi_band(percent) == band


def _odi(items: list[int | None]) -> OdiResult:
    result = score_odi(items)
    assert isinstance(result, OdiResult)
    return result


def test_odi_all_zero_and_all_five() -> None:
    assert _odi([0] * 10).percent == 0
    assert _odi([5] * 10).percent == 100


def test_odi_too_many_skipped_sections_is_not_scorable() -> None:
    allowed = [None] * MAX_SKIPPED_SECTIONS + [3] * (10 - MAX_SKIPPED_SECTIONS)
    assert _odi(allowed).percent == 60
    result = score_odi([None, None, None, 1, 1, 1, 1, 1, 1, 1])
    assert isinstance(result, NotScorable)
    assert result.reason.startswith("3 of 10 sections skipped (pain intensity, personal care")


# --- RMDQ, NPRS, PSFS, FABQ ------------------------------------------------------------------


def test_rmdq_counts_ticked_statements_and_recovery() -> None:
    assert _rmdq([1] * 24).score == 24
    two = _rmdq([1, 1] + [0] * 22)
    assert (two.score, two.recovered) == (2, True)
    three = _rmdq([1, 1, 1] + [0] * 21)
    assert (three.score, three.recovered) == (3, False)


def _rmdq(items: list[int | None]) -> RmdqResult:
    result = score_rmdq(items)
    assert isinstance(result, RmdqResult)
    return result


def test_rmdq_skipped_items_are_pro_rated_and_never_read_as_recovered() -> None:
    # 2 ticked of 22 answered: 2 x 24 / 22 = 2.18, rounded up to 3; the skipped two could
    # have applied, so this is not the recovered range
    result = _rmdq([1, 1, None, None] + [0] * 20)
    assert (result.score, result.recovered, result.skipped) == (3, False, 2)
    assert _rmdq([None, None] + [0] * 22).recovered  # worst case 2: recovered either way
    assert isinstance(score_rmdq([None] * 24), NotScorable)
    assert isinstance(score_rmdq([None] * 3 + [0] * 21), NotScorable)


def test_nprs_is_the_rating() -> None:
    assert score_nprs(7) == 7
    with pytest.raises(InputError, match=r"nprs item 1: 11 is outside 0-10"):
        score_nprs(11)
    with pytest.raises(InputError, match=r"nprs item 1"):
        score_nprs(None)


def test_psfs_mean_and_activities() -> None:
    result = score_psfs([("walking", 4), ("sitting", 6), ("lifting", 3)])
    assert result.mean == 4.33
    assert result.activities == {"walking": 4, "sitting": 6, "lifting": 3}


@pytest.mark.parametrize(
    ("ratings", "match"),
    [
        ([], r"psfs: 0 activities given; 1-5"),
        ([("a", 1)] * 6, r"psfs: 6 activities given; 1-5"),
        ([("a", 11)], r"psfs item 1: 11 is outside 0-10"),
        ([("a", 1), ("a", 2)], r"psfs item 2: activity 'a' is listed twice"),
    ],
)
def test_psfs_bad_input(ratings: list[tuple[str, int]], match: str) -> None:
    with pytest.raises(InputError, match=match):
        score_psfs(ratings)


def test_fabq_subscales_use_the_published_items() -> None:
    # each item's number as its answer (capped at 6) shows which items are summed
    items = [min(n, 6) for n in range(1, 17)]
    result = _fabq(items)
    assert result.physical_activity == 2 + 3 + 4 + 5
    assert result.work == 6 + 6 + 6 + 6 + 6 + 6 + 6
    only_other = [6 if n in {1, 8, 13, 14, 16} else 0 for n in range(1, 17)]
    assert _fabq(only_other).physical_activity == 0
    assert _fabq(only_other).work == 0


def _fabq(items: list[int | None]) -> FabqResult:
    result = score_fabq(items)
    assert isinstance(result, FabqResult)
    return result


def test_fabq_subscale_with_a_skipped_item_is_not_scored_and_all_skipped_is_not_scorable() -> None:
    items: list[int | None] = [3] * 16
    items[2] = None  # item 3: physical activity
    items[0] = None  # item 1: in neither subscale
    result = _fabq(items)
    assert (result.physical_activity, result.physical_activity_elevated) == (None, None)
    assert (result.work, result.skipped) == (21, 2)
    assert isinstance(score_fabq([None] * 16), NotScorable)


def test_fabq_elevated_cut_points() -> None:
    pa15 = [0, 4, 4, 4, 3] + [0] * 11
    pa14 = [0, 4, 4, 3, 3] + [0] * 11
    assert _fabq(pa15).physical_activity_elevated
    assert not _fabq(pa14).physical_activity_elevated
    work30 = [0] * 5 + [6, 6, 0, 6, 6, 6, 0, 0, 0, 0, 0]
    work29 = [0] * 5 + [6, 6, 0, 6, 6, 5, 0, 0, 0, 0, 0]
    assert (_fabq(work30).work, _fabq(work30).work_elevated) == (30, True)
    assert (_fabq(work29).work, _fabq(work29).work_elevated) == (29, False)


# --- Bad answers name the instrument, the item and what is allowed ----------------------------


@pytest.mark.parametrize(
    ("scorer", "given", "match"),
    [
        (score_odi, [1, 1, 7, 1, 1, 1, 1, 1, 1, 1], r"^odi item 3: 7 is outside 0-5$"),
        (score_odi, [1] * 9, r"^odi: 9 answers given; 10 are expected \(each 0-5"),
        (score_start_back, [0] * 8 + [5], r"^start_back item 9: 5 is outside 0-4$"),
        (score_start_back, [2] + [0] * 8, r"^start_back item 1: 2 is outside 0-1$"),
        (score_rmdq, [0] * 23 + [-1], r"^rmdq item 24: -1 is outside 0-1$"),
        (score_fabq, [0] * 15 + [1.5], r"^fabq item 16: 1.5 is not a whole number in 0-6$"),
        (score_fabq, [True] + [0] * 15, r"^fabq item 1: True is not a whole number"),
    ],
)
def test_bad_answers_are_one_line_input_errors(
    scorer: object, given: list[object], match: str
) -> None:
    with pytest.raises(InputError, match=match) as caught:
        scorer(given)  # type: ignore[operator]
    assert "\n" not in str(caught.value)


# --- Properties: ranges and monotonicity --------------------------------------------------------


def _raise_one(items: list[int | None], index: int, high: int) -> list[int | None] | None:
    """The answers with item ``index`` raised by one, or None if it cannot be raised."""
    value = items[index]
    if value is None or value >= high:
        return None
    raised = list(items)
    raised[index] = value + 1
    return raised


@settings(max_examples=150, deadline=None)
@given(answers(9, 1, last_high=4), st.integers(0, 8))
def test_start_back_ranges_and_monotonicity(items: list[int | None], index: int) -> None:
    result = score_start_back(items)
    if isinstance(result, NotScorable):
        return
    assert 0 <= result.psychosocial <= result.total <= 9
    assert result.psychosocial <= 5
    raised = _raise_one(items, index, 4 if index == 8 else 1)
    if raised is not None:
        higher = score_start_back(raised)
        if isinstance(higher, NotScorable):  # a raised answer can leave skipped items decisive
            return
        assert higher.total >= result.total
        assert higher.psychosocial >= result.psychosocial
        assert STRATA[higher.stratum] >= STRATA[result.stratum]


@settings(max_examples=150, deadline=None)
@given(answers(10, 5), st.integers(0, 9))
def test_odi_range_and_monotonicity(items: list[int | None], index: int) -> None:
    if sum(a is None for a in items) > MAX_SKIPPED_SECTIONS:
        assert isinstance(score_odi(items), NotScorable)
        return
    result = _odi(items)
    assert 0 <= result.percent <= 100
    assert result.answered == sum(a is not None for a in items)
    raised = _raise_one(items, index, 5)
    if raised is not None:
        assert _odi(raised).percent >= result.percent


@settings(max_examples=150, deadline=None)
@given(answers(24, 1), st.integers(0, 23))
def test_rmdq_range_and_monotonicity(items: list[int | None], index: int) -> None:
    result = score_rmdq(items)
    if isinstance(result, NotScorable):
        return
    assert 0 <= result.score <= 24
    raised = _raise_one(items, index, 1)
    if raised is not None:
        assert _rmdq(raised).score >= result.score + 1


@settings(max_examples=150, deadline=None)
@given(answers(16, 6), st.integers(0, 15))
def test_fabq_ranges_and_monotonicity(items: list[int | None], index: int) -> None:
    result = score_fabq(items)
    if isinstance(result, NotScorable):
        return
    assert 0 <= (result.physical_activity or 0) <= 24
    assert 0 <= (result.work or 0) <= 42
    raised = _raise_one(items, index, 6)
    if raised is not None:
        higher = _fabq(raised)
        assert (higher.physical_activity or 0) >= (result.physical_activity or 0)
        assert (higher.work or 0) >= (result.work or 0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=5), st.integers(0, 4))
def test_psfs_mean_range_and_monotonicity(ratings: list[int], index: int) -> None:
    named = [(f"activity {i}", r) for i, r in enumerate(ratings)]
    result = score_psfs(named)
    assert min(ratings) - 0.005 <= result.mean <= max(ratings) + 0.005
    if index < len(ratings) and ratings[index] < 10:
        named[index] = (named[index][0], ratings[index] + 1)
        assert score_psfs(named).mean >= result.mean
