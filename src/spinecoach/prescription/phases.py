"""Which phase a program starts in, from pain, disability and trunk endurance.

Phase 1 activation/coordination, phase 2 endurance, phase 3 strength and function
(Hodges 2007 motor control training; CLINICAL.md section 8). The thresholds below are clinic
policy defaults (CLINICAL.md section 5 marks no published entry criteria); the ODI band edges
and the pain safe zone they lean on are published, and the reasons say which is which.
"""

from __future__ import annotations

from spinecoach.clinical.assessment import Assessment
from spinecoach.prescription.program import Phase, Reason
from spinecoach.prescription.rules import reason

__all__ = [
    "PHASE1_NPRS_MIN",
    "PHASE1_ODI_ABOVE",
    "PHASE1_RMDQ_MIN",
    "PHASE3_NPRS_MAX",
    "PHASE3_ODI_MAX",
    "PHASE3_RMDQ_MAX",
    "choose_phase",
]

PHASE1_NPRS_MIN = 7
"""Pain at or above this starts in phase 1. Policy: severe pain calls for symptom modulation
first (Alrwaily 2016 TBC revision, "pain high to moderate"; the number itself is [U])."""

PHASE1_ODI_ABOVE = 40.9
"""ODI above this (the 'severe' band and worse) starts in phase 1; band edge from Fairbank &
Pynsent 2000 as implemented by soapnote (>40.9) [V]; using it as an entry criterion is policy."""

PHASE1_RMDQ_MIN = 14
"""RMDQ at or above this starts in phase 1. Policy: roughly the RMDQ equal of ODI 'severe' [U]."""

PHASE3_NPRS_MAX = 3
"""Pain at or below this may start phase 3: the 'safe' zone of the pain-monitoring model
(<= 3/10, bim.physio citing Silbernagel 2007) [V]; using it for phase entry is policy."""

PHASE3_ODI_MAX = 20.9
"""ODI at or below this ('minimal disability', Fairbank & Pynsent 2000, soapnote cut >20.9) [V]."""

PHASE3_RMDQ_MAX = 4
"""RMDQ at or below this counts as minimal disability. Policy: RMDQ < 4 is where change is not
reliably detectable (Stratford; CLINICAL.md section 3) [V], used here as 'minimal'."""


def choose_phase(assessment: Assessment) -> tuple[Phase, list[Reason]]:
    """The starting phase and the reasons for it (assumes no blocking red flag)."""
    scores = assessment.scores
    nprs = scores.nprs
    odi = scores.odi.percent if scores.odi is not None and scores.odi.answered > 0 else None
    rmdq = scores.rmdq.score if scores.rmdq is not None else None

    phase1: list[Reason] = []
    if nprs is not None and nprs >= PHASE1_NPRS_MIN:
        phase1.append(reason("phase.1.pain", nprs=nprs, threshold=PHASE1_NPRS_MIN))
    if odi is not None and odi > PHASE1_ODI_ABOVE:
        phase1.append(reason("phase.1.odi", odi=f"{odi:g}", threshold=PHASE1_ODI_ABOVE))
    if rmdq is not None and rmdq >= PHASE1_RMDQ_MIN:
        phase1.append(reason("phase.1.rmdq", rmdq=rmdq, threshold=PHASE1_RMDQ_MIN))
    if assessment.movement.peripheralizing:
        directions = ", ".join(sorted(assessment.movement.peripheralizing))
        phase1.append(reason("phase.1.peripheralizing", directions=directions))
    if nprs is None and odi is None and rmdq is None:
        phase1.append(reason("phase.1.unknown"))
    if phase1:
        return 1, phase1

    disability_minimal = (odi is None or odi <= PHASE3_ODI_MAX) and (
        rmdq is None or rmdq <= PHASE3_RMDQ_MAX
    )
    pain_safe = nprs is not None and nprs <= PHASE3_NPRS_MAX
    if pain_safe and disability_minimal and (odi is not None or rmdq is not None):
        if assessment.endurance.low_endurance:
            return 2, [_low_endurance_reason(assessment)]
        return 3, [reason("phase.3.entry", nprs=nprs, threshold=PHASE3_NPRS_MAX)]
    return 2, [reason("phase.2.default")]


LOW_ENDURANCE_PERCENT = 50.0
"""A test under this % of the McGill 1999 mean counts as low (the assessment's own marker)."""


def _low_endurance_reason(assessment: Assessment) -> Reason:
    low = sorted(
        test
        for test, pct in assessment.endurance.percent_of_norm.items()
        if pct < LOW_ENDURANCE_PERCENT
    )
    return reason("phase.2.low_endurance", tests=", ".join(low) or "a test")
