"""Alerts, recomputed on every write to a patient's record and listed first for the clinician.

Kinds: a red flag at check-in (emergency), a flare-up, peripheralization or new neurological
symptoms, a version awaiting approval, low adherence (share of the prescribed work done over the
last 3 program days and the last 2 weeks), pain above the clinic's limit, a clinically important
change reached (MCID), a recording that failed processing. One open alert per patient and key: a
recomputation does not repeat it; an alert whose cause is gone is resolved by the service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from spinecoach.clinical import screen_red_flags
from spinecoach.outcomes import summarize_timeline
from spinecoach.outcomes.adherence import NON_ADHERENCE_BELOW
from spinecoach.prescription import AdaptationSettings
from spinecoach.prescription.program import Program
from spinecoach.services import audit
from spinecoach.services.actors import Actor, Role
from spinecoach.services.clinic import policy
from spinecoach.services.clock import utcnow
from spinecoach.services.errors import NotFound
from spinecoach.services.patients import clinical_patient, require_clinician
from spinecoach.sessions import Session, flare_up
from spinecoach.store import documents
from spinecoach.store.records import AlertRecord, SessionRecord, Severity, VersionRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = [
    "ADHERENCE_WINDOWS_DAYS",
    "ALERT_KINDS",
    "AlertKind",
    "list_alerts",
    "raise_alert",
    "refresh_alerts",
    "resolve_alert",
]

AlertKind = Literal[
    "red_flag",
    "flare_up",
    "peripheralization",
    "awaiting_approval",
    "low_adherence",
    "pain_above_limit",
    "mcid_reached",
    "recording_failed",
]
ALERT_KINDS: tuple[AlertKind, ...] = (
    "red_flag",
    "flare_up",
    "peripheralization",
    "awaiting_approval",
    "low_adherence",
    "pain_above_limit",
    "mcid_reached",
    "recording_failed",
)
ADHERENCE_WINDOWS_DAYS = (3, 14)
"""Low adherence is checked over the last 3 program days and the last 2 weeks (clinic policy);
the threshold is the outcomes package's low-week share (NON_ADHERENCE_BELOW, 60 %)."""


def raise_alert(
    uow: UnitOfWork,
    patient_id: str,
    kind: AlertKind,
    severity: Severity,
    text: str,
    *,
    key: str,
    at: dt.datetime,
    object_type: str | None = None,
    object_id: str | None = None,
) -> AlertRecord:
    """The open alert for ``key``, added when it is not there yet (inside an open unit of work)."""
    existing = uow.alerts.by_key(patient_id, key)
    if existing is not None:
        if existing.resolved_at is not None and existing.resolved_by == "system":
            uow.alerts.reopen(existing.id)  # its cause came back after the service had cleared it
        return existing
    record = AlertRecord(
        id=new_id(),
        patient_id=patient_id,
        kind=kind,
        severity=severity,
        text=text,
        object_type=object_type,
        object_id=object_id,
        key=key,
        created_at=at,
        resolved_at=None,
        resolved_by=None,
    )
    uow.alerts.add(record)
    return record


def _settle(
    uow: UnitOfWork,
    patient_id: str,
    kind: AlertKind,
    wanted: dict[str, tuple[Severity, str, str | None, str | None]],
    at: dt.datetime,
    *,
    opened: Sequence[AlertRecord],
) -> None:
    """Make the open alerts of ``kind`` exactly ``wanted`` (``opened``: read at the start)."""
    for key, (severity, text, object_type, object_id) in wanted.items():
        raise_alert(
            uow,
            patient_id,
            kind,
            severity,
            text,
            key=key,
            at=at,
            object_type=object_type,
            object_id=object_id,
        )
    for alert in opened:
        if alert.kind != kind:
            continue
        if alert.key not in wanted:
            uow.alerts.resolve(alert.id, "system", at)


