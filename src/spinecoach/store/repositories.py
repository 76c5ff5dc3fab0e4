"""Repositories: the only code that reads and writes the record's tables.

Each takes the unit of work's connection; none commits (the unit of work does). Queries that
list patient data take the clinician's id where it applies, so a clinician's view can only
return their own patients.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from spinecoach.store import tables as t
from spinecoach.store.records import (
    AlertRecord,
    AssessmentRecord,
    AuditRecord,
    CheckinRecord,
    DeviceRecord,
    IntakeRecord,
    JobRecord,
    NoteRecord,
    OutcomeEntryRecord,
    PatientRecord,
    RecordingRecord,
    SessionRecord,
    VersionRecord,
)

__all__ = [
    "AlertRepository",
    "AuditRepository",
    "DeviceRepository",
    "IntakeRepository",
    "NoteRepository",
    "OutcomeRepository",
    "PatientRepository",
    "ProgramRepository",
    "RecordingRepository",
    "SessionRepository",
    "SettingsRepository",
    "new_id",
]

R = TypeVar("R")


def new_id() -> str:
    """A new row id: uuid4 as 32 hex digits."""
    return uuid.uuid4().hex


def _record(cls: type[R], row: sa.Row[Any]) -> R:
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in row._mapping.items() if k in names})


def _values(record: Any) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


class _Repository:
    def __init__(self, connection: sa.Connection) -> None:
        self.c = connection


class PatientRepository(_Repository):
    """Patients and their clinicians."""

    def add(self, record: PatientRecord) -> None:
        values = _values(record)
        values.pop("clinician_ids")
        self.c.execute(t.patients.insert().values(**values))

    def get(self, patient_id: str) -> PatientRecord | None:
        row = self.c.execute(sa.select(t.patients).where(t.patients.c.id == patient_id)).first()
        if row is None:
            return None
        return dataclasses.replace(
            _record(PatientRecord, row), clinician_ids=tuple(self.clinicians(patient_id))
        )

    def clinicians(self, patient_id: str) -> list[str]:
        pc = t.patient_clinicians
        rows = self.c.execute(
            sa.select(pc.c.clinician_id)
            .where(pc.c.patient_id == patient_id)
            .order_by(pc.c.clinician_id)
        )
        return [r[0] for r in rows]

    def is_assigned(self, patient_id: str, clinician_id: str) -> bool:
        pc = t.patient_clinicians
        row = self.c.execute(
            sa.select(pc.c.patient_id).where(
                pc.c.patient_id == patient_id, pc.c.clinician_id == clinician_id
            )
        ).first()
        return row is not None

    def assign(self, patient_id: str, clinician_id: str, by: str, at: dt.datetime) -> bool:
        """Assign a clinician; False when already assigned."""
        if self.is_assigned(patient_id, clinician_id):
            return False
        self.c.execute(
            t.patient_clinicians.insert().values(
                patient_id=patient_id, clinician_id=clinician_id, assigned_by=by, assigned_at=at
            )
        )
        return True

    def unassign(self, patient_id: str, clinician_id: str) -> bool:
        pc = t.patient_clinicians
        result = self.c.execute(
            pc.delete().where(pc.c.patient_id == patient_id, pc.c.clinician_id == clinician_id)
        )
        return bool(result.rowcount)

    def set_status(self, patient_id: str, status: str) -> None:
        self.c.execute(
            t.patients.update().where(t.patients.c.id == patient_id).values(status=status)
        )

    def find(
        self,
        *,
        clinician_id: str | None = None,
        patient_ids: Sequence[str] | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[PatientRecord]:
        """Patients, optionally only those of one clinician or among given ids, by name."""
        query = sa.select(t.patients)
        if clinician_id is not None:
            pc = t.patient_clinicians
            query = query.join(pc, pc.c.patient_id == t.patients.c.id).where(
                pc.c.clinician_id == clinician_id
            )
        if patient_ids is not None:
            query = query.where(t.patients.c.id.in_(list(patient_ids)))
        query = query.order_by(t.patients.c.display_name, t.patients.c.id)
        rows = self.c.execute(query.offset(offset).limit(limit)).all()
        return [_record(PatientRecord, r) for r in rows]

    def ids(self) -> list[str]:
        return [r[0] for r in self.c.execute(sa.select(t.patients.c.id).order_by(t.patients.c.id))]

    def worklist(
        self,
        clinician_id: str,
        *,
        name: str = "",
        kind: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[PatientRecord], int]:
        """One page of a clinician's patients, those with open alerts first (the most severe,
        then the most alerts), then by name; ``name``: a part of the name (any case); ``kind``:
        only patients with an open alert of that kind. Also how many patients match."""
        p, pc, a = t.patients, t.patient_clinicians, t.alerts
        severity = sa.case({"emergency": 0, "high": 1, "normal": 2}, value=a.c.severity, else_=3)
        ranked = (
            sa.select(
                a.c.patient_id,
                sa.func.min(severity).label("worst"),
                sa.func.count().label("n"),
            )
            .where(a.c.resolved_at.is_(None))
            .group_by(a.c.patient_id)
            .subquery()
        )
        mine = (
            sa.select(p.c.id)
            .join(pc, pc.c.patient_id == p.c.id)
            .where(pc.c.clinician_id == clinician_id)
        )
        if name:
            mine = mine.where(
                sa.func.lower(p.c.display_name).contains(name.lower(), autoescape=True)
            )
        if kind is not None:
            mine = mine.where(
                sa.exists().where(
                    a.c.patient_id == p.c.id, a.c.kind == kind, a.c.resolved_at.is_(None)
                )
            )
        matching = self.c.execute(
            sa.select(sa.func.count()).select_from(mine.subquery())
        ).scalar_one()
        ids = mine.subquery()
        query = (
            sa.select(p)
            .join(ids, ids.c.id == p.c.id)
            .outerjoin(ranked, ranked.c.patient_id == p.c.id)
            .order_by(
                sa.func.coalesce(ranked.c.worst, 4),
                sa.func.coalesce(ranked.c.n, 0).desc(),
                p.c.display_name,
                p.c.id,
            )
            .offset(offset)
            .limit(limit)
        )
        rows = self.c.execute(query).all()
        return [_record(PatientRecord, r) for r in rows], int(matching)

    def worklist_counts(self, clinician_id: str) -> tuple[int, int, dict[str, int]]:
        """A clinician's patients, those with open alerts, and open alerts by kind."""
        pc, a = t.patient_clinicians, t.alerts
        total = self.c.execute(
            sa.select(sa.func.count()).select_from(pc).where(pc.c.clinician_id == clinician_id)
        ).scalar_one()
        open_mine = (
            sa.select(a.c.patient_id, a.c.kind)
            .join(pc, pc.c.patient_id == a.c.patient_id)
            .where(pc.c.clinician_id == clinician_id, a.c.resolved_at.is_(None))
            .subquery()
        )
        with_alerts = self.c.execute(
            sa.select(sa.func.count(sa.distinct(open_mine.c.patient_id)))
        ).scalar_one()
        by_kind = {
            str(k): int(n)
            for k, n in self.c.execute(
                sa.select(open_mine.c.kind, sa.func.count()).group_by(open_mine.c.kind)
            )
        }
        return int(total), int(with_alerts), by_kind


