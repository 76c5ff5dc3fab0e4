"""A patient's record out of the store as documents (FHIR Bundle, reports) and questionnaire
responses from other systems into it.

The record is read into :class:`spinecoach.interop.PatientRecord` (intake and assessment,
program versions, session logs, outcome timeline, sensor summaries of whole-day recordings)
and handed to the pure export and report code. Who may: the patient themself and their
clinician (an import: the clinician only); every read and import is audited. The command line
acts as :data:`OPERATOR`, someone holding the database itself, and is audited as such.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from spinecoach.clinical import Assessment, Intake
from spinecoach.errors import InputError
from spinecoach.interop.fhir.importing import ImportedResponse
from spinecoach.interop.record import PatientRecord, ProgramVersion, SensorSummary
from spinecoach.services import audit, raw_files
from spinecoach.services.actors import SYSTEM, Actor, Role
from spinecoach.services.clock import utcnow
from spinecoach.services.errors import Conflict, NotFound
from spinecoach.services.outcomes import OutcomeEntry, add_entry, patient_timeline
from spinecoach.services.patients import clinical_patient, require_clinician
from spinecoach.services.programs import program_of, session_log
from spinecoach.settings import ServiceSettings
from spinecoach.store import documents
from spinecoach.store.accounts import users
from spinecoach.store.records import RecordingRecord, VersionRecord
from spinecoach.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from fhir.resources.R4B.bundle import Bundle

__all__ = [
    "IMPORT_LIMIT_BYTES",
    "OPERATOR",
    "ImportedScore",
    "ReportFormat",
    "ReportKind",
    "fhir_bundle",
    "import_response",
    "load_record",
    "patient_report",
    "read_record",
]

OPERATOR = Actor(
    user_id="operator", username="operator (command line)", roles=frozenset({Role.ADMIN})
)
"""Whoever runs the command line on the clinic's database: they hold the data itself, so the
role checks of the service do not apply, but what they read or import is audited."""

IMPORT_LIMIT_BYTES = 1024 * 1024
"""Largest QuestionnaireResponse accepted (a filled-in form is a few kB)."""

IMPORT_SOURCE = "fhir_import"
"""The outcome entries' source for imported responses (source_id: see :func:`_entry_key`)."""

ReportFormat = Literal["pdf", "html"]
ReportKind = Literal["progress", "discharge", "handout"]


class ImportedScore(BaseModel):
    """What an import added: the timeline entry's id and the scored response."""

    model_config = ConfigDict(frozen=True)

    entry_id: str
    sha256: str = Field(description="the raw response as stored (data_dir/imports/PATIENT/)")
    imported: ImportedResponse


def _check(uow: UnitOfWork, actor: Actor, patient_id: str, *, decide: bool = False) -> Any:
    """The patient's register entry if ``actor`` may read (or, ``decide``, write) their record."""
    if actor == OPERATOR:
        patient = uow.patients.get(patient_id)
        if patient is None:
            raise NotFound("patient", patient_id)
        return patient
    if decide:
        return require_clinician(uow, actor, patient_id)
    return clinical_patient(uow, actor, patient_id)


def _approver_name(uow: UnitOfWork, user_id: str) -> str:
    """The approving clinician as documents print them: their display name, not an id."""
    if user_id == SYSTEM.user_id:
        return "the clinic (applied automatically)"
    row = uow.connection.execute(
        sa.select(users.c.display_name).where(users.c.id == user_id)
    ).first()
    return str(row[0]) if row is not None else "the patient's clinician"


def _versions(uow: UnitOfWork, patient_id: str) -> list[tuple[VersionRecord, ProgramVersion]]:
    found: list[tuple[VersionRecord, ProgramVersion]] = []
    for record in uow.programs.versions(patient_id):
        program = program_of(record)
        if program.approved_by:
            program = program.model_copy(
                update={"approved_by": _approver_name(uow, program.approved_by)}
            )
        decided = record.approved_at or record.decided_at
        ends = (
            record.decided_at.date()
            if record.status == "superseded" and record.decided_at
            else None
        )
        found.append(
            (
                record,
                ProgramVersion(
                    program=program,
                    status=record.status,
                    created=record.proposed_at.date(),
                    decided=decided.date() if decided else None,
                    ends=ends,
                ),
            )
        )
    return found


def _sensor_summary(recording: RecordingRecord) -> SensorSummary | None:
    """A processed whole-day recording as the report's and the export's sensor summary."""
    metrics = recording.metrics or {}
    if recording.kind != "day" or recording.status != "processed" or not metrics:
        return None
    rom = metrics.get("rom_deg") or {}
    return SensorSummary(
        date=recording.recorded_on,
        recording=recording.filename,
        duration_s=float(metrics.get("duration_s") or 0.0),
        time_in_zones_s=dict(metrics.get("time_in_zones_s") or {}),
        rom_deg={k: float(v) for k, v in rom.items() if k in ("flexion", "extension")},
    )


