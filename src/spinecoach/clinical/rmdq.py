"""Roland-Morris Disability Questionnaire (24 items): number of statements ticked today.

Score 0-24, higher is worse; a statement that does not apply is left unticked and scores 0
(scientificspine.com; Roland & Morris, Spine 1983). Recovered: RMDQ <= 2 (Kamper et al.,
Eur Spine J 2010, PMC2989296).

A *skipped* item (``-`` or ``null``) is not the same as an unticked one: the answer is unknown.
No missing-item rule was retrieved for the RMDQ, so the clinic policy is: with at most
:data:`MAX_SKIPPED_ITEMS` skipped, the count is pro-rated to 24 items and rounded up, and
"recovered" needs every possible answer to the skipped items to stay within the cut-off;
with more skipped the RMDQ is not scorable.
"""

from __future__ import annotations

import math

from spinecoach.clinical.answers import Answers, ItemRange, check_answers
from spinecoach.clinical.assessment import NotScorable, RmdqResult

__all__ = ["MAX_SKIPPED_ITEMS", "RECOVERED_MAX", "RMDQ_ITEMS", "SOURCE", "score_rmdq"]

SOURCE = "Roland & Morris, Spine 1983; Kamper et al., Eur Spine J 2010 (recovered <= 2)"

RMDQ_ITEMS: tuple[ItemRange, ...] = (ItemRange(0, 1),) * 24
RECOVERED_MAX = 2  # RMDQ <= 2 counts as recovered (Kamper 2010, PMC2989296)


MAX_SKIPPED_ITEMS = 2
"""POLICY (not published): more than 2 of 24 skipped items leaves the RMDQ unscored (about the
share the ODI policy allows; a clinic may change it)."""


def score_rmdq(answers: Answers) -> RmdqResult | NotScorable:
    """Count the ticked statements, pro-rated when a few were skipped (see the module doc)."""
    checked = check_answers("rmdq", answers, RMDQ_ITEMS)
    answered = [a for a in checked if a is not None]
    skipped = len(checked) - len(answered)
    if skipped > MAX_SKIPPED_ITEMS:
        return NotScorable(
            instrument="rmdq",
            skipped=skipped,
            reason=f"{skipped} of 24 items skipped; at most {MAX_SKIPPED_ITEMS} may be "
            "(clinic policy, no published limit)",
        )
    ticked = sum(answered)
    score = math.ceil(ticked * len(checked) / len(answered)) if skipped else ticked
    worst = ticked + skipped  # every skipped statement would have applied
    return RmdqResult(score=score, recovered=worst <= RECOVERED_MAX, skipped=skipped)
