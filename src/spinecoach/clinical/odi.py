"""Oswestry Disability Index v2.1a: percent disability with skipped sections, and its band.

Ten sections scored 0-5; ODI % = 100 x sum / (5 x sections answered), so each skipped section
lowers the denominator by 5 (soapnote.org calculator; Fairbank & Pynsent, Spine 2000).
"""

from __future__ import annotations

from typing import Literal

from spinecoach.clinical.answers import Answers, ItemRange, check_answers
from spinecoach.clinical.assessment import NotScorable, OdiResult

__all__ = [
    "MAX_SKIPPED_SECTIONS",
    "ODI_BANDS",
    "ODI_SECTIONS",
    "SOURCE",
    "odi_band",
    "odi_skipped",
    "score_odi",
]

SOURCE = "Fairbank & Pynsent, Spine 2000 (ODI v2.1a); soapnote.org ODI calculator"

ODI_SECTIONS: tuple[str, ...] = (
    "pain intensity",
    "personal care",
    "lifting",
    "walking",
    "sitting",
    "standing",
    "sleeping",
    "sex life",
    "social life",
    "travelling",
)
"""Section order of ODI v2.1a (soapnote.org form); not the modified ODI with employment."""

_SECTION_RANGE = ItemRange(0, 5)

MAX_SKIPPED_SECTIONS = 2
"""POLICY (not published): with more than 2 of 10 sections skipped the ODI is not scored.

The literature gives no limit (CLINICAL.md section 2, [U]); two skipped sections (typically sex
life and one other) still leave 80 % of the form. A clinic may change this constant.
"""

OdiBand = Literal["minimal", "moderate", "severe", "crippling", "bed-bound"]

ODI_BANDS: tuple[tuple[float, OdiBand], ...] = (
    (80.9, "bed-bound"),
    (60.9, "crippling"),
    (40.9, "severe"),
    (20.9, "moderate"),
)
"""Lower cut points (percent strictly above) of each band, highest first: Fairbank & Pynsent
2000 bands 0-20 / 21-40 / 41-60 / 61-80 / 81-100, as soapnote.org implements them."""


def odi_band(percent: float) -> OdiBand:
    """The Fairbank & Pynsent band of an ODI percent."""
    for above, band in ODI_BANDS:
        if percent > above:
            return band
    return "minimal"


def odi_skipped(answers: Answers) -> int:
    """How many sections were skipped."""
    return sum(a is None for a in answers)


def score_odi(answers: Answers) -> OdiResult | NotScorable:
    """Percent rounded to 2 decimals over the answered sections, or not scorable with too many
    skipped (more than :data:`MAX_SKIPPED_SECTIONS`)."""
    checked = check_answers("odi", answers, (_SECTION_RANGE,) * len(ODI_SECTIONS))
    scored = [a for a in checked if a is not None]
    skipped = len(checked) - len(scored)
    if skipped > MAX_SKIPPED_SECTIONS:
        names = ", ".join(ODI_SECTIONS[i] for i, a in enumerate(checked) if a is None)
        return NotScorable(
            instrument="odi",
            skipped=skipped,
            reason=f"{skipped} of 10 sections skipped ({names}); at most "
            f"{MAX_SKIPPED_SECTIONS} may be (clinic policy, no published limit)",
        )
    percent = round(100 * sum(scored) / (5 * len(scored)), 2)
    return OdiResult(percent=percent, answered=len(scored), band=odi_band(percent))
