"""Sensor recordings: the raw upload is stored first, then processed off the request path.

The upload is written to ``data_dir/recordings/<first two hex>/<sha256><suffix>`` (content-
addressed, checksum verified, size-limited) before anything reads it, and the record row names
it. Processing (through :func:`spinecoach.batch.executor.make_executor`) runs the same analysis
as ``spinecoach sensors analyze``; it is idempotent and can be re-run; a failure keeps the upload
and records the reason. An exercise recording fills that exercise's ``rep_count``, ``quality``
and ``rom_deg`` in the session log; an all-day recording adds posture time-in-zones, ROM and
sway to the outcome timeline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import socket
from collections.abc import Iterable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel, ConfigDict

from spinecoach.errors import InputError, SpinecoachError
from spinecoach.outcomes import Measurement
from spinecoach.outcomes.timeline import RangeOfMotion
from spinecoach.services import audit, raw_files
from spinecoach.services.actors import SYSTEM, Actor, Role
from spinecoach.services.alerts import refresh_alerts
from spinecoach.services.clock import utcnow
from spinecoach.services.errors import Conflict, Forbidden, NotFound
from spinecoach.services.outcomes import OutcomeEntry, add_entry
from spinecoach.services.patients import clinical_patient
from spinecoach.sessions import SensorMetrics, Session
from spinecoach.settings import ServiceSettings
from spinecoach.store import documents
from spinecoach.store.records import JobRecord, RecordingRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = [
    "STILLNESS_SCALE_DEG",
    "RecordingDetail",
    "RecordingMetrics",
    "analyze_with_detail",
    "apply_metrics",
    "get_recording",
    "hold_quality",
    "list_recordings",
    "process_in_worker",
    "process_recording",
    "recover_interrupted_jobs",
    "reprocess",
    "store_raw",
    "stored_path",
    "submit_processing",
    "trace_points",
    "upload_recording",
]

RecordingKind = Literal["exercise", "day"]
FileFormat = Literal["canonical", "xsens-dot"]
STILLNESS_SCALE_DEG = 5.0
"""Hold quality = 1 - (mean lumbar stillness RMS / 5 deg), clipped to 0-1: a spine held within
0.3 deg scores 0.94, a 2 deg wobble 0.6 (below adaptation's default 0.7 needed to progress).
Clinic policy, not literature: the scale is unverified."""
SUFFIXES = {"canonical": (".csv", ".parquet"), "xsens-dot": (".csv",)}


class RecordingMetrics(BaseModel):
    """What processing found, kept with the recording (deg, s)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    duration_s: float
    sample_rate_hz: float
    rep_count: int
    hold_count: int
    stillness_rms_deg: float | None
    quality: float | None
    rom_deg: dict[str, float]
    time_in_zones_s: dict[str, float]
    sway_rms_ap_deg: float | None
    sway_ellipse95_deg2: float | None
    warnings: list[str]

    def sensor_metrics(self) -> SensorMetrics:
        """The measures an exercise in the session log takes from the recording."""
        return SensorMetrics(
            rep_count=self.rep_count or self.hold_count,
            quality=self.quality,
            rom_deg=round(min(max(self.rom_deg.values(), default=0.0), 180.0), 1),
        )


def stored_path(settings: ServiceSettings, record: RecordingRecord) -> Path:
    """Where a recording's raw file lives."""
    return _address(settings, record.sha256, Path(record.filename).suffix.lower())


def _address(settings: ServiceSettings, sha256: str, suffix: str) -> Path:
    return settings.recordings_dir / sha256[:2] / f"{sha256}{suffix}"


def store_raw(
    settings: ServiceSettings, source: BinaryIO | bytes, suffix: str, expected: str | None
) -> tuple[str, int]:
    """Write the upload (size-limited, fsynced) at its SHA-256 address; (hash, size)."""
    with raw_files.spooled(
        raw_files.chunks_of(source),
        settings.recordings_dir / "incoming",
        limit=settings.upload_limit_bytes,
        too_large=lambda limit: InputError(
            f"file: the recording is larger than the limit of {limit} bytes"
        ),
    ) as file:
        if file.size == 0:
            raise InputError("file: the recording is empty")
        if expected is not None and expected.lower() != file.sha256:
            raise InputError(
                f"sha256: the upload's checksum is {file.sha256}, not {expected}; the file was "
                "damaged on the way, send it again"
            )
        raw_files.place(file, _address(settings, file.sha256, suffix))
        return file.sha256, file.size


def upload_recording(
    uow: UnitOfWork,
    actor: Actor,
    settings: ServiceSettings,
    patient_id: str,
    source: BinaryIO | bytes,
    *,
    filename: str,
    kind: RecordingKind = "exercise",
    session_id: str | None = None,
    exercise_id: str | None = None,
    file_format: FileFormat = "canonical",
    sha256: str | None = None,
    recorded_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> RecordingRecord:
    """Store the raw recording, then record it as ``stored`` (processing is a separate step).

    An exercise recording names its session and the exercise in it; an all-day recording may
    name neither. ``sha256``, when given, must match what arrived.
    """
    if kind not in ("exercise", "day"):
        raise InputError(f"kind '{kind}' is unknown; choose exercise or day")
    if file_format not in SUFFIXES:
        raise InputError(f"file_format '{file_format}' is unknown; choose canonical or xsens-dot")
    name = Path(filename).name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES[file_format]:
        raise InputError(
            f"filename '{name}': a {file_format} recording ends in {' or '.join(SUFFIXES[file_format])}"
        )
    if kind == "exercise" and (session_id is None or exercise_id is None):
        raise InputError("session_id and exercise_id: an exercise recording names both")
    at = utcnow(now)
    with uow:
        day = _check_target(uow, actor, patient_id, session_id, exercise_id)
    sha, size = store_raw(settings, source, suffix, sha256)
    record = RecordingRecord(
        id=new_id(),
        patient_id=patient_id,
        session_id=session_id,
        exercise_id=exercise_id,
        kind=kind,
        file_format=file_format,
        filename=name,
        sha256=sha,
        size_bytes=size,
        recorded_on=recorded_on or day or at.date(),
        status="stored",
        failure_reason=None,
        metrics=None,
        uploaded_at=at,
        uploaded_by=actor.user_id,
        processed_at=None,
    )
    with uow:
        _check_target(uow, actor, patient_id, session_id, exercise_id)
        uow.recordings.add(record)
        audit.record(
            uow,
            actor,
            "recording.upload",
            patient_id=patient_id,
            object_type="Media",
            object_id=record.id,
            at=at,
        )
        uow.commit()
    return record


def _check_target(
    uow: UnitOfWork, actor: Actor, patient_id: str, session_id: str | None, exercise_id: str | None
) -> dt.date | None:
    clinical_patient(uow, actor, patient_id)
    if not (actor.has(Role.CLINICIAN) or actor.patient_id == patient_id):
        raise Forbidden("only the patient or their clinician uploads recordings")
    if session_id is None:
        return None
    session = uow.sessions.get(session_id)
    if session is None or session.patient_id != patient_id:
        raise NotFound("session", session_id)
    if exercise_id is not None:
        done = [e.id for e in documents.load(Session, session.document).exercises]
        if exercise_id not in done:
            raise InputError(
                f"exercise_id '{exercise_id}' was not logged in session {session_id}; "
                f"logged: {', '.join(done) or 'none'}"
            )
    return session.session_date


TRACE_POINTS = 800
"""The lumbar-flexion trace kept for the recording's page: at most this many points (each
bucket's lowest and highest angle, so peaks stay)."""


class RecordingDetail(BaseModel):
    """What the recording's page draws: flexion over time (downsampled), every rep with its
    amplitude, every hold with its stillness, and the calibration's quality (s, deg)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trace_t_s: list[float]
    trace_flexion_deg: list[float]
    samples: int
    reps: list[dict[str, Any]]
    holds: list[dict[str, Any]]
    calibration: dict[str, Any]


def trace_points(
    t: Any, values: Any, max_points: int = TRACE_POINTS
) -> tuple[list[float], list[float]]:
    """``values`` over ``t`` cut to at most ``max_points`` points, keeping each bucket's min and
    max in time order (non-finite values are left out)."""
    import numpy as np

    t = np.asarray(t, dtype=float)
    v = np.asarray(values, dtype=float)
    keep = np.isfinite(v) & np.isfinite(t)
    t, v = t[keep], v[keep]
    if len(v) > max_points:
        buckets = max(max_points // 2, 1)
        edges = np.linspace(0, len(v), buckets + 1).astype(int)
        picked: list[int] = []
        for lo, hi in itertools.pairwise(edges.tolist()):
            if hi <= lo:
                continue
            a = lo + int(np.argmin(v[lo:hi]))
            b = lo + int(np.argmax(v[lo:hi]))
            picked.extend(sorted({a, b}))
        t, v = t[picked], v[picked]
    return [round(float(x), 2) for x in t], [round(float(x), 2) for x in v]


def recording_detail(result: Any, t: Any, flexion: Any) -> RecordingDetail:
    """The page's detail from an analysis (``sensors.monitor.Analysis``) and its flexion trace."""
    trace_t, trace_v = trace_points(t, flexion)
    reps = [
        {
            "set": i + 1,
            "axis": rep_set.axis,
            "direction": rep.direction,
            "start_s": round(rep.start_s, 2),
            "amplitude_deg": round(rep.amplitude_deg, 2),
        }
        for i, rep_set in enumerate(result.reps.sets)
        for rep in rep_set.reps
    ]
    holds = [
        {
            "start_s": round(h.start_s, 2),
            "duration_s": round(h.duration_s, 2),
            "stillness_rms_deg": round(h.stillness_rms_deg, 3),
            "stillness_peak_deg": round(h.stillness_peak_deg, 3),
        }
        for h in result.quality.holds
    ]
    return RecordingDetail(
        trace_t_s=trace_t,
        trace_flexion_deg=trace_v,
        samples=len(t),
        reps=reps,
        holds=holds,
        calibration=result.calibration.model_dump(mode="json"),
    )


def hold_quality(stillness_rms_deg: float | None) -> float | None:
    """Hold quality 0-1 from the mean lumbar stillness RMS (deg); None when nothing was held."""
    if stillness_rms_deg is None:
        return None
    return round(max(0.0, min(1.0, 1 - stillness_rms_deg / STILLNESS_SCALE_DEG)), 3)


def analyze_file(path: Path, file_format: FileFormat) -> RecordingMetrics:
    """The analysis of ``spinecoach sensors analyze`` on a stored file, as recording metrics."""
    return analyze_with_detail(path, file_format)[0]


def analyze_with_detail(
    path: Path, file_format: FileFormat
) -> tuple[RecordingMetrics, RecordingDetail]:
    """The metrics of :func:`analyze_file` and the detail the recording's page draws."""
    from spinecoach.sensors.file_analysis import analyze_file as analyze_recording_file

    traces: list[tuple[Any, Any]] = []
    # processing already runs in an executor's worker (a pool or Dask worker process), which
    # may not start processes of its own: orient both sensors in this process
    result = analyze_recording_file(
        path,
        file_format=file_format,
        parallel=False,
        angles=lambda t, angles: traces.append((t, angles[:, 0])),
    )
    stillness = result.quality.mean_stillness_rms_deg
    quality = hold_quality(stillness)
    sway = result.sway.longest
    metrics = RecordingMetrics(
        duration_s=result.duration_s,
        sample_rate_hz=result.sample_rate_hz,
        rep_count=result.reps.rep_count,
        hold_count=result.quality.hold_count,
        stillness_rms_deg=stillness,
        quality=quality,
        rom_deg=dict(result.rom_deg),
        time_in_zones_s=dict(result.posture.time_in_zones_s),
        sway_rms_ap_deg=None if sway is None else sway.rms_ap_deg,
        sway_ellipse95_deg2=None if sway is None else sway.ellipse95_area_deg2,
        warnings=list(result.warnings),
    )
    t, flexion = traces[0] if traces else ([], [])
    return metrics, recording_detail(result, t, flexion)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in raw_files.chunks_of(f):
            digest.update(chunk)
    return digest.hexdigest()


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def process_recording(
    uow: UnitOfWork,
    settings: ServiceSettings,
    recording_id: str,
    *,
    force: bool = False,
    now: dt.datetime | None = None,
) -> RecordingRecord:
    """Process one recording (idempotent: a processed one is left as it is unless ``force``).

    The attempt is committed as a running job first, so a worker that dies mid-way leaves a
    trace; the results, the session's sensor metrics and the timeline entry are written in one
    transaction at the end. A failure keeps the raw file and records the reason.
    """
    started = utcnow(now)
    with uow:
        record = uow.recordings.get(recording_id)
        if record is None:
            raise NotFound("recording", recording_id)
        if record.status == "processed" and not force:
            return record
        jobs = uow.recordings.jobs(recording_id)
        for job in jobs:
            if job.status == "running":
                uow.recordings.finish_job(
                    job.id, "interrupted", started, "the worker stopped before finishing"
                )
        job_id = new_id()
        uow.recordings.add_job(
            JobRecord(
                job_id, recording_id, len(jobs) + 1, "running", _worker(), started, None, None
            )
        )
        uow.recordings.update(recording_id, status="processing")
        uow.commit()
    metrics: RecordingMetrics | None = None
    detail: RecordingDetail | None = None
    reason: str | None = None
    path = stored_path(settings, record)
    try:
        if not path.is_file():
            reason = f"the raw file {path.name} is missing from the recordings folder"
        elif _sha256_of(path) != record.sha256:
            reason = f"the raw file {path.name} no longer matches its checksum"
        else:
            metrics, detail = analyze_with_detail(path, record.file_format)  # type: ignore[arg-type]
    except SpinecoachError as exc:
        reason = str(exc).replace(str(path), record.filename)
    except Exception as exc:  # a crash in analysis is a failed job with a reason, not a lost upload
        reason = f"analysis failed ({type(exc).__name__}: {exc})"
    finished = utcnow(now) if now is not None else dt.datetime.now(dt.UTC)
    with uow:
        if metrics is not None:
            uow.recordings.update(
                recording_id,
                status="processed",
                failure_reason=None,
                metrics=documents.dump(metrics),
                detail=None if detail is None else documents.dump(detail),
                processed_at=finished,
            )
            # read again: a live recording may have joined a session meanwhile
            apply_metrics(uow, uow.recordings.get(recording_id) or record, metrics, finished)
            uow.recordings.finish_job(job_id, "succeeded", finished)
        else:
            uow.recordings.update(recording_id, status="failed", failure_reason=reason)
            uow.recordings.finish_job(job_id, "failed", finished, reason)
        audit.record(
            uow,
            SYSTEM,
            "recording.process",
            patient_id=record.patient_id,
            object_type="Media",
            object_id=recording_id,
            outcome="success" if metrics is not None else "failure",
            at=finished,
        )
        touched = uow.sessions.get(record.session_id) if record.session_id else None
        refresh_alerts(
            uow,
            record.patient_id,
            finished,
            sessions=[touched] if touched is not None else [],
            measures=record.kind == "day",
        )
        done = uow.recordings.get(recording_id)
        uow.commit()
    assert done is not None
    return done


def apply_metrics(
    uow: UnitOfWork, record: RecordingRecord, metrics: RecordingMetrics, at: dt.datetime
) -> None:
    """Metrics into the session log (exercise) or the outcome timeline (all-day recording);
    uploads and live streams alike."""
    if record.kind == "exercise" and record.session_id and record.exercise_id:
        session = uow.sessions.get(record.session_id)
        if session is None:
            return
        doc = documents.load(Session, session.document)
        measured = metrics.sensor_metrics()
        exercises = [
            e.model_copy(update={"sensor": measured}) if e.id == record.exercise_id else e
            for e in doc.exercises
        ]
        uow.sessions.replace_document(
            session.id, documents.dump(doc.model_copy(update={"exercises": exercises}))
        )
        return
    if record.kind == "day":
        rom = metrics.rom_deg
        measurement = Measurement(
            date=record.recorded_on,
            rom=RangeOfMotion(flexion_deg=rom.get("flexion"), extension_deg=rom.get("extension")),
            sway=metrics.sway_rms_ap_deg,
        )
        entry = OutcomeEntry(
            measurement=measurement,
            posture_time_in_zones_s=metrics.time_in_zones_s,
            rom_deg=rom,
        )
        add_entry(uow, record.patient_id, entry, source="recording", source_id=record.id, at=at)


def process_in_worker(settings: dict[str, Any], recording_id: str) -> str:
    """Entry point in a worker process: its own engine, one recording; returns the status."""
    from spinecoach.store.engine import make_engine

    service = ServiceSettings.model_validate(settings)
    engine = make_engine(service.url)
    try:
        return process_recording(UnitOfWork(engine), service, recording_id).status
    finally:
        engine.dispose()


def submit_processing(
    executor: Executor, settings: ServiceSettings, recording_ids: Iterable[str]
) -> list[Future[str]]:
    """Queue recordings for processing on ``executor``; each future gives the final status."""
    payload = settings.model_dump(mode="json")
    return [executor.submit(process_in_worker, payload, rid) for rid in recording_ids]


def recover_interrupted_jobs(uow: UnitOfWork, *, now: dt.datetime | None = None) -> list[str]:
    """Report jobs whose worker on this host is gone: the job is marked interrupted and the
    recording failed with that reason (its raw file is kept; processing it again is safe).
    Returns the recording ids."""
    at = utcnow(now)
    host = socket.gethostname()
    found: list[str] = []
    with uow:
        for job in uow.recordings.running_jobs():
            where, _, pid = job.worker.rpartition(":")
            if where != host or _alive(int(pid)):
                continue
            uow.recordings.finish_job(
                job.id, "interrupted", at, "the worker stopped before finishing"
            )
            uow.recordings.update(
                job.recording_id,
                status="failed",
                failure_reason="processing was interrupted (the worker stopped); run it again",
            )
            record = uow.recordings.get(job.recording_id)
            if record is not None:
                refresh_alerts(uow, record.patient_id, at, sessions=[], measures=False)
            found.append(job.recording_id)
        uow.commit()
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def get_recording(
    uow: UnitOfWork, actor: Actor, recording_id: str
) -> tuple[RecordingRecord, list[JobRecord]]:
    """One recording with its processing attempts."""
    with uow:
        record = uow.recordings.get(recording_id)
        if record is None:
            raise NotFound("recording", recording_id)
        try:
            clinical_patient(uow, actor, record.patient_id)
        except NotFound:
            raise NotFound("recording", recording_id) from None
        jobs = uow.recordings.jobs(recording_id)
        audit.record(
            uow,
            actor,
            "recording.read",
            patient_id=record.patient_id,
            object_type="Media",
            object_id=recording_id,
        )
        uow.commit()
    return record, jobs


def list_recordings(uow: UnitOfWork, actor: Actor, patient_id: str) -> list[RecordingRecord]:
    """The patient's recordings, oldest first."""
    with uow:
        clinical_patient(uow, actor, patient_id)
        found = uow.recordings.for_patient(patient_id)
        audit.record(uow, actor, "recording.list", patient_id=patient_id, object_type="Media")
        uow.commit()
    return found


def reprocess(
    uow: UnitOfWork, actor: Actor, settings: ServiceSettings, recording_id: str
) -> RecordingRecord:
    """The patient's clinician asks for a recording to be processed again (in this process)."""
    with uow:
        record = uow.recordings.get(recording_id)
        if record is None:
            raise NotFound("recording", recording_id)
        try:
            clinical_patient(uow, actor, record.patient_id)
        except NotFound:
            raise NotFound("recording", recording_id) from None
        if not actor.has(Role.CLINICIAN):
            raise Forbidden("only the patient's clinician re-runs processing")
        if record.status == "processing":
            raise Conflict(f"recording {recording_id!r} is being processed now")
        audit.record(
            uow,
            actor,
            "recording.reprocess",
            patient_id=record.patient_id,
            object_type="Media",
            object_id=recording_id,
            code="E",
        )
        uow.commit()
    return process_recording(uow, settings, recording_id, force=True)
