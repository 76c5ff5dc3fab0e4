"""Live streams into the clinic's record, on both databases, through the mounted WebSocket.

A real uvicorn server runs the clinic API (``create_app``, its lifespan included); a paired
device streams a synthetic recording with the gateway code of ``simulate device``; the
recording lands in the patient's record, is processed by the upload's queue, and fills the
session log. Compared with the batch analysis of the very same samples.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from tests.serving import served

from spinecoach.api import create_app
from spinecoach.live.gateway import replay
from spinecoach.services import devices, recordings, sessions
from spinecoach.services.actors import Actor
from spinecoach.services.errors import NotFound
from spinecoach.sessions import Session
from spinecoach.settings import ServiceSettings
from spinecoach.simulate.recording import SyntheticRecording, simulate_recording
from spinecoach.store.records import RecordingRecord
from spinecoach.store.unit_of_work import UnitOfWork

from .loop import exercise_id, on_program, sessions_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bends() -> SyntheticRecording:
    return simulate_recording("forward-bends", seed=3)


@contextmanager
def clinic_server(settings: ServiceSettings, engine: sa.Engine) -> Iterator[tuple[str, Any]]:
    """The clinic API on a free port; yields its base URL and the app."""
    app = create_app(settings, engine=engine)
    with served(app) as url:
        yield url, app


def _processed(uow: UnitOfWork, patient_id: str, count: int = 1) -> list[RecordingRecord]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with uow:
            found = uow.recordings.for_patient(patient_id)
        if len(found) >= count and all(r.status in {"processed", "failed"} for r in found):
            return found
        time.sleep(0.2)
    raise AssertionError(f"recordings not processed in time: {[r.status for r in found]}")


def _batch_metrics(rec: SyntheticRecording, folder: Path) -> recordings.RecordingMetrics:
    """What an upload of the same samples gives (the file written by the sensors package)."""
    from spinecoach.sensors.files import write_recording

    path = folder / "batch.parquet"
    write_recording(rec.recording, path)
    return recordings.analyze_file(path, "canonical")


def test_a_streamed_set_lands_in_the_record_like_an_upload(
    uow: UnitOfWork,
    clinician: Actor,
    settings: ServiceSettings,
    bends: SyntheticRecording,
    tmp_path: Path,
) -> None:
    engine = uow.engine
    patient_id, _ = on_program(uow, clinician)
    paired = devices.pair_device(uow, clinician, patient_id, "phone")
    target = {"kind": "reps", "axis": "flexion", "exercise_id": exercise_id()}
    with clinic_server(settings, engine) as (base, app):
        url = base.replace("http", "ws", 1) + "/api/live/ingest"
        report = replay(
            bends.recording, url, paired.token, rate_hz=100.0, speed=0, start={"exercise": target}
        )
        assert report.refused == []
        assert report.ended is not None
        app.state.live.sink.wait(60)
        (record,) = _processed(uow, patient_id)
    assert record.kind == "exercise"
    assert record.exercise_id == exercise_id()
    assert record.uploaded_by == paired.device.id
    assert record.status == "processed", record.failure_reason
    # the raw file in the record holds every streamed sample, to the bit
    from spinecoach.sensors.files import read_recording

    saved = read_recording(recordings.stored_path(settings, record))
    np.testing.assert_array_equal(saved.t, bends.recording.t)
    for name, samples in bends.recording.sensors.items():
        np.testing.assert_array_equal(saved.sensors[name].acc, samples.acc)
        np.testing.assert_array_equal(saved.sensors[name].gyr, samples.gyr)
    # its analysis is the batch analysis of the same samples
    metrics = recordings.RecordingMetrics.model_validate(record.metrics)
    assert metrics == _batch_metrics(bends, tmp_path)
    assert metrics.rep_count == report.ended["reps"] == 8
    # the live copy is gone once filed; the record's audit names the device
    assert not list((settings.data_dir / "live").glob("*/*.parquet"))
    # logging today's session brings the streamed set's measures into the log
    document = {**sessions_of()[0], "date": dt.date.today().isoformat()}
    logged = sessions.log_session(uow, clinician, patient_id, document)
    session = Session.model_validate(sessions.get_session(uow, clinician, logged.id).document)
    done = next(e for e in session.exercises if e.id == exercise_id())
    assert done.sensor == metrics.sensor_metrics()
    with uow:
        assert uow.recordings.get(record.id).session_id == logged.id  # type: ignore[union-attr]


def test_a_dropped_stream_keeps_everything_received(
    uow: UnitOfWork,
    engine: sa.Engine,
    clinician: Actor,
    settings: ServiceSettings,
    bends: SyntheticRecording,
) -> None:
    patient_id, _ = on_program(uow, clinician)
    paired = devices.pair_device(uow, clinician, patient_id, "phone")
    with clinic_server(settings, engine) as (base, app):
        url = base.replace("http", "ws", 1) + "/api/live/ingest"
        report = replay(bends.recording, url, paired.token, rate_hz=100.0, speed=0, stop_after_s=20)
        deadline = time.monotonic() + 30
        while not app.state.live.sink.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        app.state.live.sink.wait(60)
        (record,) = _processed(uow, patient_id)
    assert report.ended is None
    assert record.kind == "day"  # posture mode: an all-day recording
    from spinecoach.sensors.files import read_recording

    saved = read_recording(recordings.stored_path(settings, record))
    assert len(saved) == report.samples_kept > 0
    np.testing.assert_array_equal(saved.t, bends.recording.t[: len(saved)])


def test_a_revoked_device_cannot_stream_and_pairing_is_audited(
    uow: UnitOfWork, engine: sa.Engine, clinician: Actor, settings: ServiceSettings
) -> None:
    patient_id, _ = on_program(uow, clinician)
    paired = devices.pair_device(uow, clinician, patient_id, "phone")
    authority = devices.StoreDeviceAuthority(engine)
    grant = authority.grant_for(paired.token)
    assert grant is not None
    assert (grant.patient_id, grant.device_id) == (patient_id, paired.device.id)
    assert grant.scopes == {"stream", "feedback"}
    assert paired.device.token_hash != paired.token
    assert paired.token not in str(paired.device)
    devices.revoke_device(uow, clinician, paired.device.id)
    assert authority.grant_for(paired.token) is None
    assert authority.grant_for("spd_" + "x" * 32) is None
    (listed,) = devices.list_devices(uow, clinician, patient_id)
    assert listed.revoked_by == clinician.user_id
    with uow:
        actions = [e.action for e in uow.audit.find(patient_id=patient_id)]
    assert {"device.create", "device.revoke", "device.list"} <= set(actions)


def test_another_clinician_sees_no_device(
    uow: UnitOfWork, clinician: Actor, other_clinician: Actor
) -> None:
    patient_id, _ = on_program(uow, clinician)
    paired = devices.pair_device(uow, clinician, patient_id, "phone")
    with pytest.raises(NotFound):
        devices.list_devices(uow, other_clinician, patient_id)
    with pytest.raises(NotFound):
        devices.revoke_device(uow, other_clinician, paired.device.id)
    with pytest.raises(NotFound):
        devices.pair_device(uow, other_clinician, patient_id, "tablet")


def test_live_pair_and_revoke_commands_work_on_the_clinics_record(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clinician: Actor,
) -> None:
    import json

    from spinecoach.cli import main
    from spinecoach.store.engine import make_engine
    from spinecoach.store.migrate import upgrade

    folder = tmp_path / "clinic"
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(folder))
    monkeypatch.delenv("SPINECOACH_DATABASE_URL", raising=False)
    engine = make_engine(ServiceSettings().url)
    upgrade(engine)
    patient_id, _ = on_program(UnitOfWork(engine), clinician)
    assert main(["live", "pair", "--patient", patient_id, "--device", "phone", "--json"]) == 0
    paired = json.loads(capsys.readouterr().out)
    authority = devices.StoreDeviceAuthority(engine)
    grant = authority.grant_for(paired["token"])
    assert grant is not None
    assert grant.device_id == paired["device_id"]
    assert main(["live", "revoke", "--device", paired["device_id"], "--json"]) == 0
    assert authority.grant_for(paired["token"]) is None
    with UnitOfWork(engine) as uow:
        events = uow.audit.find(patient_id=patient_id, action="device.create")
    assert [e.user_id for e in events] == ["system"]
    engine.dispose()


def test_a_stream_that_cannot_be_analysed_is_kept_failed_with_an_alert(
    uow: UnitOfWork,
    clinician: Actor,
    settings: ServiceSettings,
    bends: SyntheticRecording,
) -> None:
    """Streamed from the middle of a bend: no quiet standing to calibrate on."""
    patient_id, _ = on_program(uow, clinician)
    paired = devices.pair_device(uow, clinician, patient_id, "phone")
    moving = bends.recording.slice(1000, 3000)
    with clinic_server(settings, uow.engine) as (base, app):
        url = base.replace("http", "ws", 1) + "/api/live/ingest"
        report = replay(moving, url, paired.token, rate_hz=100.0, speed=0)
        assert report.ended is not None
        assert "quiet standing" in report.ended["problem"]  # the gateway is told why
        app.state.live.sink.wait(60)
        (record,) = _processed(uow, patient_id)
    assert record.status == "failed"
    assert record.failure_reason
    from spinecoach.sensors.files import read_recording

    assert len(read_recording(recordings.stored_path(settings, record))) == report.samples_kept
    with uow:
        open_alerts = uow.alerts.find(patient_ids=[patient_id], open_only=True, limit=50)
    assert any(a.kind == "recording_failed" and record.filename in a.text for a in open_alerts)


def test_start_up_files_what_a_stopped_server_left(
    uow: UnitOfWork,
    clinician: Actor,
    settings: ServiceSettings,
    bends: SyntheticRecording,
) -> None:
    """A stream cut by a killed server (its journal never finished) is in the record after the
    next start, with every block that was written."""
    from fastapi.testclient import TestClient

    from spinecoach.live.devices import SCOPES, DeviceGrant
    from spinecoach.live.frames import SamplesFrame, StartFrame, gateway_frames, start_frame_for
    from spinecoach.live.session import LiveSession
    from spinecoach.sensors.files import read_recording

    patient_id, _ = on_program(uow, clinician)
    paired = devices.pair_device(uow, clinician, patient_id, "phone")
    grant = DeviceGrant(patient_id, paired.device.id, frozenset(SCOPES))
    start = StartFrame.model_validate(start_frame_for(bends.recording, 100.0))
    cut = LiveSession(grant, start, settings.data_dir / "live")
    for frame in list(gateway_frames(bends.recording, 0.25, 100.0))[:80]:
        cut.receive(SamplesFrame.model_validate(frame))
    kept = cut.journal.samples
    app = create_app(settings, engine=uow.engine)
    with TestClient(app):
        app.state.live.sink.wait(60)
    (record,) = _processed(uow, patient_id)
    saved = read_recording(recordings.stored_path(settings, record))
    assert len(saved) == kept == 2000
    np.testing.assert_array_equal(saved.t, bends.recording.t[:kept])
    assert record.status == "processed"


def test_stopping_the_server_files_the_running_stream(
    uow: UnitOfWork,
    clinician: Actor,
    settings: ServiceSettings,
    bends: SyntheticRecording,
) -> None:
    """A stream still running when the service stops is finished and filed on the way out."""
    import json

    from fastapi.testclient import TestClient

    from spinecoach.live.frames import gateway_frames, start_frame_for
    from spinecoach.sensors.files import read_recording

    patient_id, _ = on_program(uow, clinician)
    paired = devices.pair_device(uow, clinician, patient_id, "phone")
    app = create_app(settings, engine=uow.engine)
    headers = {"Authorization": f"Bearer {paired.token}"}
    with (
        TestClient(app) as client,
        client.websocket_connect("/api/live/ingest", headers=headers) as ws,
    ):
        ws.send_text(json.dumps(start_frame_for(bends.recording, 100.0)))
        assert ws.receive_json()["type"] == "started"
        for frame in list(gateway_frames(bends.recording, 0.25, 100.0))[:40]:
            ws.send_text(json.dumps(frame))
            assert ws.receive_json()["type"] == "ack"
        app.state.live.stop()  # what the lifespan does on shutdown
    (record,) = _processed(uow, patient_id)
    assert len(read_recording(recordings.stored_path(settings, record))) == 1000
