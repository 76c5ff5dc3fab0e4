"""Repeated-movement testing (McKenzie): provoking and relieving directions, directional preference.

A direction that makes pain worse or peripheralizes symptoms provokes; one that makes pain
better or centralizes symptoms relieves. Directional preference (Long et al., Spine
2004;29:2593) is the relieving direction; centralization beats a mere improvement.
"""

from __future__ import annotations

from spinecoach.clinical.assessment import MovementProfile
from spinecoach.clinical.intake import MovementTests, PainResponse
from spinecoach.vocabulary import Direction

__all__ = ["PREFERENCE_TIE_ORDER", "RELIEF_RANK", "movement_profile", "preference_ties"]

PROVOKING_RESPONSES: frozenset[PainResponse] = frozenset({"worse", "peripheralizes"})

RELIEF_RANK: dict[PainResponse, int] = {"centralizes": 2, "better": 1}
"""Strength of relief: centralization (symptoms retreat toward the spine) beats "better"."""

PREFERENCE_TIE_ORDER: tuple[Direction, ...] = (
    "extension",
    "flexion",
    "side_bend_right",
    "side_bend_left",
    "rotation_right",
    "rotation_left",
)
"""POLICY (unverified): when two directions relieve equally, the first in this order wins.

Sagittal directions come first because they are the commonest preferences (Long 2004) and the
ones the exercise catalogue can match; the tie is reported in the findings either way.
"""


def movement_profile(tests: MovementTests) -> MovementProfile:
    """Classify every tested direction and choose the directional preference."""
    responses = tests.tested()
    provoking = [d for d, r in responses.items() if r in PROVOKING_RESPONSES]
    relieving = [d for d, r in responses.items() if r in RELIEF_RANK]
    return MovementProfile(
        responses=responses,
        provoking=provoking,
        peripheralizing=[d for d, r in responses.items() if r == "peripheralizes"],
        relieving=relieving,
        directional_preference=_preference(responses, relieving),
        centralization=any(r == "centralizes" for r in responses.values()),
    )


def preference_ties(profile: MovementProfile) -> list[Direction]:
    """Relieving directions that tied with the preference at the same strength of relief."""
    dp = profile.directional_preference
    if dp is None:
        return []
    rank = RELIEF_RANK[profile.responses[dp]]
    return [d for d in profile.relieving if d != dp and RELIEF_RANK[profile.responses[d]] == rank]


def _preference(
    responses: dict[Direction, PainResponse], relieving: list[Direction]
) -> Direction | None:
    if not relieving:
        return None
    best = max(RELIEF_RANK[responses[d]] for d in relieving)
    tied = [d for d in PREFERENCE_TIE_ORDER if d in relieving and RELIEF_RANK[responses[d]] == best]
    return tied[0]
