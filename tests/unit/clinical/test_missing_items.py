"""Skipped questionnaire items are never read as the best answer.

For every instrument, any set of skipped items gives either the published pro-rated score (ODI)
or the clinic policy's score, or "not scorable"; never a better stratum, band or verdict than
the answered items allow, i.e. than the worst answer to the skipped items would give.
"""

from __future__ import annotations

import itertools
import math

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
from spinecoach.clinical.fabq import (
    PA_ELEVATED_ABOVE,
    PHYSICAL_ACTIVITY_ITEMS,
    WORK_ELEVATED_ABOVE,
    WORK_ITEMS,
    score_fabq,
)
from spinecoach.clinical.odi import MAX_SKIPPED_SECTIONS, score_odi
from spinecoach.clinical.rmdq import MAX_SKIPPED_ITEMS, RECOVERED_MAX, score_rmdq
from spinecoach.clinical.startback import score_start_back

STRATA = {"low": 0, "medium": 1, "high": 2}


def _completions(items: list[int | None], high: list[int]) -> list[list[int]]:
    """Every way of answering the skipped items with the extreme codes (0 or the highest)."""
    gaps = [i for i, a in enumerate(items) if a is None]
    out = []
    for choice in itertools.product((False, True), repeat=len(gaps)):
        filled = [a if a is not None else 0 for a in items]
        for gap, top in zip(gaps, choice, strict=True):
            filled[gap] = high[gap] if top else 0
        out.append(filled)
    return out


@settings(max_examples=300, deadline=None)
@given(answers(9, 1, last_high=4), st.data())
def test_start_back_stratum_holds_for_every_answer_to_the_skipped_items(
    items: list[int | None], data: st.DataObject
) -> None:
    extra = data.draw(st.sets(st.integers(0, 8), max_size=9))
    items = [None if i in extra else a for i, a in enumerate(items)]
    result = score_start_back(items)
    strata = set()
    for filled in _completions(items, [1] * 8 + [4]):
        full = score_start_back(filled)
        assert isinstance(full, StartBackResult)
        strata.add(full.stratum)
    if isinstance(result, NotScorable):
        assert len(strata) > 1, "refused although the skipped items could not change it"
        assert result.skipped == sum(a is None for a in items)
    else:
        assert strata == {result.stratum}
        assert result.skipped == sum(a is None for a in items)


@settings(max_examples=300, deadline=None)
@given(answers(10, 5), st.data())
def test_odi_is_the_published_pro_rated_percent_or_not_scorable(
    items: list[int | None], data: st.DataObject
) -> None:
    extra = data.draw(st.sets(st.integers(0, 9), max_size=10))
    items = [None if i in extra else a for i, a in enumerate(items)]
    answered = [a for a in items if a is not None]
    result = score_odi(items)
    if len(items) - len(answered) > MAX_SKIPPED_SECTIONS:
        assert isinstance(result, NotScorable)
        return
    assert isinstance(result, OdiResult)
    # ODI % = 100 x sum / (5 x sections answered) (CLINICAL.md section 2)
    assert result.percent == round(100 * sum(answered) / (5 * len(answered)), 2)


@settings(max_examples=300, deadline=None)
@given(answers(24, 1), st.data())
def test_rmdq_never_reads_recovered_unless_every_answer_keeps_it_recovered(
    items: list[int | None], data: st.DataObject
) -> None:
    extra = data.draw(st.sets(st.integers(0, 23), max_size=5))
    items = [None if i in extra else a for i, a in enumerate(items)]
    skipped = sum(a is None for a in items)
    ticked = sum(a for a in items if a is not None)
    result = score_rmdq(items)
    if skipped > MAX_SKIPPED_ITEMS:
        assert isinstance(result, NotScorable)
        return
    assert isinstance(result, RmdqResult)
    if skipped:
        assert result.score == math.ceil(ticked * 24 / (24 - skipped))
    assert ticked <= result.score <= ticked + skipped  # within what the answers allow
    assert result.recovered == (ticked + skipped <= RECOVERED_MAX)


@settings(max_examples=300, deadline=None)
@given(answers(16, 6), st.data())
def test_fabq_subscale_is_its_sum_or_unscored_never_a_lower_one(
    items: list[int | None], data: st.DataObject
) -> None:
    extra = data.draw(st.sets(st.integers(0, 15), max_size=16))
    items = [None if i in extra else a for i, a in enumerate(items)]
    result = score_fabq(items)
    subscales = {"pa": PHYSICAL_ACTIVITY_ITEMS, "work": WORK_ITEMS}
    complete = {k: all(items[i - 1] is not None for i in v) for k, v in subscales.items()}
    if not any(complete.values()):
        assert isinstance(result, NotScorable)
        return
    assert isinstance(result, FabqResult)
    sums = {k: sum(items[i - 1] or 0 for i in v) for k, v in subscales.items()}
    assert result.physical_activity == (sums["pa"] if complete["pa"] else None)
    assert result.work == (sums["work"] if complete["work"] else None)
    if complete["pa"]:
        assert result.physical_activity_elevated == (sums["pa"] > PA_ELEVATED_ABOVE)
    if complete["work"]:
        assert result.work_elevated == (sums["work"] > WORK_ELEVATED_ABOVE)


@settings(max_examples=40, deadline=None)
@given(answers(9, 1, last_high=4))
def test_care_is_never_less_than_the_answered_items_allow(items: list[int | None]) -> None:
    """An unscorable STarT Back is physiotherapist-led from phase 1; a scorable one is the
    stratum every completion of the skipped items would give."""
    from spinecoach.clinical import Intake, assess
    from spinecoach.exercises import load_catalogue
    from spinecoach.prescription import prescribe

    intake = Intake.model_validate(
        {
            "patient": {"id": "p1", "age": 40, "sex": "female"},
            "questionnaires": {"start_back": items, "nprs": 3, "odi": [1] * 10},
            "red_flags": [],
        }
    )
    assessment = assess(intake)
    program = prescribe(assessment, assessment.patient, load_catalogue())
    result = score_start_back(items)
    if isinstance(result, NotScorable):
        assert (program.care_pathway, program.phase) == ("physio_led", 1)
        assert program.advice[0].rule == "stratum.not_scorable"
    else:
        expected = {"low": "self_management", "medium": "physio_led"}
        assert program.care_pathway == expected.get(result.stratum, "psychologically_informed")
