"""``assess(intake)``: the whole first-visit assessment as one pure, deterministic function."""

from __future__ import annotations

from spinecoach.clinical.assessment import Assessment, Scores
from spinecoach.clinical.classification import classify
from spinecoach.clinical.endurance import endurance_profile
from spinecoach.clinical.fabq import score_fabq
from spinecoach.clinical.findings import (
    classification_findings,
    endurance_findings,
    movement_findings,
    red_flag_findings,
    score_findings,
)
from spinecoach.clinical.intake import Intake, Questionnaires
from spinecoach.clinical.movement import movement_profile
from spinecoach.clinical.odi import MAX_SKIPPED_SECTIONS, odi_skipped, score_odi
from spinecoach.clinical.psfs import score_psfs
from spinecoach.clinical.red_flags import screen_red_flags
from spinecoach.clinical.rmdq import score_rmdq
from spinecoach.clinical.startback import score_start_back

__all__ = ["assess", "score_questionnaires"]


def score_questionnaires(q: Questionnaires) -> Scores:
    """Score every questionnaire that was filled in; an ODI with too many gaps stays unscored."""
    odi = q.odi
    return Scores(
        start_back=None if q.start_back is None else score_start_back(q.start_back),
        odi=None if odi is None or odi_skipped(odi) > MAX_SKIPPED_SECTIONS else score_odi(odi),
        rmdq=None if q.rmdq is None else score_rmdq(q.rmdq),
        nprs=q.nprs,
        psfs=None if not q.psfs else score_psfs([(a.activity, a.score) for a in q.psfs]),
        fabq=None if q.fabq is None else score_fabq(q.fabq),
    )


def assess(intake: Intake) -> Assessment:
    """Scores, red flags, movement, endurance and classification, each explained in findings."""
    patient = intake.patient
    scores = score_questionnaires(intake.questionnaires)
    red_flags = screen_red_flags(intake.red_flags)
    movement = movement_profile(intake.movement_tests)
    endurance = endurance_profile(intake.endurance, patient.sex)
    classification = classify(patient.age, intake.findings, movement, scores.fabq)
    skipped = 0 if intake.questionnaires.odi is None else odi_skipped(intake.questionnaires.odi)
    findings = [
        *red_flag_findings(red_flags),
        *score_findings(scores, skipped),
        *movement_findings(movement),
        *endurance_findings(endurance),
        *classification_findings(classification),
    ]
    return Assessment(
        patient=patient,
        scores=scores,
        red_flags=red_flags,
        movement=movement,
        endurance=endurance,
        classification=classification,
        findings=findings,
        examination=intake.findings.model_dump(exclude_none=True),
        health=intake.health,
    )
