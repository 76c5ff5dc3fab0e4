"""Outcomes: the patient's timeline (PROMs at intake and follow-up, sensor measures of all-day
recordings) and its summary against MCIDs, with adherence from the logged sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.clinical import Assessment, Intake
from spinecoach.documents import parse_document
from spinecoach.outcomes import Measurement, OutcomeSummary, Timeline, summarize_timeline
from spinecoach.outcomes.adherence import weekly_adherence
from spinecoach.outcomes.timeline import EnduranceTimes
from spinecoach.prescription.program import Program
from spinecoach.services import audit
from spinecoach.services.actors import Actor
from spinecoach.services.clock import utcnow
from spinecoach.services.errors import Conflict
from spinecoach.services.patients import clinical_patient, require_clinician
from spinecoach.store import documents
from spinecoach.store.records import OutcomeEntryRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = [
    "OutcomeEntry",
    "PatientOutcomes",
    "baseline_measurement",
    "compute_outcomes",
    "patient_timeline",
    "record_measurement",
]


class OutcomeEntry(BaseModel):
    """One dated entry of the timeline: outcome measures, and posture when sensors measured it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    measurement: Measurement
    posture_time_in_zones_s: dict[str, float] | None = Field(
        default=None, description="seconds in each lumbar flexion zone over an all-day recording"
    )
    rom_deg: dict[str, float] | None = Field(default=None, description="sensor-measured ROM")


class PatientOutcomes(BaseModel):
    """The timeline as stored and its summary (None until there is a baseline)."""

    model_config = ConfigDict(frozen=True)

    patient_id: str
    entries: list[dict[str, Any]]
    timeline: Timeline | None
    summary: OutcomeSummary | None


def baseline_measurement(intake: Intake, assessment: Assessment, on: dt.date) -> Measurement:
    """The intake's scores as the timeline's first measurement."""
    s = assessment.scores
    e = intake.endurance
    return Measurement(
        date=on,
        odi=s.odi.percent if s.odi else None,
        rmdq=s.rmdq.score if s.rmdq else None,
        nprs=s.nprs,
        psfs=s.psfs.mean if s.psfs else None,
        fabq_pa=s.fabq.physical_activity if s.fabq else None,
        fabq_w=s.fabq.work if s.fabq else None,
        endurance=EnduranceTimes.model_validate(
            {k: getattr(e, k, None) for k in EnduranceTimes.model_fields}
        ),
    )


def add_entry(
    uow: UnitOfWork,
    patient_id: str,
    entry: OutcomeEntry,
    *,
    source: str,
    source_id: str | None,
    at: dt.datetime,
) -> None:
    """Add (or, for the same source, replace) a timeline entry, inside an open unit of work."""
    existing = uow.outcomes.by_source(source, source_id) if source_id else None
    if existing is not None:
        uow.outcomes.replace_document(existing.id, documents.dump(entry))
        return
    uow.outcomes.add(
        OutcomeEntryRecord(
            id=new_id(),
            patient_id=patient_id,
            measured_on=entry.measurement.date,
            source=source,
            source_id=source_id,
            document=documents.dump(entry),
            created_at=at,
        )
    )


def patient_timeline(
    uow: UnitOfWork, patient_id: str, *, adherence: bool = True
) -> Timeline | None:
    """The outcome timeline (inside an open unit of work): entries of one date merged, adherence
    per week of the approved programs; None before the first measurement."""
    by_date: dict[dt.date, dict[str, Any]] = {}
    for record in uow.outcomes.for_patient(patient_id):
        m = documents.load(OutcomeEntry, record.document).measurement
        merged = by_date.setdefault(m.date, {"date": m.date.isoformat()})
        for key, value in m.model_dump(mode="json", exclude_none=True).items():
            if isinstance(value, dict):
                merged[key] = {**merged.get(key, {}), **value}
            else:
                merged[key] = value
    if not by_date:
        return None
    measurements = [Measurement.model_validate(by_date[d]) for d in sorted(by_date)]
    return Timeline(
        patient_id=patient_id,
        measurements=measurements,
        adherence=_adherence(uow, patient_id, measurements[0].date, measurements[-1].date)
        if adherence
        else [],
    )


def _adherence(uow: UnitOfWork, patient_id: str, start: dt.date, end: dt.date) -> list[Any]:
    sessions = uow.sessions.for_patient(patient_id)
    approved = [
        v for v in uow.programs.versions(patient_id, documents=False) if v.approved_at is not None
    ]
    if not approved:
        return []
    last = max([end, *(s.session_date for s in sessions)])
    weeks = (last - start).days // 7 + 1
    prescribed: list[int] = []
    for i in range(weeks):
        day = start + dt.timedelta(days=7 * i)
        in_force = [
            v for v in approved if v.approved_at is not None and v.approved_at.date() <= day
        ] or approved[:1]
        chosen = uow.programs.get(in_force[-1].id)
        assert chosen is not None
        program = documents.load(Program, chosen.document)
        prescribed.append(program.sessions_per_week if program.status == "active" else 0)
    return weekly_adherence([s.session_date for s in sessions], start, prescribed)


def compute_outcomes(uow: UnitOfWork, actor: Actor, patient_id: str) -> PatientOutcomes:
    """The patient's outcomes: timeline entries and the summary against MCIDs."""
    with uow:
        clinical_patient(uow, actor, patient_id)
        timeline = patient_timeline(uow, patient_id)
        entries = [
            r.document | {"id": r.id, "source": r.source}
            for r in uow.outcomes.for_patient(patient_id)
        ]
        audit.record(uow, actor, "outcome.read", patient_id=patient_id, object_type="Observation")
        uow.commit()
    summary = summarize_timeline(timeline) if timeline is not None else None
    return PatientOutcomes(
        patient_id=patient_id, entries=entries, timeline=timeline, summary=summary
    )


def record_measurement(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    measurement: Measurement | dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> OutcomeEntryRecord:
    """A follow-up measurement (PROMs, endurance, ROM) entered by the patient's clinician."""
    m = (
        measurement
        if isinstance(measurement, Measurement)
        else parse_document(measurement, Measurement, "measurement")
    )
    at = utcnow(now)
    from spinecoach.services.alerts import refresh_alerts

    with uow:
        require_clinician(uow, actor, patient_id)
        if not uow.outcomes.for_patient(patient_id):
            raise Conflict(f"patient {patient_id!r} has no baseline yet: submit an intake first")
        entry_id = new_id()
        add_entry(
            uow,
            patient_id,
            OutcomeEntry(measurement=m),
            source="measurement",
            source_id=entry_id,
            at=at,
        )
        refresh_alerts(uow, patient_id, at, sessions=[])
        audit.record(
            uow,
            actor,
            "outcome.create",
            patient_id=patient_id,
            object_type="Observation",
            object_id=entry_id,
            at=at,
        )
        stored = uow.outcomes.by_source("measurement", entry_id)
        uow.commit()
    assert stored is not None
    return stored