def refresh_alerts(
    uow: UnitOfWork,
    patient_id: str,
    at: dt.datetime,
    *,
    sessions: Sequence[SessionRecord] | None = None,
    measures: bool = True,
) -> None:
    """Recompute the patient's alerts from the record (inside an open unit of work).

    Alerts of one session (red flag, leg symptoms, pain above the limit) are events: raised for
    ``sessions`` (every session when None) and closed only by a clinician. The others follow
    their cause and close when it is gone. ``measures``: the outcome timeline changed (MCID).
    """
    opened = uow.alerts.find(patient_ids=[patient_id], limit=10_000)
    limit = policy(uow).pain_limit
    versions = uow.programs.versions(patient_id, documents=False)
    _settle(
        uow,
        patient_id,
        "awaiting_approval",
        {
            f"awaiting_approval:{v.id}": (
                "high" if v.escalate else "normal",
                f"program version {v.version} awaits approval"
                + (" (an alert asks for the clinician)" if v.escalate else ""),
                "ProgramVersion",
                v.id,
            )
            for v in versions
            if v.status == "proposed"
        },
        at,
        opened=opened,
    )
    scanned = uow.sessions.for_patient(patient_id) if sessions is None else sessions
    flags: dict[str, tuple[Severity, str, str | None, str | None]] = {}
    periph: dict[str, tuple[Severity, str, str | None, str | None]] = {}
    pain: dict[str, tuple[Severity, str, str | None, str | None]] = {}
    for record in scanned:
        s = documents.load(Session, record.document)
        if s.red_flags:
            screen = screen_red_flags(s.red_flags)
            top = screen.hits[0]
            severity: Severity = "emergency" if screen.urgency == "emergency" else "high"
            flags[f"red_flag:{record.id}"] = (
                severity,
                f"red flag at check-in after {s.date} ({', '.join(s.red_flags)}, {screen.urgency}): "
                f"{top.clinician_action}",
                "Session",
                record.id,
            )
        if s.peripheralization is not None or s.new_neuro_symptoms:
            what = (
                f"symptoms moved down the leg with {s.peripheralization}"
                if s.peripheralization
                else "new numbness, tingling or weakness in a leg"
            )
            periph[f"peripheralization:{record.id}"] = (
                "high",
                f"{what} ({s.date})",
                "Session",
                record.id,
            )
        if s.pain_after > limit:
            pain[f"pain_above_limit:{record.id}"] = (
                "normal",
                f"pain {s.pain_after}/10 during the session on {s.date}, above the clinic's limit {limit}",
                "Session",
                record.id,
            )
    events: list[tuple[AlertKind, dict[str, tuple[Severity, str, str | None, str | None]]]] = [
        ("red_flag", flags),
        ("peripheralization", periph),
        ("pain_above_limit", pain),
    ]
    for kind, found in events:
        for key, (severity, text, ot, oid) in found.items():
            raise_alert(
                uow, patient_id, kind, severity, text, key=key, at=at, object_type=ot, object_id=oid
            )
    current = uow.programs.current(patient_id)
    _flare(uow, patient_id, current, at, opened=opened)
    _adherence(uow, patient_id, current, at, opened=opened)
    if measures:
        _mcid(uow, patient_id, at)
    failed: dict[str, tuple[Severity, str, str | None, str | None]] = {
        f"recording_failed:{r.id}": (
            "normal",
            f"recording {r.filename} could not be processed: {r.failure_reason}",
            "Recording",
            r.id,
        )
        for r in uow.recordings.for_patient(patient_id)
        if r.status == "failed"
    }
    _settle(uow, patient_id, "recording_failed", failed, at, opened=opened)


def _flare(
    uow: UnitOfWork,
    patient_id: str,
    current: VersionRecord | None,
    at: dt.datetime,
    opened: Sequence[AlertRecord],
) -> None:
    wanted: dict[str, tuple[Severity, str, str | None, str | None]] = {}
    if current is not None:
        log = [documents.load(Session, s.document) for s in uow.sessions.for_version(current.id)]
        why = flare_up(log, AdaptationSettings())
        if why is not None:
            wanted[f"flare_up:{current.id}"] = (
                "high",
                f"flare-up: {why}",
                "ProgramVersion",
                current.id,
            )
    _settle(uow, patient_id, "flare_up", wanted, at, opened=opened)