class IntakeRepository(_Repository):
    """Intakes and the assessments made from them."""

    def add_intake(self, record: IntakeRecord) -> None:
        self.c.execute(t.intakes.insert().values(**_values(record)))

    def add_assessment(self, record: AssessmentRecord) -> None:
        self.c.execute(t.assessments.insert().values(**_values(record)))

    def get_intake(self, intake_id: str) -> IntakeRecord | None:
        row = self.c.execute(sa.select(t.intakes).where(t.intakes.c.id == intake_id)).first()
        return None if row is None else _record(IntakeRecord, row)

    def get_assessment(self, assessment_id: str) -> AssessmentRecord | None:
        row = self.c.execute(
            sa.select(t.assessments).where(t.assessments.c.id == assessment_id)
        ).first()
        return None if row is None else _record(AssessmentRecord, row)

    def intakes(self, patient_id: str) -> list[IntakeRecord]:
        rows = self.c.execute(
            sa.select(t.intakes)
            .where(t.intakes.c.patient_id == patient_id)
            .order_by(t.intakes.c.submitted_at, t.intakes.c.id)
        )
        return [_record(IntakeRecord, r) for r in rows]

    def assessments(self, patient_id: str) -> list[AssessmentRecord]:
        rows = self.c.execute(
            sa.select(t.assessments)
            .where(t.assessments.c.patient_id == patient_id)
            .order_by(t.assessments.c.created_at, t.assessments.c.id)
        )
        return [_record(AssessmentRecord, r) for r in rows]

    def latest_assessment(self, patient_id: str) -> AssessmentRecord | None:
        found = self.assessments(patient_id)
        return found[-1] if found else None


