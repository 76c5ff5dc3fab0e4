"""Keele STarT Back Screening Tool (9 items): total, psychosocial subscale and risk stratum.

Coding (DESIGN.md section 3): items 1-8 are 0 disagree / 1 agree; item 9 (bothersomeness) is
0-4 from "not at all" to "extremely". Scoring and strata follow Keele's published rules
(keele.ac.uk/sbst/usingscoringthesbst; startback.hfac.keele.ac.uk online calculator).

Skipped items: Keele publishes no missing-item rule (CLINICAL.md section 1 gives none), so
the clinic policy :data:`MISSING_ITEM_RULE` applies: a stratum is reported only when every
possible answer to the skipped items gives that same stratum; otherwise the questionnaire is
not scorable and the prescription treats it as missing (physiotherapist-led, phase 1).
"""

from __future__ import annotations

from spinecoach.clinical.answers import Answers, ItemRange, check_answers
from spinecoach.clinical.assessment import NotScorable, RiskStratum, StartBackResult

__all__ = [
    "MATCHED_CARE",
    "MISSING_ITEM_RULE",
    "PSYCHOSOCIAL_ITEMS",
    "SOURCE",
    "START_BACK_ITEMS",
    "score_start_back",
    "start_back_stratum",
]

SOURCE = "Keele STarT Back scoring (keele.ac.uk/sbst); Hill et al., Lancet 2011;378:1560-71"

START_BACK_ITEMS: tuple[ItemRange, ...] = (ItemRange(0, 1),) * 8 + (ItemRange(0, 4),)
"""Items 1-8 agree/disagree; item 9 a 5-point Likert scale (keele.ac.uk/sbst)."""

PSYCHOSOCIAL_ITEMS = (5, 6, 7, 8, 9)
"""The distress subscale: fear, anxiety, catastrophising, low mood, bothersomeness (keele.ac.uk/sbst)."""

BOTHERSOME_FROM = 3
"""Item 9 scores 1 for "very much" (3) and "extremely" (4), else 0 (keele.ac.uk/sbst)."""

LOW_RISK_MAX_TOTAL = 3  # total <= 3 -> low risk (Keele online calculator)
HIGH_RISK_MIN_SUBSCALE = 4  # total >= 4 and subscale >= 4 -> high risk (Keele online calculator)

MATCHED_CARE: dict[RiskStratum, str] = {
    "low": (
        "One structured clinic session: advice to keep active, pain relief, staying at work, "
        "The Back Book and the Get Back Active video; self-management support only"
    ),
    "medium": (
        "The clinic session plus physiotherapy following the STarT Back algorithms: "
        "evidence-based techniques for signs and symptoms and education in the biopsychosocial model"
    ),
    "high": (
        "The clinic session plus psychologically informed physiotherapy, using cognitive-behavioural "
        "principles to address unhelpful beliefs and behaviours"
    ),
}
"""Matched treatment per stratum in the STarT Back trial (Hill 2011; protocol BMC Musculoskelet
Disord 2008;9:58, Table 1; Main et al., Physiotherapy 2012;98:110-116)."""


def start_back_stratum(total: int, psychosocial: int) -> RiskStratum:
    """Low (total <= 3), medium (total >= 4, subscale <= 3) or high (subscale >= 4)."""
    if total <= LOW_RISK_MAX_TOTAL:
        return "low"
    return "high" if psychosocial >= HIGH_RISK_MIN_SUBSCALE else "medium"


MISSING_ITEM_RULE = (
    "clinic policy (no published STarT Back missing-item rule): a stratum is given only when "
    "every possible answer to the skipped items gives the same one"
)


def score_start_back(answers: Answers) -> StartBackResult | NotScorable:
    """Score the 9 items; with skipped items, the stratum only when they cannot change it."""
    checked = check_answers("start_back", answers, START_BACK_ITEMS)
    points = [
        None if a is None else int(a >= BOTHERSOME_FROM if i == 8 else a)
        for i, a in enumerate(checked)
    ]
    skipped = [i + 1 for i, p in enumerate(points) if p is None]
    low = [p or 0 for p in points]  # every skipped item disagrees
    high = [1 if p is None else p for p in points]  # every skipped item agrees
    best = start_back_stratum(sum(low), _psychosocial(low))
    worst = start_back_stratum(sum(high), _psychosocial(high))
    if best != worst:
        return NotScorable(
            instrument="start_back",
            skipped=len(skipped),
            reason=f"item{'s' if len(skipped) > 1 else ''} {_numbers(skipped)} skipped: the "
            f"stratum could be {best} or {worst}; {MISSING_ITEM_RULE}",
        )
    return StartBackResult(
        total=sum(low),
        psychosocial=_psychosocial(low),
        stratum=best,
        matched_care=MATCHED_CARE[best],
        skipped=len(skipped),
    )


def _psychosocial(points: list[int]) -> int:
    return sum(points[i - 1] for i in PSYCHOSOCIAL_ITEMS)


def _numbers(items: list[int]) -> str:
    """Item numbers in words: ``5``, ``5 and 7``, ``5, 6 and 9``."""
    text = [str(i) for i in items]
    return text[0] if len(text) == 1 else f"{', '.join(text[:-1])} and {text[-1]}"
