"""Recordings on both databases: raw first and content-addressed, processing idempotent and
re-runnable, failures kept with their reason, metrics into the session log and the timeline."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from tests.integration.clinic.conftest import simulated_file

from spinecoach.batch.executor import make_executor
from spinecoach.services import alerts, outcomes, recordings, sessions
from spinecoach.services.actors import Actor
from spinecoach.services.errors import InputError, NotFound
from spinecoach.sessions import Session
from spinecoach.settings import ServiceSettings
from spinecoach.store.unit_of_work import UnitOfWork

from .loop import START, exercise_id, on_program, sessions_of

LATER = START + dt.timedelta(days=2)


@pytest.fixture(scope="session")
def day_parquet(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return simulated_file(tmp_path_factory.mktemp("rec"), "day.parquet", "day", 4, seconds=180)


def _session(uow: UnitOfWork, clinician: Actor) -> tuple[str, str]:
    patient_id, _ = on_program(uow, clinician)
    record = sessions.log_session(uow, clinician, patient_id, sessions_of()[0], now=LATER)
    return patient_id, record.id


def test_exercise_recording_fills_the_session_exercise(
    uow: UnitOfWork, clinician: Actor, settings: ServiceSettings, bird_dog_csv: bytes
) -> None:
    patient_id, session_id = _session(uow, clinician)
    stored = recordings.upload_recording(
        uow, clinician, settings, patient_id, io.BytesIO(bird_dog_csv),
        filename="bird-dog.csv", session_id=session_id, exercise_id=exercise_id(),
        sha256=hashlib.sha256(bird_dog_csv).hexdigest(), now=LATER,
    )  # fmt: skip
    assert stored.status == "stored"
    raw = recordings.stored_path(settings, stored)
    assert raw.read_bytes() == bird_dog_csv
    assert raw.name == f"{stored.sha256}.csv"
    done = recordings.process_recording(uow, settings, stored.id, now=LATER)
    assert done.status == "processed"
    metrics = recordings.RecordingMetrics.model_validate(done.metrics)
    assert metrics.hold_count >= 1
    assert metrics.quality is not None
    assert metrics.quality < 0.7  # the wobbly hold scores below the progression threshold
    session = Session.model_validate(sessions.get_session(uow, clinician, session_id).document)
    bird_dog = next(e for e in session.exercises if e.id == exercise_id())
    assert bird_dog.sensor == metrics.sensor_metrics()
    # idempotent: a second run leaves it; a forced re-run gives the same result
    again = recordings.process_recording(uow, settings, stored.id, now=LATER)
    assert again == done
    forced = recordings.process_recording(uow, settings, stored.id, force=True, now=LATER)
    assert forced.metrics == done.metrics
    _, jobs = recordings.get_recording(uow, clinician, stored.id)
    assert [j.status for j in jobs] == ["succeeded", "succeeded"]


def test_day_recording_adds_posture_rom_and_sway_to_the_timeline(
    uow: UnitOfWork, clinician: Actor, settings: ServiceSettings, day_parquet: bytes
) -> None:
    patient_id, _ = on_program(uow, clinician)
    stored = recordings.upload_recording(
        uow, clinician, settings, patient_id, day_parquet, filename="monday.parquet",
        kind="day", recorded_on=dt.date(2026, 1, 12), now=LATER,
    )  # fmt: skip
    recordings.process_recording(uow, settings, stored.id, now=LATER)
    recordings.process_recording(uow, settings, stored.id, force=True, now=LATER)
    result = outcomes.compute_outcomes(uow, clinician, patient_id)
    from_sensor = [e for e in result.entries if e["source"] == "recording"]
    assert len(from_sensor) == 1  # re-running did not add a second entry
    assert sum(from_sensor[0]["posture_time_in_zones_s"].values()) == pytest.approx(180, abs=1)
    assert result.timeline is not None
    last = result.timeline.measurements[-1]
    assert last.date == dt.date(2026, 1, 12)
    assert last.rom.flexion_deg is not None
    assert last.rom.flexion_deg > 20


def test_unreadable_recording_fails_with_its_reason_and_keeps_the_upload(
    uow: UnitOfWork, clinician: Actor, settings: ServiceSettings
) -> None:
    patient_id, session_id = _session(uow, clinician)
    junk = b"t,lumbar_acc_x\n0,1\n"
    stored = recordings.upload_recording(
        uow, clinician, settings, patient_id, junk, filename="junk.csv",
        session_id=session_id, exercise_id=exercise_id(), now=LATER,
    )  # fmt: skip
    failed = recordings.process_recording(uow, settings, stored.id, now=LATER)
    assert failed.status == "failed"
    assert failed.failure_reason
    assert "junk.csv" in failed.failure_reason or "column" in failed.failure_reason
    assert recordings.stored_path(settings, stored).read_bytes() == junk
    kinds = [a.kind for a in alerts.list_alerts(uow, clinician, patient_id=patient_id)]
    assert "recording_failed" in kinds


def test_upload_checks_checksum_size_and_target(
    uow: UnitOfWork, clinician: Actor, tmp_path: Path, database_url: str, bird_dog_csv: bytes
) -> None:
    small = ServiceSettings(data_dir=tmp_path, database_url=database_url, upload_limit_bytes=1000)
    patient_id, session_id = _session(uow, clinician)
    args = {"filename": "b.csv", "session_id": session_id, "exercise_id": exercise_id()}
    with pytest.raises(InputError, match="sha256"):
        recordings.upload_recording(
            uow,
            clinician,
            small,
            patient_id,
            b"abc",
            sha256="0" * 64,
            **args,  # type: ignore[arg-type]
        )
    with pytest.raises(InputError, match="larger than the limit of 1000 bytes"):
        recordings.upload_recording(uow, clinician, small, patient_id, bird_dog_csv, **args)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="exercise_id 'deadlift'"):
        recordings.upload_recording(
            uow, clinician, small, patient_id, b"abc",
            filename="b.csv", session_id=session_id, exercise_id="deadlift",
        )  # fmt: skip
    with pytest.raises(InputError, match=r"filename 'b\.txt'"):
        recordings.upload_recording(
            uow, clinician, small, patient_id, b"abc", filename="b.txt", kind="day"
        )
    with pytest.raises(NotFound):
        recordings.upload_recording(
            uow, clinician, small, patient_id, b"abc",
            filename="b.csv", session_id="nope", exercise_id=exercise_id(),
        )  # fmt: skip
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == []  # nothing half-written is left in the recordings folder
    with uow:
        assert uow.recordings.for_patient(patient_id) == []


@pytest.mark.slow
def test_processing_through_the_executor(
    uow: UnitOfWork, clinician: Actor, settings: ServiceSettings, bird_dog_csv: bytes
) -> None:
    if uow.engine.dialect.name != "sqlite":
        pytest.skip("the executor seam is the same on both databases; run once")
    patient_id, session_id = _session(uow, clinician)
    stored = recordings.upload_recording(
        uow, clinician, settings, patient_id, bird_dog_csv, filename="bd.csv",
        session_id=session_id, exercise_id=exercise_id(), now=LATER,
    )  # fmt: skip
    with make_executor(workers=1) as pool:
        futures = recordings.submit_processing(pool, settings, [stored.id])
        assert [f.result(timeout=120) for f in futures] == ["processed"]
    record, jobs = recordings.get_recording(uow, clinician, stored.id)
    assert record.status == "processed"
    assert jobs[0].worker.rsplit(":", 1)[1] != str(__import__("os").getpid())