def _adherence(
    uow: UnitOfWork,
    patient_id: str,
    current: VersionRecord | None,
    at: dt.datetime,
    opened: Sequence[AlertRecord],
) -> None:
    wanted: dict[str, tuple[Severity, str, str | None, str | None]] = {}
    if current is not None and current.approved_at is not None:
        program = documents.load(Program, current.document)
        if program.status == "active":
            today = at.date()
            start = current.approved_at.date()
            per_exercise = max(len(program.exercises), 1)
            sessions = uow.sessions.for_patient(
                patient_id, since=min(start, today - dt.timedelta(days=14))
            )
            for window in ADHERENCE_WINDOWS_DAYS:
                if (today - start).days < window:
                    continue
                first = today - dt.timedelta(days=window - 1)
                done = 0.0
                for record in sessions:
                    if first <= record.session_date <= today and record.session_date >= start:
                        s = documents.load(Session, record.document)
                        completed = sum(1 for e in s.exercises if e.completed)
                        done += completed / per_exercise if program.exercises else 1.0
                prescribed = program.sessions_per_week * window / 7
                share = done / prescribed
                if share < NON_ADHERENCE_BELOW:
                    wanted[f"low_adherence:{current.id}:{window}d"] = (
                        "normal",
                        f"low adherence: {share:.0%} of the prescribed work done over the last "
                        f"{window} days (below {NON_ADHERENCE_BELOW:.0%}, clinic policy)",
                        "ProgramVersion",
                        current.id,
                    )
    _settle(uow, patient_id, "low_adherence", wanted, at, opened=opened)


def _mcid(uow: UnitOfWork, patient_id: str, at: dt.datetime) -> None:
    from spinecoach.services.outcomes import patient_timeline

    timeline = patient_timeline(uow, patient_id, adherence=False)
    if timeline is None or len(timeline.measurements) < 2:
        return
    summary = summarize_timeline(timeline)
    for change in summary.changes:
        if change.classification == "improved":
            raise_alert(
                uow,
                patient_id,
                "mcid_reached",
                "normal",
                f"clinically important improvement in {change.measure}: {change.baseline:g} -> "
                f"{change.latest:g} ({change.threshold})",
                key=f"mcid_reached:{change.measure}",
                at=at,
                object_type="Observation",
            )


def list_alerts(
    uow: UnitOfWork,
    actor: Actor,
    *,
    patient_id: str | None = None,
    open_only: bool = True,
    kind: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[AlertRecord]:
    """Alerts the actor may see, most severe and newest first: a clinician's patients, a
    patient's own; for one patient when ``patient_id`` is given."""
    with uow:
        if patient_id is not None:
            clinical_patient(uow, actor, patient_id)
            found = uow.alerts.find(
                patient_ids=[patient_id], open_only=open_only, kind=kind, offset=offset, limit=limit
            )
        elif actor.has(Role.CLINICIAN):
            found = uow.alerts.find(
                clinician_id=actor.user_id,
                open_only=open_only,
                kind=kind,
                offset=offset,
                limit=limit,
            )
        elif actor.has(Role.PATIENT) and actor.patient_id is not None:
            found = uow.alerts.find(
                patient_ids=[actor.patient_id],
                open_only=open_only,
                kind=kind,
                offset=offset,
                limit=limit,
            )
        else:
            found = []
        audit.record(uow, actor, "alert.list", patient_id=patient_id, object_type="Flag")
        uow.commit()
    return found


def resolve_alert(
    uow: UnitOfWork, actor: Actor, alert_id: str, *, now: dt.datetime | None = None
) -> AlertRecord:
    """Mark an alert dealt with (the patient's clinician)."""
    at = utcnow(now)
    with uow:
        alert = uow.alerts.get(alert_id)
        if alert is None:
            raise NotFound("alert", alert_id)
        try:
            require_clinician(uow, actor, alert.patient_id)
        except NotFound:
            raise NotFound("alert", alert_id) from None
        uow.alerts.resolve(alert_id, actor.user_id, at)
        audit.record(
            uow,
            actor,
            "alert.resolve",
            patient_id=alert.patient_id,
            object_type="Flag",
            object_id=alert_id,
            at=at,
        )
        resolved = uow.alerts.get(alert_id)
        uow.commit()
    assert resolved is not None
    return resolved
