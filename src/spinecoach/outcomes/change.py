"""Change from baseline on one measure, classified as improved, unchanged or worse.

Questionnaires use the published thresholds of :data:`spinecoach.clinical.MCID` (ODI 10 points
or 30 %, RMDQ 5 points or 30 %, NPRS 2 points or 30 %: Ostelo et al., Spine 2008; PSFS MDC 2
points for the mean: Stratford et al. 1995). A change counts when it reaches the points *or*
the percent threshold, in either direction. Physical measures with no published threshold in
CLINICAL.md use a clinic policy threshold, and say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from spinecoach.clinical.change_thresholds import MCID, ChangeThreshold

__all__ = [
    "MEASURE_THRESHOLDS",
    "ChangeClass",
    "MeasureChange",
    "MeasureThreshold",
    "classify_change",
    "measure_unit",
]

ChangeClass = Literal["improved", "unchanged", "worse", "not_classified"]

LATIMER_SEM_S = 17.0
"""Biering-Sorensen test-retest SEM, upper value of 12-17 s (Latimer 1999; CLINICAL.md s5)."""

EXTENSOR_MDC_S = round(1.645 * 2**0.5 * LATIMER_SEM_S, 1)
"""MDC(90) = 1.645 x sqrt(2) x SEM, derived from Latimer 1999's SEM: about 39.6 s."""


@dataclass(frozen=True)
class MeasureThreshold:
    """The smallest change that counts on one measure, and where that number comes from."""

    measure: str
    higher_is_better: bool
    points: float | None
    percent: float | None
    source: str
    policy: bool = False
    """True when the threshold is a clinic default, not a published number."""


def _from_mcid(key: str, measure: str) -> MeasureThreshold:
    t: ChangeThreshold = MCID[key]
    return MeasureThreshold(
        measure=measure,
        higher_is_better=t.direction == "higher_is_better",
        points=t.points,
        percent=t.percent,
        source=t.source,
    )


_POLICY = "clinic policy: no published threshold in CLINICAL.md"

MEASURE_THRESHOLDS: dict[str, MeasureThreshold] = {
    "odi": _from_mcid("odi", "odi"),
    "rmdq": _from_mcid("rmdq", "rmdq"),
    "nprs": _from_mcid("nprs", "nprs"),
    "psfs": _from_mcid("psfs", "psfs"),
    "fabq_pa": _from_mcid("fabq_pa", "fabq_pa"),
    "fabq_w": _from_mcid("fabq_w", "fabq_w"),
    "extensor_s": MeasureThreshold(
        "extensor_s",
        higher_is_better=True,
        points=EXTENSOR_MDC_S,
        percent=None,
        source="MDC(90) derived from the Biering-Sorensen SEM of 17 s (Latimer 1999)",
    ),
    # Flexor and side-bridge holds: no retest figures were retrieved; 25 % is a clinic default.
    "flexor_s": MeasureThreshold("flexor_s", True, None, 25, _POLICY, policy=True),
    "side_bridge_right_s": MeasureThreshold(
        "side_bridge_right_s", True, None, 25, _POLICY, policy=True
    ),
    "side_bridge_left_s": MeasureThreshold(
        "side_bridge_left_s", True, None, 25, _POLICY, policy=True
    ),
    # Lumbar range of motion from the sensors: 5 degrees is a clinic default.
    "flexion_rom_deg": MeasureThreshold("flexion_rom_deg", True, 5, None, _POLICY, policy=True),
    "extension_rom_deg": MeasureThreshold("extension_rom_deg", True, 5, None, _POLICY, policy=True),
    # Standing sway (lower is steadier): a 20 % change is a clinic default.
    "sway": MeasureThreshold("sway", False, None, 20, _POLICY, policy=True),
}
"""Measure -> the threshold its change is classified against."""


class MeasureChange(BaseModel):
    """Baseline and latest value of one measure, the change, and its classification."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure: str
    baseline: float
    latest: float
    improvement: float
    """Points of improvement, positive = better whatever the scale's direction."""
    percent_improvement: float | None
    classification: ChangeClass
    threshold: str
    source: str


def classify_change(measure: str, baseline: float, latest: float) -> MeasureChange:
    """Classify the change on ``measure`` from ``baseline`` to ``latest`` against its threshold."""
    t = MEASURE_THRESHOLDS[measure]
    gain = latest - baseline if t.higher_is_better else baseline - latest
    pct = None if baseline == 0 else round(100 * gain / abs(baseline), 1)
    return MeasureChange(
        measure=measure,
        baseline=baseline,
        latest=latest,
        improvement=round(gain, 2),
        percent_improvement=pct,
        classification=_classify(t, gain, pct),
        threshold=_describe(t),
        source=t.source + (" (policy)" if t.policy else ""),
    )


def _classify(t: MeasureThreshold, gain: float, pct: float | None) -> ChangeClass:
    if t.points is None and t.percent is None:
        return "not_classified"
    checks: tuple[tuple[int, ChangeClass], ...] = ((1, "improved"), (-1, "worse"))
    for sign, label in checks:
        if t.points is not None and sign * gain >= t.points:
            return label
        if t.percent is not None and pct is not None and sign * pct >= t.percent:
            return label
    return "unchanged"


def measure_unit(measure: str) -> str:
    """The unit a measure's values and changes are in, for readable text."""
    if measure.endswith("_s"):
        return "s"
    if measure.endswith("_deg") or measure == "sway":
        return "deg"
    return "points"


def _describe(t: MeasureThreshold) -> str:
    parts = []
    if t.points is not None:
        parts.append(f"{t.points:g} {measure_unit(t.measure)}")
    if t.percent is not None:
        parts.append(f"{t.percent:g} % of baseline")
    return " or ".join(parts) if parts else "none published"