class ProgramRepository(_Repository):
    """Program versions: inserted once, then only their decision columns change."""

    def add(self, record: VersionRecord) -> None:
        self.c.execute(t.program_versions.insert().values(**_values(record)))

    def get(self, version_id: str) -> VersionRecord | None:
        row = self.c.execute(
            sa.select(t.program_versions).where(t.program_versions.c.id == version_id)
        ).first()
        return None if row is None else _record(VersionRecord, row)

    def versions(
        self, patient_id: str, status: str | None = None, *, documents: bool = True
    ) -> list[VersionRecord]:
        """The patient's versions, oldest first; without their documents when not needed."""
        pv = t.program_versions
        heavy = {"document", "changes", "alerts"}
        query = sa.select(pv) if documents else sa.select(*[c for c in pv.c if c.name not in heavy])
        query = query.where(pv.c.patient_id == patient_id)
        if status is not None:
            query = query.where(pv.c.status == status)
        rows = self.c.execute(query.order_by(pv.c.version)).all()
        if documents:
            return [_record(VersionRecord, r) for r in rows]
        return [VersionRecord(**dict(r._mapping), document={}, changes=[], alerts=[]) for r in rows]

    def next_version(self, patient_id: str) -> int:
        pv = t.program_versions
        top = self.c.execute(
            sa.select(sa.func.max(pv.c.version)).where(pv.c.patient_id == patient_id)
        ).scalar()
        return int(top or 0) + 1

    def current(self, patient_id: str) -> VersionRecord | None:
        """The approved version in use (the highest approved version number)."""
        approved = self.versions(patient_id, "approved")
        return approved[-1] if approved else None

    def decide(
        self,
        version_id: str,
        *,
        expected: str,
        status: str,
        by: str,
        at: dt.datetime,
        note: str | None = None,
    ) -> bool:
        """Move a version from ``expected`` to ``status``; False when it was not ``expected``."""
        pv = t.program_versions
        values: dict[str, Any] = {
            "status": status,
            "decided_by": by,
            "decided_at": at,
            "decision_note": note,
        }
        if status == "approved":
            values |= {"approved_by": by, "approved_at": at}
        result = self.c.execute(
            pv.update().where(pv.c.id == version_id, pv.c.status == expected).values(**values)
        )
        return bool(result.rowcount == 1)

    def awaiting(self, patient_ids: Iterable[str] | None = None) -> list[VersionRecord]:
        pv = t.program_versions
        query = sa.select(pv).where(pv.c.status == "proposed")
        if patient_ids is not None:
            query = query.where(pv.c.patient_id.in_(list(patient_ids)))
        return [_record(VersionRecord, r) for r in self.c.execute(query.order_by(pv.c.proposed_at))]


