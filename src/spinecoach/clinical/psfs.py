"""Patient-Specific Functional Scale: up to 5 activities rated 0 (unable) to 10 (as before).

Score = mean of the activity ratings (Stratford et al., Physiotherapy Canada 1995;47:258-263).
"""

from __future__ import annotations

from collections.abc import Sequence

from spinecoach.clinical.answers import ItemRange, check_answers
from spinecoach.clinical.assessment import PsfsResult
from spinecoach.errors import InputError

__all__ = ["MAX_ACTIVITIES", "PSFS_RANGE", "score_psfs"]

MAX_ACTIVITIES = 5  # the form has room for 5 activities (precisionphysio.com.au PSFS form)
PSFS_RANGE = ItemRange(0, 10)


def score_psfs(ratings: Sequence[tuple[str, int]]) -> PsfsResult:
    """Mean rating (2 decimals) and the rating per activity; names must be distinct."""
    if not 1 <= len(ratings) <= MAX_ACTIVITIES:
        raise InputError(f"psfs: {len(ratings)} activities given; 1-{MAX_ACTIVITIES} are allowed")
    checked = check_answers("psfs", [r for _, r in ratings], (PSFS_RANGE,) * len(ratings))
    activities: dict[str, int] = {}
    for number, ((name, _), rating) in enumerate(zip(ratings, checked, strict=True), start=1):
        if rating is None:
            raise InputError(f"psfs item {number}: a rating {PSFS_RANGE} is required")
        if name in activities:
            raise InputError(f"psfs item {number}: activity '{name}' is listed twice")
        activities[name] = rating
    mean = round(sum(activities.values()) / len(activities), 2)
    return PsfsResult(mean=mean, activities=activities)
