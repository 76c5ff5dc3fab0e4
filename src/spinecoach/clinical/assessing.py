"""``assess(intake)``: the whole first-visit assessment as one pure, deterministic function."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from spinecoach.clinical.assessment import Assessment, NotScorable, Scores
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
from spinecoach.clinical.odi import score_odi
from spinecoach.clinical.psfs import score_psfs
from spinecoach.clinical.red_flags import screen_red_flags
from spinecoach.clinical.rmdq import score_rmdq
from spinecoach.clinical.startback import score_start_back

__all__ = ["assess", "score_questionnaires"]


ResultT = TypeVar("ResultT", bound=BaseModel)


def score_questionnaires(q: Questionnaires) -> Scores:
    """Score every questionnaire that was filled in; one with too much missing is listed in
    ``not_scorable`` (with why) and its score stays empty, never read as the best case."""
    unscored: list[NotScorable] = []

    def keep(result: ResultT | NotScorable | None) -> ResultT | None:
        if isinstance(result, NotScorable):
            unscored.append(result)
            return None
        return result

    return Scores(
        start_back=keep(None if q.start_back is None else score_start_back(q.start_back)),
        odi=keep(None if q.odi is None else score_odi(q.odi)),
        rmdq=keep(None if q.rmdq is None else score_rmdq(q.rmdq)),
        nprs=q.nprs,
        psfs=None if not q.psfs else score_psfs([(a.activity, a.score) for a in q.psfs]),
        fabq=keep(None if q.fabq is None else score_fabq(q.fabq)),
        not_scorable=unscored,
    )


def assess(intake: Intake) -> Assessment:
    """Scores, red flags, movement, endurance and classification, each explained in findings."""
    patient = intake.patient
    scores = score_questionnaires(intake.questionnaires)
    red_flags = screen_red_flags(intake.red_flags)
    movement = movement_profile(intake.movement_tests)
    endurance = endurance_profile(intake.endurance, patient.sex)
    classification = classify(patient.age, intake.findings, movement, scores.fabq)
    findings = [
        *red_flag_findings(red_flags),
        *score_findings(scores),
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
