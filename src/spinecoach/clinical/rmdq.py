"""Roland-Morris Disability Questionnaire (24 items): number of statements ticked today.

Score 0-24, higher is worse; a statement left blank or marked not applicable scores 0
(scientificspine.com; Roland & Morris, Spine 1983). Recovered: RMDQ <= 2 (Kamper et al.,
Eur Spine J 2010, PMC2989296).
"""

from __future__ import annotations

from spinecoach.clinical.answers import Answers, ItemRange, check_answers
from spinecoach.clinical.assessment import RmdqResult

__all__ = ["RECOVERED_MAX", "RMDQ_ITEMS", "SOURCE", "score_rmdq"]

SOURCE = "Roland & Morris, Spine 1983; Kamper et al., Eur Spine J 2010 (recovered <= 2)"

RMDQ_ITEMS: tuple[ItemRange, ...] = (ItemRange(0, 1),) * 24
RECOVERED_MAX = 2  # RMDQ <= 2 counts as recovered (Kamper 2010, PMC2989296)


def score_rmdq(answers: Answers) -> RmdqResult:
    """Count the ticked statements; skipped ones count as not applicable (0)."""
    checked = check_answers("rmdq", answers, RMDQ_ITEMS)
    score = sum(a for a in checked if a is not None)
    return RmdqResult(score=score, recovered=score <= RECOVERED_MAX)
