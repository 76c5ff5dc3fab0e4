"""Crash safety with real processes killed (SIGKILL) mid-way, on both databases.

Processing: the raw file stays intact, the interrupted job is reported, and a re-run gives the
same result as an uninterrupted run. Writing: a process killed inside a unit of work that has
written a program version leaves no trace of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from spinecoach.services import recordings
from spinecoach.services.actors import Actor
from spinecoach.settings import ServiceSettings
from spinecoach.store import tables as t
from spinecoach.store.unit_of_work import UnitOfWork

from .loop import START, on_program

LATER = START + dt.timedelta(days=1)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def long_day(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Five minutes of a working day: long enough that processing takes a while."""
    from spinecoach.sensors.files import write_recording
    from spinecoach.simulate.recording import simulate_recording

    path = tmp_path_factory.mktemp("rec") / "day.parquet"
    write_recording(simulate_recording("day", seed=5, seconds=300).recording, path)
    return path.read_bytes()


def _spawn(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _wait_for(condition: object, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError("timed out waiting")


def test_killed_processing_keeps_the_upload_reports_the_job_and_reruns_the_same(
    uow: UnitOfWork,
    engine: sa.Engine,
    clinician: Actor,
    settings: ServiceSettings,
    long_day: bytes,
) -> None:
    patient_id, _ = on_program(uow, clinician)
    stored = recordings.upload_recording(
        uow,
        clinician,
        settings,
        patient_id,
        long_day,
        filename="day.parquet",
        kind="day",
        now=START,
    )
    worker = _spawn(
        "import json, sys\n"
        "from spinecoach.services.recordings import process_in_worker\n"
        "process_in_worker(json.loads(sys.argv[1]), sys.argv[2])\n",
        json.dumps(settings.model_dump(mode="json")),
        stored.id,
    )

    def running() -> bool:
        assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
        with engine.connect() as c:
            j = t.recording_jobs
            return (
                c.execute(sa.select(j.c.status).where(j.c.recording_id == stored.id)).first()
                is not None
            )

    _wait_for(running)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    record, jobs = recordings.get_recording(uow, clinician, stored.id)
    assert record.status == "processing"  # killed before it could write any result
    assert record.metrics is None
    assert [j.status for j in jobs] == ["running"]
    raw = recordings.stored_path(settings, record)
    assert (
        hashlib.sha256(raw.read_bytes()).hexdigest()
        == stored.sha256
        == hashlib.sha256(long_day).hexdigest()
    )

    assert recordings.recover_interrupted_jobs(uow) == [stored.id]
    record, jobs = recordings.get_recording(uow, clinician, stored.id)
    assert record.status == "failed"
    assert record.failure_reason is not None
    assert "interrupted" in record.failure_reason
    assert [j.status for j in jobs] == ["interrupted"]

    rerun = recordings.process_recording(uow, settings, stored.id)
    assert rerun.status == "processed"
    expected = recordings.analyze_file(raw, "canonical")
    assert recordings.RecordingMetrics.model_validate(rerun.metrics) == expected
    _, jobs = recordings.get_recording(uow, clinician, stored.id)
    assert [j.status for j in jobs] == ["interrupted", "succeeded"]


def test_killed_write_leaves_no_half_written_version(
    uow: UnitOfWork, engine: sa.Engine, clinician: Actor, database_url: str
) -> None:
    patient_id, v1 = on_program(uow, clinician)
    writer = _spawn(
        "import sys, time\n"
        "from spinecoach.services.actors import SYSTEM\n"
        "from spinecoach.services.programs import add_version, program_of\n"
        "from spinecoach.services.clock import utcnow\n"
        "from spinecoach.store.engine import make_engine\n"
        "from spinecoach.store.unit_of_work import UnitOfWork\n"
        "uow = UnitOfWork(make_engine(sys.argv[1]))\n"
        "with uow:\n"
        "    v1 = uow.programs.get(sys.argv[3])\n"
        "    add_version(uow, SYSTEM, sys.argv[2], program_of(v1), basis='edit', at=utcnow())\n"
        "    print('written', flush=True)\n"
        "    time.sleep(120)\n"
        "    uow.commit()\n",
        database_url,
        patient_id,
        v1.id,
    )
    assert writer.stdout is not None
    line = writer.stdout.readline()
    assert line.strip() == "written", writer.stderr.read() if writer.stderr else ""
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)

    deadline = time.monotonic() + 30
    while True:  # the server notices the dropped connection and rolls its transaction back
        try:
            with uow:
                versions = uow.programs.versions(patient_id)
                events = uow.audit.find(patient_id=patient_id, action="program.propose", limit=100)
            break
        except sa.exc.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert [(v.version, v.status) for v in versions] == [(1, "approved")]
    assert len(events) == 1  # only the first version's proposal: the killed one left nothing
    if engine.dialect.name == "sqlite":
        with engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    # and the record takes the same write again, numbered as if nothing had happened
    from spinecoach.services.actors import SYSTEM
    from spinecoach.services.programs import add_version, program_of

    with uow:
        v2 = add_version(uow, SYSTEM, patient_id, program_of(v1), basis="edit", at=LATER)
        uow.commit()
    assert v2.version == 2