def load_record(
    uow: UnitOfWork, patient_id: str, *, clinic_name: str, as_of: dt.date | None = None
) -> PatientRecord:
    """The patient's record from the store (inside an open unit of work; no access check).

    The latest intake and its assessment describe the patient; versions are listed oldest
    first. Conflict when the patient has no intake yet (there is nothing to export).
    """
    patient = uow.patients.get(patient_id)
    if patient is None:
        raise NotFound("patient", patient_id)
    intakes = uow.intakes.intakes(patient_id)
    if not intakes:
        raise Conflict(f"patient {patient_id!r} has no intake yet: submit an intake first")
    first, latest = intakes[0], intakes[-1]
    assessed = [a for a in uow.intakes.assessments(patient_id) if a.intake_id == latest.id]
    if not assessed:
        raise Conflict(f"patient {patient_id!r}: the latest intake has no assessment")
    versions = _versions(uow, patient_id)
    logs = [session_log(uow, record) for record, _ in versions]
    sensors = [
        s
        for s in (_sensor_summary(r) for r in uow.recordings.for_patient(patient_id))
        if s is not None
    ]
    return PatientRecord(
        record_id=patient_id,
        clinic_name=clinic_name,
        intake=documents.load(Intake, latest.document),
        intake_date=first.submitted_at.date(),
        assessment=documents.load(Assessment, assessed[-1].document),
        programs=tuple(v for _, v in versions),
        sessions=tuple(log for log in logs if log.sessions),
        timeline=patient_timeline(uow, patient_id),
        sensors=tuple(sorted(sensors, key=lambda s: s.date)),
        name=patient.display_name,
        as_of=as_of or dt.date.today(),
    )


def read_record(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    *,
    clinic_name: str,
    action: str,
    object_type: str,
    object_id: str | None = None,
    as_of: dt.date | None = None,
) -> PatientRecord:
    """The record for the patient themself or their clinician, the read audited as ``action``."""
    with uow:
        _check(uow, actor, patient_id)
        record = load_record(uow, patient_id, clinic_name=clinic_name, as_of=as_of)
        audit.record(
            uow,
            actor,
            action,
            patient_id=patient_id,
            object_type=object_type,
            object_id=object_id,
        )
        uow.commit()
    return record


def fhir_bundle(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    *,
    clinic_name: str,
    kind: Literal["collection", "transaction"] = "collection",
    as_of: dt.date | None = None,
) -> Bundle:
    """Everything about the patient as a FHIR R4 Bundle (``Patient/{id}/$everything``)."""
    from spinecoach.exercises import load_catalogue
    from spinecoach.interop.fhir import export_bundle

    record = read_record(
        uow,
        actor,
        patient_id,
        clinic_name=clinic_name,
        action="fhir.read",
        object_type="Bundle",
        object_id=kind,
        as_of=as_of,
    )
    return export_bundle(record, load_catalogue(), kind)


def patient_report(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    kind: ReportKind,
    output: ReportFormat,
    *,
    clinic_name: str,
    as_of: dt.date | None = None,
) -> bytes:
    """A progress report, discharge summary or handout of the patient, as PDF or HTML bytes."""
    from spinecoach.exercises import load_catalogue
    from spinecoach.interop.reports import build_report, render_html, render_pdf

    record = read_record(
        uow,
        actor,
        patient_id,
        clinic_name=clinic_name,
        action="report.read",
        object_type="DocumentReference",
        object_id=f"{kind}.{output}",
        as_of=as_of,
    )
    content = build_report(record, kind, load_catalogue())
    if output == "html":
        return render_html(content).encode("utf-8")
    return render_pdf(content)


def _entry_key(patient_id: str, sha: str) -> str:
    """One timeline entry per patient and response (the same file for another patient is
    another entry): 32 hex digits of SHA-256 over both."""
    return hashlib.sha256(f"{patient_id}:{sha}".encode()).hexdigest()[:32]


def _store_raw(settings: ServiceSettings, patient_id: str, raw: bytes) -> str:
    """Keep the upload as sent (content-addressed, fsynced) before it is read; its SHA-256."""
    if len(raw) > IMPORT_LIMIT_BYTES:
        raise InputError(
            f"QuestionnaireResponse: larger than the limit of {IMPORT_LIMIT_BYTES} bytes"
        )
    if not raw.strip():
        raise InputError("QuestionnaireResponse: the body is empty")
    with raw_files.spooled([raw], settings.data_dir / "imports" / patient_id) as file:
        raw_files.place(file, file.path.with_name(f"{file.sha256}.json"))
        return file.sha256


def import_response(
    uow: UnitOfWork,
    actor: Actor,
    settings: ServiceSettings,
    patient_id: str,
    raw: bytes,
    *,
    now: dt.datetime | None = None,
) -> ImportedScore:
    """Score a QuestionnaireResponse from another system and add it to the patient's timeline.

    The patient's clinician (or the operator) imports; the raw response is stored first; it is
    scored by the same scorer as an intake and lands on its authored date. The same response
    imported twice replaces its entry rather than adding one.
    """
    from spinecoach.interop.fhir import import_questionnaire_response
    from spinecoach.services.alerts import refresh_alerts

    at = utcnow(now)
    with uow:  # access first: nothing of a refused caller's upload is kept
        _check(uow, actor, patient_id, decide=True)
        uow.commit()
    sha = _store_raw(settings, patient_id, raw)
    imported = import_questionnaire_response(raw)
    measurement = imported.measurement()
    with uow:
        _check(uow, actor, patient_id, decide=True)
        add_entry(
            uow,
            patient_id,
            OutcomeEntry(measurement=measurement),
            source=IMPORT_SOURCE,
            source_id=_entry_key(patient_id, sha),
            at=at,
        )
        stored = uow.outcomes.by_source(IMPORT_SOURCE, _entry_key(patient_id, sha))
        assert stored is not None
        refresh_alerts(uow, patient_id, at, sessions=[])
        audit.record(
            uow,
            actor,
            "questionnaire_response.import",
            code="C",
            patient_id=patient_id,
            object_type="QuestionnaireResponse",
            object_id=stored.id,
            at=at,
        )
        uow.commit()
    return ImportedScore(entry_id=stored.id, sha256=sha, imported=imported)
