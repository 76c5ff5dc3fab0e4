"""Numeric Pain Rating Scale: pain now, 0 (no pain) to 10 (worst imaginable) (Ostelo 2008)."""

from __future__ import annotations

from spinecoach.clinical.answers import ItemRange, check_answers
from spinecoach.errors import InputError

__all__ = ["NPRS_RANGE", "score_nprs"]

NPRS_RANGE = ItemRange(0, 10)


def score_nprs(answer: int | None) -> int:
    """The rating itself, after checking it is a whole number 0-10."""
    (checked,) = check_answers("nprs", [answer], (NPRS_RANGE,))
    if checked is None:
        raise InputError(f"nprs item 1: the rating is required ({NPRS_RANGE})")
    return checked
