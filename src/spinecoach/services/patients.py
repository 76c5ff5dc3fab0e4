"""Patients: register, read and list, each seen only by those allowed to.

A clinician sees the patients assigned to them, a patient only themself; an admin sees the
register (names, status, clinicians) to manage accounts and assignments, but no clinical data
unless also a clinician. Someone else's patient answers NotFound, never Forbidden.
"""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.documents import parse_document
from spinecoach.services import audit
from spinecoach.services.actors import Actor, Role
from spinecoach.services.clock import utcnow
from spinecoach.services.errors import Forbidden, NotFound
from spinecoach.store.records import PatientRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = [
    "NewPatient",
    "assign_clinician",
    "clinical_patient",
    "get_patient",
    "list_patients",
    "refuse_access",
    "register_patient",
    "require_clinician",
    "visible_patient",
]


class NewPatient(BaseModel):
    """What registering a patient needs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    display_name: str = Field(min_length=1, max_length=200)
    birth_year: int | None = Field(default=None, ge=1900, le=2100)


def visible_patient(uow: UnitOfWork, actor: Actor, patient_id: str) -> PatientRecord:
    """The patient's register entry if ``actor`` may see it (inside an open unit of work)."""
    patient = uow.patients.get(patient_id)
    if patient is None or not _may_see(uow, actor, patient_id, register_only=True):
        refuse_access(uow, actor, patient_id, NotFound("patient", patient_id))
    assert patient is not None
    return patient


def clinical_patient(uow: UnitOfWork, actor: Actor, patient_id: str) -> PatientRecord:
    """The patient if ``actor`` may see their clinical record: an assigned clinician or themself."""
    patient = uow.patients.get(patient_id)
    if patient is None or not _may_see(uow, actor, patient_id, register_only=False):
        refuse_access(uow, actor, patient_id, NotFound("patient", patient_id))
    assert patient is not None
    return patient


def require_clinician(uow: UnitOfWork, actor: Actor, patient_id: str) -> PatientRecord:
    """The patient, for a decision only their clinician makes (the patient themself: Forbidden)."""
    patient = clinical_patient(uow, actor, patient_id)
    if not (actor.has(Role.CLINICIAN) and uow.patients.is_assigned(patient_id, actor.user_id)):
        refuse_access(
            uow,
            actor,
            patient_id,
            Forbidden(f"only a clinician of patient {patient_id!r} may do this"),
        )
    return patient


def refuse_access(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    error: Exception,
    action: str = "patient.access",
) -> NoReturn:
    """Audit a refused access (as ``action``) and raise ``error``. Every use case checks
    access before it writes, so committing here keeps only the audit event."""
    audit.record(
        uow,
        actor,
        action,
        patient_id=patient_id,
        object_type="Patient",
        object_id=patient_id,
        outcome="denied",
        code="E",
    )
    uow.commit()
    raise error


def _may_see(uow: UnitOfWork, actor: Actor, patient_id: str, *, register_only: bool) -> bool:
    if actor.has(Role.PATIENT) and actor.patient_id == patient_id:
        return True
    if actor.has(Role.CLINICIAN) and uow.patients.is_assigned(patient_id, actor.user_id):
        return True
    return register_only and actor.has(Role.ADMIN)


def register_patient(
    uow: UnitOfWork,
    actor: Actor,
    patient: NewPatient | dict[str, object],
    *,
    now: dt.datetime | None = None,
) -> PatientRecord:
    """Register a patient; a clinician who registers one is assigned to them at once."""
    if not (actor.has(Role.CLINICIAN) or actor.has(Role.ADMIN)):
        raise Forbidden("only clinicians and admins register patients")
    new = patient if isinstance(patient, NewPatient) else parse_document(patient, NewPatient)
    at = utcnow(now)
    record = PatientRecord(new_id(), new.display_name, new.birth_year, "active", at, actor.user_id)
    with uow:
        uow.patients.add(record)
        if actor.has(Role.CLINICIAN):
            uow.patients.assign(record.id, actor.user_id, actor.user_id, at)
        audit.record(
            uow,
            actor,
            "patient.register",
            patient_id=record.id,
            object_type="Patient",
            object_id=record.id,
            at=at,
        )
        stored = uow.patients.get(record.id)
        uow.commit()
    assert stored is not None
    return stored


def get_patient(uow: UnitOfWork, actor: Actor, patient_id: str) -> PatientRecord:
    """One patient's register entry (NotFound when not the actor's to see)."""
    with uow:
        patient = visible_patient(uow, actor, patient_id)
        audit.record(
            uow,
            actor,
            "patient.read",
            patient_id=patient_id,
            object_type="Patient",
            object_id=patient_id,
        )
        uow.commit()
    return patient


def list_patients(
    uow: UnitOfWork, actor: Actor, *, offset: int = 0, limit: int = 100
) -> list[PatientRecord]:
    """The patients the actor may see, by name: own patients, themself, or all for an admin."""
    with uow:
        if actor.has(Role.ADMIN) and not actor.has(Role.CLINICIAN):
            found = uow.patients.find(offset=offset, limit=limit)
        elif actor.has(Role.CLINICIAN):
            found = uow.patients.find(clinician_id=actor.user_id, offset=offset, limit=limit)
        elif actor.patient_id is not None:
            found = uow.patients.find(patient_ids=[actor.patient_id], offset=offset, limit=limit)
        else:
            found = []
        audit.record(uow, actor, "patient.list", object_type="Patient")
        uow.commit()
    return found


def assign_clinician(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    clinician_id: str,
    *,
    now: dt.datetime | None = None,
) -> bool:
    """Assign a clinician to a patient (admins); False when already assigned."""
    if not actor.has(Role.ADMIN):
        raise Forbidden("only admins assign clinicians to patients")
    at = utcnow(now)
    with uow:
        if uow.patients.get(patient_id) is None:
            raise NotFound("patient", patient_id)
        added = uow.patients.assign(patient_id, clinician_id, actor.user_id, at)
        audit.record(
            uow,
            actor,
            "patient.assign",
            patient_id=patient_id,
            object_type="Practitioner",
            object_id=clinician_id,
            at=at,
        )
        uow.commit()
    return added
