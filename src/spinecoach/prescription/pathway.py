"""Care pathway from STarT Back, the referral for red flags, and the advice (NICE NG59).

Missing data is never read as good news: an absent or unscorable STarT Back gives
physiotherapist-led care from phase 1, and an intake whose red flags were never screened gets
no exercise program, only a "screen first" referral.
"""

from __future__ import annotations

from collections.abc import Iterable

from spinecoach.clinical.assessment import Assessment, RedFlagHit
from spinecoach.clinical.intake import PatientProfile
from spinecoach.prescription.program import CarePathway, Dosing, Phase, Reason, Referral
from spinecoach.prescription.rules import reason

__all__ = [
    "BLOCKING_URGENCIES",
    "LOW_FREQUENCY_SESSIONS",
    "advice",
    "care_pathway",
    "is_blocked",
    "referral",
    "unstratified_phase",
]

BLOCKING_URGENCIES = frozenset({"urgent", "emergency"})
"""Red-flag urgencies that stop the exercise program (CLINICAL.md section 4 [V])."""

LOW_FREQUENCY_SESSIONS = 2
"""At or below this many sessions a week, daily short activation practice is advised (policy;
motor control training asks for daily home practice, CLINICAL.md section 8)."""

_SEVERITY = {"none": 0, "review": 1, "urgent": 2, "emergency": 3}


def care_pathway(assessment: Assessment) -> tuple[CarePathway, Dosing, Reason]:
    """The STarT Back matched care (Hill 2011) and how exercise is dosed on it."""
    start_back = assessment.scores.start_back
    if start_back is None:
        unscored = [n for n in assessment.scores.not_scorable if n.instrument == "start_back"]
        if unscored:
            why = unscored[0].reason.split(";")[0]
            return "physio_led", "pain_contingent", reason("stratum.not_scorable", why=why)
        return "physio_led", "pain_contingent", reason("stratum.missing")
    if start_back.stratum == "high":
        return "psychologically_informed", "quota_based", reason("stratum.high")
    if start_back.stratum == "low":
        return "self_management", "pain_contingent", reason("stratum.low")
    return "physio_led", "pain_contingent", reason("stratum.medium")


def unstratified_phase(assessment: Assessment) -> tuple[Phase, Reason] | None:
    """Phase 1 and why, when STarT Back is absent or not scorable; None when it was scored."""
    if assessment.scores.start_back is not None:
        return None
    return 1, reason("phase.1.unstratified")


def is_blocked(assessment: Assessment) -> bool:
    """True when a red flag stops exercise (urgent or emergency), or none was screened."""
    screen = assessment.red_flags
    return not screen.screened or screen.exercise_blocked or screen.urgency in BLOCKING_URGENCIES


def _blocking_hits(assessment: Assessment) -> list[RedFlagHit]:
    hits = [h for h in assessment.red_flags.hits if h.urgency in BLOCKING_URGENCIES]
    return sorted(hits, key=lambda h: (-_SEVERITY[h.urgency], h.id))


def referral(assessment: Assessment) -> tuple[Referral, list[Reason]]:
    """The referral replacing the program, and the reasons (most urgent flag first)."""
    screen = assessment.red_flags
    if not screen.screened:
        return _screen_first()
    hits = _blocking_hits(assessment)
    urgency = screen.urgency if screen.urgency in BLOCKING_URGENCIES else "urgent"
    patient = _unique(h.patient_action for h in hits) or "See a doctor today."
    clinician = _unique(h.clinician_action for h in hits) or "Review the red-flag screen today."
    flags = sorted(h.id for h in hits)
    names = ", ".join(flags) or "red-flag screen"
    reasons = [
        reason("red_flag.referral", flags=names, urgency=urgency, action=patient),
        reason("advice.referral", urgency=urgency, action=patient),
    ]
    return Referral(
        urgency=urgency, patient_action=patient, clinician_action=clinician, flags=flags
    ), reasons


def _screen_first() -> tuple[Referral, list[Reason]]:
    """No screen at all: ask the red-flag questions before anything else."""
    return Referral(
        kind="screen_first",
        urgency="review",
        patient_action="Before any exercise, answer the red-flag safety questions with your "
        "physiotherapist.",
        clinician_action="Red flags not screened: ask the red-flag questions and record them "
        "in the intake's red_flags (an empty list when none is positive), then prescribe again.",
        flags=[],
    ), [reason("red_flag.not_screened"), reason("advice.screen_first")]


def _unique(texts: Iterable[str]) -> str:
    """The texts joined once each, in order (several flags often share one action)."""
    return " ".join(dict.fromkeys(texts))


def advice(
    assessment: Assessment,
    profile: PatientProfile,
    pathway_reason: Reason,
    goals: list[str],
) -> list[Reason]:
    """The advice that goes with an active program, in reading order."""
    items = [
        pathway_reason,
        reason("advice.exercise_core", sessions=profile.sessions_per_week),
        reason("advice.stay_active"),
        reason("advice.not_recommended"),
    ]
    if pathway_reason.rule == "stratum.high":
        items.append(reason("advice.psychologically_informed"))
    if pathway_reason.rule == "stratum.low":
        items.append(reason("advice.self_management"))
    for hit in sorted(assessment.red_flags.hits, key=lambda h: h.id):
        if hit.urgency == "review":
            items.append(reason("red_flag.review", flags=hit.id, action=hit.patient_action))
    if profile.sessions_per_week <= LOW_FREQUENCY_SESSIONS:
        items.append(reason("advice.low_frequency", sessions=profile.sessions_per_week))
    if goals:
        items.append(reason("advice.goals", goals="; ".join(goals)))
    return items
