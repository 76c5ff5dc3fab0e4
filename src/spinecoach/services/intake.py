"""Submit an intake: the intake is kept, assessed, and a first program version is proposed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from spinecoach.clinical import Assessment, Intake, assess
from spinecoach.documents import parse_document
from spinecoach.exercises import load_catalogue
from spinecoach.prescription import Overrides, prescribe
from spinecoach.services import audit
from spinecoach.services.actors import Actor, Role
from spinecoach.services.alerts import refresh_alerts
from spinecoach.services.clock import utcnow
from spinecoach.services.errors import Forbidden, NotFound
from spinecoach.services.outcomes import OutcomeEntry, add_entry, baseline_measurement
from spinecoach.services.patients import clinical_patient
from spinecoach.services.programs import add_version
from spinecoach.store import documents
from spinecoach.store.records import AssessmentRecord, IntakeRecord, VersionRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = ["IntakeOutcome", "get_assessment", "list_assessments", "list_intakes", "submit_intake"]


@dataclass(frozen=True)
class IntakeOutcome:
    """What one intake produced: the stored intake, its assessment and the proposed program."""

    intake: IntakeRecord
    assessment: AssessmentRecord
    version: VersionRecord


def parse_intake(document: Intake | dict[str, Any], patient_id: str) -> Intake:
    """The intake validated, its ``patient.id`` set to the record's patient id."""
    raw = document.model_dump(mode="json") if isinstance(document, Intake) else dict(document)
    patient = raw.get("patient")
    if isinstance(patient, dict):
        raw["patient"] = {**patient, "id": patient_id}
    return parse_document(raw, Intake, "intake")


def submit_intake(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    document: Intake | dict[str, Any],
    *,
    overrides: Overrides | dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> IntakeOutcome:
    """Keep the intake, assess it, record the baseline outcomes and propose the first program
    (a referral when a red flag stops exercise). The patient's clinician or the patient."""
    intake = parse_intake(document, patient_id)
    edits = (
        overrides
        if overrides is None or isinstance(overrides, Overrides)
        else parse_document(overrides, Overrides, "overrides")
    )
    if edits is not None and not actor.has(Role.CLINICIAN):
        raise Forbidden("only the patient's clinician gives overrides")
    at = utcnow(now)
    assessment = assess(intake)
    program = prescribe(assessment, assessment.patient, load_catalogue(), edits)
    with uow:
        clinical_patient(uow, actor, patient_id)
        intake_record = IntakeRecord(
            new_id(), patient_id, at, actor.user_id, documents.dump(intake)
        )
        uow.intakes.add_intake(intake_record)
        assessment_record = AssessmentRecord(
            new_id(), patient_id, intake_record.id, at, documents.dump(assessment)
        )
        uow.intakes.add_assessment(assessment_record)
        add_entry(
            uow,
            patient_id,
            OutcomeEntry(measurement=baseline_measurement(intake, assessment, at.date())),
            source="intake",
            source_id=intake_record.id,
            at=at,
        )
        version = add_version(
            uow,
            actor,
            patient_id,
            program,
            basis="intake",
            at=at,
            escalate=program.status == "referral",
            assessment_id=assessment_record.id,
        )
        if program.status == "referral":
            uow.patients.set_status(patient_id, "stopped")
        audit.record(
            uow,
            actor,
            "intake.submit",
            patient_id=patient_id,
            object_type="QuestionnaireResponse",
            object_id=intake_record.id,
            at=at,
        )
        audit.record(
            uow,
            actor,
            "assessment.create",
            patient_id=patient_id,
            object_type="ClinicalImpression",
            object_id=assessment_record.id,
            at=at,
        )
        refresh_alerts(uow, patient_id, at, sessions=[])
        uow.commit()
    return IntakeOutcome(intake_record, assessment_record, version)


def list_intakes(uow: UnitOfWork, actor: Actor, patient_id: str) -> list[IntakeRecord]:
    """The patient's intakes, oldest first."""
    with uow:
        clinical_patient(uow, actor, patient_id)
        found = uow.intakes.intakes(patient_id)
        audit.record(
            uow, actor, "intake.list", patient_id=patient_id, object_type="QuestionnaireResponse"
        )
        uow.commit()
    return found


def list_assessments(uow: UnitOfWork, actor: Actor, patient_id: str) -> list[AssessmentRecord]:
    """The patient's assessments, oldest first."""
    with uow:
        clinical_patient(uow, actor, patient_id)
        found = uow.intakes.assessments(patient_id)
        audit.record(
            uow, actor, "assessment.list", patient_id=patient_id, object_type="ClinicalImpression"
        )
        uow.commit()
    return found


def get_assessment(
    uow: UnitOfWork, actor: Actor, assessment_id: str
) -> tuple[AssessmentRecord, Assessment]:
    """One assessment, stored and as the domain value."""
    with uow:
        record = uow.intakes.get_assessment(assessment_id)
        if record is None:
            raise NotFound("assessment", assessment_id)
        try:
            clinical_patient(uow, actor, record.patient_id)
        except NotFound:
            raise NotFound("assessment", assessment_id) from None
        audit.record(
            uow,
            actor,
            "assessment.read",
            patient_id=record.patient_id,
            object_type="ClinicalImpression",
            object_id=assessment_id,
        )
        uow.commit()
    return record, documents.load(Assessment, record.document)
