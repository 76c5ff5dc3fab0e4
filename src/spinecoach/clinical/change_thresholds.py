"""Minimal clinically important change (MCID) and minimal detectable change (MDC) per instrument.

Outcome tracking reads :data:`MCID` to tell a real, important change from noise. A change is
important when it reaches the points threshold *or* the percent-of-baseline threshold (Ostelo
et al., Spine 2008 consensus: both forms are given). Each entry names its source and whether
the numbers were verified (CLINICAL.md sections 2-3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["MCID", "ChangeDirection", "ChangeThreshold", "EvidenceStatus"]

ChangeDirection = Literal["lower_is_better", "higher_is_better"]
EvidenceStatus = Literal["verified", "partly_verified", "unverified"]


@dataclass(frozen=True)
class ChangeThreshold:
    """How much change on one instrument matters, and how much is beyond measurement error."""

    instrument: str
    direction: ChangeDirection
    points: float | None
    """MCID in scale points (None when no MCID is established)."""
    percent: float | None
    """MCID as percent improvement from baseline (None when not given)."""
    mdc: float | None
    """Minimal detectable change (90 %) in scale points, when published."""
    source: str
    status: EvidenceStatus
    note: str = ""

    def improvement(self, baseline: float, follow_up: float) -> float:
        """Points of improvement (positive = better, whatever the scale's direction)."""
        change = follow_up - baseline
        return -change if self.direction == "lower_is_better" else change

    def percent_improvement(self, baseline: float, follow_up: float) -> float | None:
        """Improvement as percent of the baseline (None when the baseline is 0)."""
        if baseline == 0:
            return None
        return 100 * self.improvement(baseline, follow_up) / abs(baseline)

    def is_important(self, baseline: float, follow_up: float) -> bool:
        """True when the improvement reaches the MCID in points or in percent."""
        gain = self.improvement(baseline, follow_up)
        if self.points is not None and gain >= self.points:
            return True
        pct = self.percent_improvement(baseline, follow_up)
        return self.percent is not None and pct is not None and pct >= self.percent

    def is_detectable(self, baseline: float, follow_up: float) -> bool | None:
        """True when the change in either direction reaches the MDC (None when no MDC)."""
        if self.mdc is None:
            return None
        return abs(follow_up - baseline) >= self.mdc


MCID: dict[str, ChangeThreshold] = {
    "odi": ChangeThreshold(
        instrument="odi",
        direction="lower_is_better",
        points=10,  # Ostelo et al., Spine 2008 consensus
        percent=30,  # Ostelo et al., Spine 2008 consensus
        mdc=10,  # MDC(90) about 10 points (idcafe/riunited modified ODI form)
        source="Ostelo et al., Spine 2008; MDC from the idcafe modified ODI scoring page",
        status="verified",
        note="Copay quotes 12.8 points; the modified ODQ uses 6 points (George 2008)",
    ),
    "rmdq": ChangeThreshold(
        instrument="rmdq",
        direction="lower_is_better",
        points=5,  # Ostelo et al., Spine 2008 consensus
        percent=30,  # Ostelo et al., Spine 2008 consensus
        mdc=5,  # MDC(90) 4-5 points (Stratford et al.); the upper value, to be conservative
        source="Ostelo et al., Spine 2008; MDC from Stratford et al.",
        status="verified",
        note="change is not reliably detectable when the baseline is below 4 or above 20",
    ),
    "nprs": ChangeThreshold(
        instrument="nprs",
        direction="lower_is_better",
        points=2,  # Ostelo et al., Spine 2008 consensus
        percent=30,  # Ostelo et al., Spine 2008 consensus
        mdc=None,
        source="Ostelo et al., Spine 2008",
        status="verified",
    ),
    "psfs": ChangeThreshold(
        instrument="psfs",
        direction="higher_is_better",
        points=2,  # MDC(90) for the average score, used until an LBP MCID is confirmed
        percent=None,
        mdc=2,  # MDC(90) average score (Stratford 1995; PSFS form, precisionphysio.com.au)
        source="Stratford et al., Physiotherapy Canada 1995 (MDC used as the threshold)",
        status="partly_verified",
        note="no confirmed LBP MCID; MDC for a single activity is 3 points",
    ),
    "fabq_pa": ChangeThreshold(
        instrument="fabq_pa",
        direction="lower_is_better",
        points=None,
        percent=None,
        mdc=None,
        source="none retrieved (CLINICAL.md section 3)",
        status="unverified",
        note="no published MCID retrieved; report the change without classifying it",
    ),
    "fabq_w": ChangeThreshold(
        instrument="fabq_w",
        direction="lower_is_better",
        points=None,
        percent=None,
        mdc=None,
        source="none retrieved (CLINICAL.md section 3)",
        status="unverified",
        note="no published MCID retrieved; report the change without classifying it",
    ),
}
"""Instrument -> its change thresholds. Keys match the score names of the assessment."""
