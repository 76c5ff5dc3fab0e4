"""McGill torso endurance battery and Biering-Sorensen: ratios, imbalance markers and norms.

Hold times are in seconds, to form failure (McGill et al., Arch Phys Med Rehabil
1999;80:941-4; protocol in CLINICAL.md section 5).
"""

from __future__ import annotations

from typing import Literal

from spinecoach.clinical.assessment import EnduranceProfile
from spinecoach.clinical.intake import Endurance
from spinecoach.vocabulary import Sex

__all__ = [
    "BIERING_SORENSEN_AT_RISK_BELOW",
    "BIERING_SORENSEN_PROTECTIVE_ABOVE",
    "FLEXOR_EXTENSOR_MAX",
    "LOW_ENDURANCE_PERCENT",
    "MCGILL_NORMS_S",
    "MIN_RATIO_HOLD_S",
    "SIDE_BRIDGE_EXTENSOR_MAX",
    "SIDE_BRIDGE_TOLERANCE",
    "endurance_profile",
]

FLEXOR_EXTENSOR_MAX = 1.0  # flexion/extension > 1.0 suggests imbalance (McGill; matassessment.com)
SIDE_BRIDGE_EXTENSOR_MAX = 0.75  # side bridge/extension > 0.75 (McGill; matassessment.com)
SIDE_BRIDGE_TOLERANCE = 0.05
"""[U] right/left side bridge beyond 1.0 +/- 0.05 marks asymmetry. The 1:1 target is published
(matassessment.com); the 0.05 tolerance is quoted from McGill's *Low Back Disorders* but was not
retrieved, so it is a parameter of :func:`endurance_profile`."""

BIERING_SORENSEN_AT_RISK_BELOW = (
    176.0  # men: < 176 s predicted LBP within a year (Biering-Sorensen 1984)
)
BIERING_SORENSEN_PROTECTIVE_ABOVE = 198.0  # men: > 198 s predicted no LBP (Biering-Sorensen 1984)

MCGILL_NORMS_S: dict[str, dict[str, float]] = {
    # [P] McGill 1999 means (31 men, 44 women). Recalled values that reproduce the ratios of the
    # PubMed abstract (10453772) exactly; the primary table was not read (CLINICAL.md section 5).
    "male": {"extensor": 146, "flexor": 144, "side_bridge_right": 94, "side_bridge_left": 97},
    "female": {"extensor": 189, "flexor": 149, "side_bridge_right": 72, "side_bridge_left": 77},
}
"""Sex -> test -> mean hold time in seconds of healthy young adults (McGill 1999) [P]."""

LOW_ENDURANCE_PERCENT = 50.0
"""POLICY: a hold under 50 % of the McGill 1999 mean marks low endurance (people with LBP hold
about 40-55 s on the Biering-Sorensen test against 80-227 s pain-free; physio-pedia)."""

MIN_RATIO_HOLD_S = 1.0
"""A hold under 1 s is a failed attempt: no ratio is formed over it (it would be meaningless)."""

BieringBand = Literal["at_risk", "indeterminate", "protective", "not_applicable"]


def endurance_profile(
    endurance: Endurance, sex: Sex, *, side_tolerance: float = SIDE_BRIDGE_TOLERANCE
) -> EnduranceProfile:
    """Ratios and markers from the tests that were done; missing tests leave their parts empty."""
    times = _times(endurance)
    ext = times.get("extensor")
    right, left = times.get("side_bridge_right"), times.get("side_bridge_left")
    flex_ext = _ratio(times.get("flexor"), ext)
    side_ext = _ratio((right + left) / 2, ext) if right is not None and left is not None else None
    right_left = _ratio(right, left)
    markers: list[str] = []
    if flex_ext is not None and flex_ext > FLEXOR_EXTENSOR_MAX:
        markers.append("flexor_extensor_high")
    if side_ext is not None and side_ext > SIDE_BRIDGE_EXTENSOR_MAX:
        markers.append("side_bridge_extensor_high")
    weak_side: Literal["left", "right"] | None = None
    if right_left is not None and abs(right_left - 1) > side_tolerance:
        markers.append("side_asymmetry")
        weak_side = "right" if right_left < 1 else "left"
    percent = _percent_of_norm(times, sex)
    return EnduranceProfile(
        ratios_not_formed=_ratios_not_formed(times),
        flexor_extensor_ratio=flex_ext,
        side_bridge_extensor_ratio=side_ext,
        right_left_ratio=right_left,
        weak_side=weak_side,
        markers=markers,
        biering_sorensen_band=None if ext is None else biering_sorensen_band(ext, sex),
        percent_of_norm=percent,
        low_endurance=any(p < LOW_ENDURANCE_PERCENT for p in percent.values()),
    )


def biering_sorensen_band(extensor_s: float, sex: Sex) -> BieringBand:
    """Prognostic band of the extensor hold; validated in men only (Biering-Sorensen 1984)."""
    if sex != "male":
        return "not_applicable"
    if extensor_s < BIERING_SORENSEN_AT_RISK_BELOW:
        return "at_risk"
    if extensor_s > BIERING_SORENSEN_PROTECTIVE_ABOVE:
        return "protective"
    return "indeterminate"


def _times(endurance: Endurance) -> dict[str, float]:
    named = {
        "flexor": endurance.flexor_s,
        "extensor": endurance.extensor_s,
        "side_bridge_right": endurance.side_bridge_right_s,
        "side_bridge_left": endurance.side_bridge_left_s,
    }
    return {k: v for k, v in named.items() if v is not None}


def _ratios_not_formed(times: dict[str, float]) -> list[str]:
    """Each ratio whose bottom hold is a failed attempt (under 1 s), with the hold in words."""
    pairs = {
        "flexor/extensor": ("flexor", "extensor"),
        "side bridge/extensor": ("side_bridge_right", "extensor"),
        "right/left side bridge": ("side_bridge_right", "side_bridge_left"),
    }
    out = []
    for name, (top, bottom) in pairs.items():
        below = times.get(bottom)
        if top in times and below is not None and below < MIN_RATIO_HOLD_S:
            test = bottom.replace("_", " ")
            out.append(
                f"{name}: the {test} hold was {below:g} s (under {MIN_RATIO_HOLD_S:g} s, a "
                "failed attempt), so no ratio is formed; repeat the test"
            )
    return out


def _ratio(top: float | None, bottom: float | None) -> float | None:
    if top is None or bottom is None or bottom < MIN_RATIO_HOLD_S:
        return None
    return round(top / bottom, 3)


def _percent_of_norm(times: dict[str, float], sex: Sex) -> dict[str, float]:
    """Norms exist by sex only; for ``other`` no comparison is made."""
    norms = MCGILL_NORMS_S.get(sex)
    if norms is None:
        return {}
    return {test: round(100 * t / norms[test], 1) for test, t in times.items()}