class SessionRepository(_Repository):
    """Logged sessions and next-morning check-ins."""

    def add(self, record: SessionRecord) -> None:
        self.c.execute(t.sessions.insert().values(**_values(record)))

    def get(self, session_id: str) -> SessionRecord | None:
        row = self.c.execute(sa.select(t.sessions).where(t.sessions.c.id == session_id)).first()
        return None if row is None else _record(SessionRecord, row)

    def replace_document(self, session_id: str, document: dict[str, Any]) -> None:
        self.c.execute(
            t.sessions.update().where(t.sessions.c.id == session_id).values(document=document)
        )

    def for_version(self, version_id: str) -> list[SessionRecord]:
        s = t.sessions
        rows = self.c.execute(
            sa.select(s)
            .where(s.c.program_version_id == version_id)
            .order_by(s.c.session_date, s.c.position, s.c.id)
        )
        return [_record(SessionRecord, r) for r in rows]

    def for_patient(
        self, patient_id: str, since: dt.date | None = None, until: dt.date | None = None
    ) -> list[SessionRecord]:
        s = t.sessions
        query = sa.select(s).where(s.c.patient_id == patient_id)
        if since is not None:
            query = query.where(s.c.session_date >= since)
        if until is not None:
            query = query.where(s.c.session_date <= until)
        rows = self.c.execute(query.order_by(s.c.session_date, s.c.position, s.c.id))
        return [_record(SessionRecord, r) for r in rows]

    def add_checkin(self, record: CheckinRecord) -> None:
        self.c.execute(t.checkins.insert().values(**_values(record)))

    def checkin_for(self, session_id: str) -> CheckinRecord | None:
        row = self.c.execute(
            sa.select(t.checkins).where(t.checkins.c.session_id == session_id)
        ).first()
        return None if row is None else _record(CheckinRecord, row)

    def checkins(self, patient_id: str) -> list[CheckinRecord]:
        rows = self.c.execute(
            sa.select(t.checkins)
            .where(t.checkins.c.patient_id == patient_id)
            .order_by(t.checkins.c.answered_at)
        )
        return [_record(CheckinRecord, r) for r in rows]


class RecordingRepository(_Repository):
    """Recordings (the raw file's address and state) and their processing jobs."""

    def add(self, record: RecordingRecord) -> None:
        self.c.execute(t.recordings.insert().values(**_values(record)))

    def get(self, recording_id: str) -> RecordingRecord | None:
        row = self.c.execute(
            sa.select(t.recordings).where(t.recordings.c.id == recording_id)
        ).first()
        return None if row is None else _record(RecordingRecord, row)

    def for_patient(self, patient_id: str) -> list[RecordingRecord]:
        r = t.recordings
        rows = self.c.execute(
            sa.select(r).where(r.c.patient_id == patient_id).order_by(r.c.uploaded_at, r.c.id)
        )
        return [_record(RecordingRecord, x) for x in rows]

    def with_status(self, *statuses: str) -> list[RecordingRecord]:
        r = t.recordings
        rows = self.c.execute(
            sa.select(r).where(r.c.status.in_(statuses)).order_by(r.c.uploaded_at, r.c.id)
        )
        return [_record(RecordingRecord, x) for x in rows]

    def update(self, recording_id: str, **values: Any) -> None:
        self.c.execute(
            t.recordings.update().where(t.recordings.c.id == recording_id).values(**values)
        )

    def add_job(self, record: JobRecord) -> None:
        self.c.execute(t.recording_jobs.insert().values(**_values(record)))

    def finish_job(
        self, job_id: str, status: str, at: dt.datetime, error: str | None = None
    ) -> None:
        j = t.recording_jobs
        self.c.execute(
            j.update().where(j.c.id == job_id).values(status=status, finished_at=at, error=error)
        )

    def running_jobs(self) -> list[JobRecord]:
        j = t.recording_jobs
        rows = self.c.execute(sa.select(j).where(j.c.status == "running").order_by(j.c.started_at))
        return [_record(JobRecord, x) for x in rows]

    def jobs(self, recording_id: str) -> list[JobRecord]:
        j = t.recording_jobs
        rows = self.c.execute(
            sa.select(j).where(j.c.recording_id == recording_id).order_by(j.c.attempt)
        )
        return [_record(JobRecord, x) for x in rows]


