"""Fear-Avoidance Beliefs Questionnaire (Waddell 1993): physical-activity and work subscales.

16 items 0 (completely disagree) to 6 (completely agree). FABQ-PA = items 2-5 (0-24), FABQ-W =
items 6, 7, 9, 10, 11, 12, 15 (0-42); items 1, 8, 13, 14, 16 are in neither (JOSPT LBP CPG
measure table, PMC4893951).

Skipped items: no missing-item rule was retrieved (CLINICAL.md section 3), so the clinic
policy is that a subscale with any of its own items skipped is not scored (``null``), rather
than scored as if the patient had completely disagreed. Items outside both subscales
(1, 8, 13, 14, 16) may be skipped freely. With both subscales unscored the FABQ is not
scorable.
"""

from __future__ import annotations

from spinecoach.clinical.answers import Answers, ItemRange, check_answers
from spinecoach.clinical.assessment import FabqResult, NotScorable

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


def score_fabq(answers: Answers) -> FabqResult | NotScorable:
    """Both subscales; a subscale with a skipped item of its own is not scored (None)."""
    checked = check_answers("fabq", answers, FABQ_ITEMS)
    skipped = sum(a is None for a in checked)
    pa = _subscale(checked, PHYSICAL_ACTIVITY_ITEMS)
    work = _subscale(checked, WORK_ITEMS)
    if pa is None and work is None:
        missing = [i for i in (*PHYSICAL_ACTIVITY_ITEMS, *WORK_ITEMS) if checked[i - 1] is None]
        return NotScorable(
            instrument="fabq",
            skipped=skipped,
            reason=f"items {', '.join(str(i) for i in sorted(missing))} skipped: neither "
            "subscale has all its items (clinic policy: no published missing-item rule)",
        )
    return FabqResult(
        physical_activity=pa,
        work=work,
        physical_activity_elevated=None if pa is None else pa > PA_ELEVATED_ABOVE,
        work_elevated=None if work is None else work > WORK_ELEVATED_ABOVE,
        skipped=skipped,
    )


def _subscale(answers: list[int | None], items: tuple[int, ...]) -> int | None:
    values = [answers[i - 1] for i in items]
    return None if any(v is None for v in values) else sum(v or 0 for v in values)
