"""Fear-Avoidance Beliefs Questionnaire (Waddell 1993): physical-activity and work subscales.

16 items 0 (completely disagree) to 6 (completely agree). FABQ-PA = items 2-5 (0-24), FABQ-W =
items 6, 7, 9, 10, 11, 12, 15 (0-42); items 1, 8, 13, 14, 16 are in neither (JOSPT LBP CPG
measure table, PMC4893951).
"""

from __future__ import annotations

from spinecoach.clinical.answers import Answers, ItemRange, check_answers
from spinecoach.clinical.assessment import FabqResult

__all__ = [
    "FABQ_ITEMS",
    "PA_ELEVATED_ABOVE",
    "PHYSICAL_ACTIVITY_ITEMS",
    "SOURCE",
    "WORK_ELEVATED_ABOVE",
    "WORK_ITEMS",
    "score_fabq",
]

SOURCE = "Waddell 1993; JOSPT LBP CPG (PMC4893951); Fritz 2001; George et al., JOSPT 2008"

FABQ_ITEMS: tuple[ItemRange, ...] = (ItemRange(0, 6),) * 16
PHYSICAL_ACTIVITY_ITEMS = (2, 3, 4, 5)  # FABQ-PA (PMC4893951)
WORK_ITEMS = (6, 7, 9, 10, 11, 12, 15)  # FABQ-W (PMC4893951)

PA_ELEVATED_ABOVE = 14
"""FABQ-PA > 14 is "elevated"; it did not predict 6-month ODQ outcome (George 2008, PMC2881572)."""
WORK_ELEVATED_ABOVE = 29
"""FABQ-W > 29: poorer return to work in acute occupational LBP (Fritz 2001, cited in the CPG)."""


def score_fabq(answers: Answers) -> FabqResult:
    """Both subscales; a skipped item scores 0, so a subscale can only be underestimated."""
    checked = check_answers("fabq", answers, FABQ_ITEMS)
    pa = sum(checked[i - 1] or 0 for i in PHYSICAL_ACTIVITY_ITEMS)
    work = sum(checked[i - 1] or 0 for i in WORK_ITEMS)
    return FabqResult(
        physical_activity=pa,
        work=work,
        physical_activity_elevated=pa > PA_ELEVATED_ABOVE,
        work_elevated=work > WORK_ELEVATED_ABOVE,
        skipped=sum(a is None for a in checked),
    )