class OutcomeRepository(_Repository):
    """Entries of the outcome timeline (PROMs at intake, sensor measures of all-day recordings)."""

    def add(self, record: OutcomeEntryRecord) -> None:
        self.c.execute(t.outcome_entries.insert().values(**_values(record)))

    def by_source(self, source: str, source_id: str) -> OutcomeEntryRecord | None:
        o = t.outcome_entries
        row = self.c.execute(
            sa.select(o).where(o.c.source == source, o.c.source_id == source_id)
        ).first()
        return None if row is None else _record(OutcomeEntryRecord, row)

    def replace_document(self, entry_id: str, document: dict[str, Any]) -> None:
        o = t.outcome_entries
        self.c.execute(o.update().where(o.c.id == entry_id).values(document=document))

    def for_patient(self, patient_id: str) -> list[OutcomeEntryRecord]:
        o = t.outcome_entries
        rows = self.c.execute(
            sa.select(o)
            .where(o.c.patient_id == patient_id)
            .order_by(o.c.measured_on, o.c.created_at, o.c.id)
        )
        return [_record(OutcomeEntryRecord, x) for x in rows]


class NoteRepository(_Repository):
    """A clinician's notes on a patient, newest first."""

    def add(self, record: NoteRecord) -> None:
        self.c.execute(t.notes.insert().values(**_values(record)))

    def for_patient(self, patient_id: str, *, offset: int = 0, limit: int = 50) -> list[NoteRecord]:
        n = t.notes
        rows = self.c.execute(
            sa.select(n)
            .where(n.c.patient_id == patient_id)
            .order_by(n.c.written_at.desc(), n.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [_record(NoteRecord, row) for row in rows]

    def count(self, patient_id: str) -> int:
        n = t.notes
        found = self.c.execute(
            sa.select(sa.func.count()).select_from(n).where(n.c.patient_id == patient_id)
        ).scalar_one()
        return int(found)


class AlertRepository(_Repository):
    """Alerts: one open row per patient and key (recomputing an alert does not repeat it)."""

    def get(self, alert_id: str) -> AlertRecord | None:
        row = self.c.execute(sa.select(t.alerts).where(t.alerts.c.id == alert_id)).first()
        return None if row is None else _record(AlertRecord, row)

    def by_key(self, patient_id: str, key: str) -> AlertRecord | None:
        a = t.alerts
        row = self.c.execute(
            sa.select(a).where(a.c.patient_id == patient_id, a.c.key == key)
        ).first()
        return None if row is None else _record(AlertRecord, row)

    def add(self, record: AlertRecord) -> None:
        self.c.execute(t.alerts.insert().values(**_values(record)))

    def resolve(self, alert_id: str, by: str, at: dt.datetime) -> None:
        a = t.alerts
        self.c.execute(
            a.update()
            .where(a.c.id == alert_id, a.c.resolved_at.is_(None))
            .values(resolved_at=at, resolved_by=by)
        )

    def reopen(self, alert_id: str) -> None:
        a = t.alerts
        self.c.execute(
            a.update().where(a.c.id == alert_id).values(resolved_at=None, resolved_by=None)
        )

    def find(
        self,
        *,
        patient_ids: Sequence[str] | None = None,
        clinician_id: str | None = None,
        open_only: bool = True,
        kind: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[AlertRecord]:
        """Alerts, most severe and newest first; by patient ids or by clinician's patients."""
        a = t.alerts
        query = sa.select(a)
        if clinician_id is not None:
            pc = t.patient_clinicians
            query = query.join(pc, pc.c.patient_id == a.c.patient_id).where(
                pc.c.clinician_id == clinician_id
            )
        if patient_ids is not None:
            query = query.where(a.c.patient_id.in_(list(patient_ids)))
        if open_only:
            query = query.where(a.c.resolved_at.is_(None))
        if kind is not None:
            query = query.where(a.c.kind == kind)
        severity = sa.case({"emergency": 0, "high": 1, "normal": 2}, value=a.c.severity, else_=3)
        query = query.order_by(severity, a.c.created_at.desc(), a.c.id)
        rows = self.c.execute(query.offset(offset).limit(limit))
        return [_record(AlertRecord, x) for x in rows]


class SettingsRepository(_Repository):
    """Clinic settings changed at run time (e.g. the approval mode), key -> JSON value."""

    def get(self, key: str) -> Any:
        row = self.c.execute(
            sa.select(t.clinic_settings.c.value).where(t.clinic_settings.c.key == key)
        ).first()
        return None if row is None else row[0]

    def put(self, key: str, value: Any, by: str, at: dt.datetime) -> None:
        cs = t.clinic_settings
        updated = self.c.execute(
            cs.update().where(cs.c.key == key).values(value=value, updated_by=by, updated_at=at)
        )
        if not updated.rowcount:
            self.c.execute(cs.insert().values(key=key, value=value, updated_by=by, updated_at=at))


class AuditRepository(_Repository):
    """The append-only audit trail: rows are inserted and read, never updated or deleted."""

    def add(self, record: AuditRecord) -> None:
        self.c.execute(t.audit_events.insert().values(**_values(record)))

    def find(
        self,
        *,
        user_id: str | None = None,
        patient_id: str | None = None,
        action: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[AuditRecord]:
        a = t.audit_events
        query = sa.select(a)
        if user_id is not None:
            query = query.where(a.c.user_id == user_id)
        if patient_id is not None:
            query = query.where(a.c.patient_id == patient_id)
        if action is not None:
            query = query.where(a.c.action == action)
        if since is not None:
            query = query.where(a.c.recorded_at >= since)
        if until is not None:
            query = query.where(a.c.recorded_at <= until)
        query = query.order_by(a.c.recorded_at.desc(), a.c.id).offset(offset).limit(limit)
        return [_record(AuditRecord, x) for x in self.c.execute(query)]


class DeviceRepository(_Repository):
    """Paired sensor gateways; looked up by token digest when a gateway connects."""

    def add(self, record: DeviceRecord) -> None:
        self.c.execute(t.paired_devices.insert().values(**_values(record)))

    def get(self, device_id: str) -> DeviceRecord | None:
        d = t.paired_devices
        row = self.c.execute(sa.select(d).where(d.c.id == device_id)).first()
        return None if row is None else _record(DeviceRecord, row)

    def by_token_hash(self, token_hash: str) -> DeviceRecord | None:
        """The active device holding this token digest (None when unknown or revoked)."""
        d = t.paired_devices
        row = self.c.execute(
            sa.select(d).where(d.c.token_hash == token_hash, d.c.revoked_at.is_(None))
        ).first()
        return None if row is None else _record(DeviceRecord, row)

    def for_patient(self, patient_id: str) -> list[DeviceRecord]:
        d = t.paired_devices
        rows = self.c.execute(
            sa.select(d).where(d.c.patient_id == patient_id).order_by(d.c.created_at, d.c.id)
        )
        return [_record(DeviceRecord, x) for x in rows]

    def revoke(self, device_id: str, at: dt.datetime, by: str) -> None:
        d = t.paired_devices
        self.c.execute(
            d.update()
            .where(d.c.id == device_id, d.c.revoked_at.is_(None))
            .values(revoked_at=at, revoked_by=by)
        )
