"""A demo clinic built through the services: clinicians, patients on simulated 12-week courses,
sessions, check-ins, recordings and follow-up measurements, so every alert kind appears.

Each course comes from :func:`spinecoach.simulate.course.run_course` and is replayed on the
record with the course's own dates: intake, approval of each version, the sessions logged on it,
the proposal of the next version, re-measurements. A few patients get the events the simulation
does not produce on its own (a red flag at check-in, new leg symptoms, a flare-up, a pause in
sessions, a recording that cannot be read, a proposal left for the clinician).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinecoach.errors import SpinecoachError
from spinecoach.services import intake as intake_service
from spinecoach.services import outcomes, patients, programs, recordings, sessions
from spinecoach.services.actors import SYSTEM, Actor, Role
from spinecoach.settings import ServiceSettings
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = ["DemoReport", "seed_demo"]

EVENING = dt.time(19, 0)


@dataclass
class DemoReport:
    """What the demo clinic holds, and the demo accounts (passwords shown once)."""

    accounts: list[dict[str, str]] = field(default_factory=list)
    patients: int = 0
    sessions: int = 0
    versions: int = 0
    recordings: dict[str, int] = field(default_factory=dict)
    alerts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def _at(day: dt.date, time: dt.time = EVENING) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=dt.UTC)


def _account(uow: UnitOfWork, report: DemoReport, **fields: Any) -> str | None:
    """A demo account through the accounts service (absent in a build without accounts)."""
    try:
        from spinecoach.services import accounts
    except ModuleNotFoundError:
        return None
    password = secrets.token_urlsafe(12)
    account = accounts.create_user(uow, SYSTEM, password=password, **fields)
    report.accounts.append(
        {
            "username": fields["username"],
            "password": password,
            "roles": ",".join(sorted(r.value for r in fields["roles"])),
        }
    )
    return str(account.id)


def _recording_bytes() -> dict[str, bytes]:
    import tempfile
    from pathlib import Path

    from spinecoach.sensors.files import write_recording
    from spinecoach.simulate.recording import simulate_recording

    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, scenario, seconds in (
            ("steady.csv", "bird-dog", None),
            ("wobbly.csv", "bird-dog-wobbly", None),
            ("day.parquet", "day", 240.0),
        ):
            path = Path(tmp) / name
            write_recording(simulate_recording(scenario, seconds=seconds, seed=7).recording, path)
            out[name] = path.read_bytes()
    out["unreadable.csv"] = b"t,lumbar_acc_x\n0.0,9.8\n"
    return out


def seed_demo(
    uow: UnitOfWork,
    settings: ServiceSettings,
    *,
    patient_count: int = 24,
    weeks: int = 12,
    seed: int = 0,
    executor: Executor | None = None,
) -> DemoReport:
    """Fill an empty clinic (patients already present: Conflict) with the demo."""
    from spinecoach.services.errors import Conflict
    from spinecoach.simulate import random_intake
    from spinecoach.simulate.course import run_course

    with uow:
        if uow.patients.ids():
            raise Conflict("the clinic already holds patients; seed-demo fills an empty one")
    report = DemoReport()
    clinicians: list[Actor] = []
    for i in range(3):
        username = f"demo-clinician-{i + 1}"
        user_id = (
            _account(
                uow,
                report,
                username=username,
                roles=[Role.CLINICIAN],
                display_name=f"Demo clinician {i + 1}",
            )
            or f"demo{i + 1:029d}"
        )
        clinicians.append(Actor(user_id, username, frozenset({Role.CLINICIAN})))
    files = _recording_bytes()
    rng = np.random.default_rng(seed)
    uploaded: list[str] = []
    for i in range(patient_count):
        clinician = clinicians[i % len(clinicians)]
        course = run_course(random_intake(rng, red_flag_rate=0.0), weeks=weeks, seed=seed + i)
        try:
            uploaded += _replay(
                uow, settings, report, clinician=clinician, course=course, i=i, files=files
            )
        except SpinecoachError as exc:  # a course the record cannot take is reported, not hidden
            report.skipped.append(f"patient {i + 1}: {exc}")
    if executor is not None:
        for future in recordings.submit_processing(executor, settings, uploaded):
            future.result()
    else:
        for rid in uploaded:
            recordings.process_recording(uow, settings, rid)
    with uow:
        report.recordings = dict(
            Counter(
                r.status
                for r in uow.recordings.with_status("stored", "processing", "processed", "failed")
            )
        )
        report.alerts = dict(Counter(a.kind for a in uow.alerts.find(limit=100_000)))
    return report


def _replay(
    uow: UnitOfWork,
    settings: ServiceSettings,
    report: DemoReport,
    *,
    clinician: Actor,
    course: Any,
    i: int,
    files: dict[str, bytes],
) -> list[str]:
    """One simulated course onto the record; returns the recordings to process."""
    intake = course.intake.model_dump(mode="json")
    start = course.timeline.measurements[0].date
    patient = patients.register_patient(
        uow,
        clinician,
        {
            "display_name": f"Demo patient {i + 1:02d}",
            "birth_year": start.year - course.intake.patient.age,
        },
        now=_at(start, dt.time(9)),
    )
    report.patients += 1
    if i < 3:
        _account(
            uow,
            report,
            username=f"demo-patient-{i + 1}",
            roles=[Role.PATIENT],
            display_name=f"Demo patient {i + 1:02d}",
            patient_id=patient.id,
        )
    first = intake_service.submit_intake(
        uow, clinician, patient.id, intake, now=_at(start, dt.time(9))
    )
    version = programs.approve_version(
        uow, clinician, first.version.id, now=_at(start, dt.time(10))
    )
    report.versions += 1
    to_process: list[str] = []
    logs = list(course.session_logs)
    last_day = start
    for k, log in enumerate(logs):
        logged = []
        for s in log.sessions:
            record = sessions.log_session(
                uow, clinician, patient.id, s.model_dump(mode="json"), now=_at(s.date)
            )
            logged.append((record, s))
            report.sessions += 1
            last_day = s.date
        if k % 3 == 0 and logged:
            record, s = logged[0]
            done = [e.id for e in s.exercises]
            if done:
                name = "wobbly.csv" if (i + k) % 2 else "steady.csv"
                rec = recordings.upload_recording(
                    uow,
                    clinician,
                    settings,
                    patient.id,
                    files[name],
                    filename=name,
                    session_id=record.id,
                    exercise_id=done[0],
                    now=_at(s.date, dt.time(20)),
                )
                to_process.append(rec.id)
        review = _at(last_day + dt.timedelta(days=1), dt.time(8))
        is_last = k == len(logs) - 1
        proposed = programs.propose_next_version(uow, clinician, patient.id, now=review)
        report.versions += 1
        if is_last and i % 4 == 1:
            break  # left for the clinician: a version awaiting approval
        if proposed.status == "proposed":
            version = programs.approve_version(uow, clinician, proposed.id, now=review)
        if version.program_status != "active":
            break
    for m in course.timeline.measurements[1:]:
        if m.date > start:
            outcomes.record_measurement(uow, clinician, patient.id, m, now=_at(m.date, dt.time(12)))
    mid = start + dt.timedelta(days=7 * 6)
    rec = recordings.upload_recording(
        uow,
        clinician,
        settings,
        patient.id,
        files["day.parquet"],
        filename="working-day.parquet",
        kind="day",
        recorded_on=mid,
        now=_at(mid, dt.time(21)),
    )
    to_process.append(rec.id)
    if i % 6 == 5:  # a recording that cannot be read (a truncated export)
        bad = recordings.upload_recording(
            uow, clinician, settings, patient.id, files["unreadable.csv"],
            filename="truncated-export.csv", kind="day", recorded_on=mid, now=_at(mid, dt.time(22)),
        )  # fmt: skip
        to_process.append(bad.id)
    _special(
        uow,
        settings,
        clinician=clinician,
        patient_id=patient.id,
        i=i,
        last_day=last_day,
        files=files,
        to_process=to_process,
    )
    return to_process


def _special(
    uow: UnitOfWork,
    settings: ServiceSettings,
    *,
    clinician: Actor,
    patient_id: str,
    i: int,
    last_day: dt.date,
    files: dict[str, bytes],
    to_process: list[str],
) -> None:
    """The events a course does not produce on its own, one kind per patient index."""
    with uow:
        current = uow.programs.current(patient_id)
        ids = [e["id"] for e in current.document["exercises"]] if current else []
    if current is None or current.program_status != "active" or not ids:
        return
    day = last_day + dt.timedelta(days=1)
    base: dict[str, Any] = {
        "date": day.isoformat(),
        "pain_before": 3,
        "pain_after": 3,
        "exercises": [{"id": ids[0], "sets": 1, "completed": True}],
    }
    kind = i % 6
    if kind == 0:  # a red flag at the next-morning check-in
        s = sessions.log_session(uow, clinician, patient_id, base, now=_at(day))
        sessions.check_in(
            uow,
            clinician,
            s.id,
            {"next_morning_pain": 4, "red_flags": ["ces_saddle_anaesthesia"]},
            now=_at(day + dt.timedelta(days=1), dt.time(7)),
        )
    elif kind == 1:  # new leg symptoms the next morning
        s = sessions.log_session(uow, clinician, patient_id, base, now=_at(day))
        sessions.check_in(
            uow,
            clinician,
            s.id,
            {"next_morning_pain": 4, "new_neuro_symptoms": True, "peripheralization": "flexion"},
            now=_at(day + dt.timedelta(days=1), dt.time(7)),
        )
    elif kind == 2:  # a flare-up, with pain above the clinic's limit
        sessions.log_session(
            uow, clinician, patient_id, {**base, "pain_before": 3, "pain_after": 8}, now=_at(day)
        )
    elif kind == 3:  # two weeks without sessions, then one logged late
        late = day + dt.timedelta(days=16)
        sessions.log_session(
            uow,
            clinician,
            patient_id,
            {**base, "date": late.isoformat(), "exercises": []},
            now=_at(late),
        )
    elif kind == 4:  # a new leg symptom logged with the session itself
        sessions.log_session(
            uow, clinician, patient_id, {**base, "new_neuro_symptoms": True}, now=_at(day)
        )
