"""The patient's own data on both databases: the archive holds the whole record and passes its
own checks; export -> import into a fresh clinic -> export gives the same record; a tampered or
partial archive is refused and leaves nothing; erasure leaves nothing of the patient in any
table or file (searched by id, name and login name) and the audit records it; a legal hold
refuses erasure."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from tests.integration.clinic.conftest import simulated_file

from spinecoach.interop.archive import open_archive
from spinecoach.interop.fhir import check_bundle, parse_bundle
from spinecoach.live.devices import add_token
from spinecoach.live.journal import JournalInfo, RecordingJournal
from spinecoach.services import accounts, patient_data, patient_record, recordings, sessions
from spinecoach.services.accounts import AccessPolicy
from spinecoach.services.actors import SYSTEM, Actor, Role
from spinecoach.services.errors import Conflict, Forbidden, InputError, NotFound
from spinecoach.settings import ServiceSettings
from spinecoach.store import tables as t
from spinecoach.store.engine import make_engine
from spinecoach.store.migrate import upgrade
from spinecoach.store.patient_data import ERASED_USERNAME
from spinecoach.store.tables import metadata
from spinecoach.store.unit_of_work import UnitOfWork

from .loop import START, exercise_id, on_program, sessions_of

PG_SERVER = os.environ.get("SPINECOACH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
NAME = "Zelda Quixote-Marsh"
USERNAME = "zquixote"
LATER = START + dt.timedelta(days=2)
ODI_RESPONSE = Path(__file__).resolve().parents[2] / "unit/interop/data/odi-public-example.json"
NOT_CARRIED = {"record/patient_clinicians.json", "record/legal_holds.json"}


@pytest.fixture(scope="session")
def day_parquet(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return simulated_file(tmp_path_factory.mktemp("rec"), "day.parquet", "day", 4, seconds=120)


@dataclass
class Course:
    """A patient with an account, sessions, a check-in, two processed recordings and a live
    journal; and another patient who shares a recording's bytes and must be left alone."""

    uow: UnitOfWork
    clinician: Actor
    settings: ServiceSettings
    raw: tuple[bytes, ...]
    patient_id: str
    account_id: str
    other_id: str
    shared_file: Path
    journal: Path


def _course(
    uow: UnitOfWork,
    clinician: Actor,
    settings: ServiceSettings,
    bird_dog_csv: bytes,
    day_parquet: bytes,
) -> Course:
    patient_id, _ = on_program(uow, clinician, name=NAME)
    logged = [
        sessions.log_session(uow, clinician, patient_id, s, now=LATER + dt.timedelta(days=i))
        for i, s in enumerate(sessions_of()[:3])
    ]
    sessions.check_in(uow, clinician, logged[0].id, {"next_morning_pain": 2}, now=LATER)
    exercise = recordings.upload_recording(
        uow, clinician, settings, patient_id, io.BytesIO(bird_dog_csv), filename="bird-dog.csv",
        session_id=logged[0].id, exercise_id=exercise_id(), now=LATER,
    )  # fmt: skip
    day = recordings.upload_recording(
        uow, clinician, settings, patient_id, day_parquet, filename="monday.parquet",
        kind="day", recorded_on=dt.date(2026, 1, 12), now=LATER,
    )  # fmt: skip
    for rec in (exercise, day):
        assert recordings.process_recording(uow, settings, rec.id, now=LATER).status == "processed"
    account = accounts.create_user(
        uow, SYSTEM, username=USERNAME, password="correct horse battery staple",
        roles={Role.PATIENT}, display_name=NAME, patient_id=patient_id,
    )  # fmt: skip
    accounts.login(
        uow, username=USERNAME, password="correct horse battery staple",
        remote_addr="192.0.2.7", policy=AccessPolicy(totp_required_for=frozenset()),
    )  # fmt: skip
    patient = account.actor("192.0.2.7")
    accounts.create_token(
        uow, patient, name="phone", scopes=["read"], expires_in_days=5, policy=AccessPolicy()
    )
    recordings.list_recordings(uow, patient, patient_id)  # the patient's own access, audited
    other_id, _ = on_program(uow, clinician, name="Bob Other")
    shared = recordings.upload_recording(
        uow, clinician, settings, other_id, day_parquet, filename="other.parquet",
        kind="day", recorded_on=dt.date(2026, 1, 12), now=LATER,
    )  # fmt: skip
    journal = _journal(settings, patient_id, day_parquet)
    return Course(
        uow, clinician, settings, (bird_dog_csv, day_parquet), patient_id, account.id, other_id,
        recordings.stored_path(settings, shared), journal,
    )  # fmt: skip


def _journal(settings: ServiceSettings, patient_id: str, parquet: bytes) -> Path:
    """A finished live session of the patient (journal, Parquet), a line in finished.jsonl and
    a paired device's token, each beside one of another patient."""
    from spinecoach.sensors.files import read_recording

    source = settings.data_dir / "tmp-day.parquet"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(parquet)
    recording = read_recording(source).slice(0, 500)
    source.unlink()
    folder = settings.data_dir / "live" / "device-1"
    info = JournalInfo(
        session_id="20260105T080000Z-0a1b2c3d", patient_id=patient_id, device_id="device-1",
        rate_hz=100.0, sensors=tuple(recording.sensors), magnetometer=False,
        started_at="2026-01-05T08:00:00+00:00",
    )  # fmt: skip
    journal = RecordingJournal(folder, info)
    journal.append(recording)
    final = journal.close()
    assert final is not None
    tokens = settings.data_dir / "live" / "devices.json"
    add_token(tokens, patient_id, "device-1")
    add_token(tokens, "someone-else", "device-2")
    log = settings.data_dir / "live" / "finished.jsonl"
    lines = [{"patient": patient_id, "session": info.session_id}, {"patient": "someone-else"}]
    log.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return final


@pytest.fixture
def course(
    uow: UnitOfWork,
    clinician: Actor,
    settings: ServiceSettings,
    bird_dog_csv: bytes,
    day_parquet: bytes,
) -> Course:
    return _course(uow, clinician, settings, bird_dog_csv, day_parquet)


@pytest.fixture
def fresh_clinic(tmp_path: Path, database_url: str) -> Iterator[tuple[UnitOfWork, ServiceSettings]]:
    """A second, empty clinic on the same kind of database, with its own data folder."""
    dropped: str | None = None
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'other-clinic.db'}"
    else:
        dropped = f"spinecoach_import_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{dropped}"')
        url = f"{PG_SERVER}/{dropped}"
    engine = make_engine(url)
    upgrade(engine)
    settings = ServiceSettings(data_dir=tmp_path / "other-data", database_url=url, workers=1)
    yield UnitOfWork(engine), settings
    engine.dispose()
    if dropped is not None:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')
        admin.dispose()


def _import_odi(course: Course) -> str:
    """An ODI taken in another system, imported into the record: its raw file's archive name."""
    added = patient_record.import_response(
        course.uow,
        course.clinician,
        course.settings,
        course.patient_id,
        ODI_RESPONSE.read_bytes(),
        now=LATER,
    )
    return f"imports/{added.sha256}.json"


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


# --- export ----------------------------------------------------------------------------------


def test_the_archive_holds_the_whole_record_with_a_manifest(
    course: Course,
    tmp_path: Path,
) -> None:
    uow = course.uow
    clinician = course.clinician
    settings = course.settings
    bird_dog_csv = course.raw[0]
    day_parquet = course.raw[1]
    out = tmp_path / "ann.zip"
    manifest = patient_data.export_patient(
        uow, clinician, settings, course.patient_id, out, now=LATER
    )
    with open_archive(out) as archive:  # every checksum verified
        assert archive.manifest == manifest
        names = set(archive.names())
        record = {
            n.removeprefix("record/").removesuffix(".json"): archive.read_json(n)
            for n in archive.names("record/")
        }
        bundle = archive.read_json("fhir/bundle.json")
        events = archive.read_json("audit/events.json")
        account = archive.read_json("account/users.json")
        metrics = pd.read_parquet(io.BytesIO(archive.read("derived/recording_metrics.parquet")))
        metrics_csv = pd.read_csv(io.BytesIO(archive.read("derived/recording_metrics.csv")))
        timeline = pd.read_parquet(io.BytesIO(archive.read("derived/outcome_timeline.parquet")))
    assert manifest.exported_by.username == "dr_a"
    assert manifest.exported_at == LATER
    assert manifest.schema_version == 1
    assert manifest.notes == []
    for table in ("patients", "intakes", "assessments", "program_versions", "sessions",
                  "checkins", "recordings", "recording_jobs", "outcome_entries", "alerts"):  # fmt: skip
        assert record[table], table
    assert [len(record[k]) for k in ("sessions", "checkins", "recordings")] == [3, 1, 2]
    assert record["patients"][0]["display_name"] == NAME
    raw = {hashlib.sha256(b).hexdigest(): b for b in (bird_dog_csv, day_parquet)}
    for row in record["recordings"]:
        stored = f"recordings/{row['sha256']}{Path(row['filename']).suffix}"
        assert stored in names
        assert manifest.file(stored) is not None
    with zipfile.ZipFile(out) as zf:
        for sha, content in raw.items():
            member = next(n for n in zf.namelist() if n.startswith(f"recordings/{sha}"))
            assert zf.read(member) == content
    assert list(metrics["recording_id"]) == [r["id"] for r in record["recordings"]]
    assert list(metrics_csv["recording_id"]) == list(metrics["recording_id"])
    assert metrics["duration_s"].notna().all()
    assert len(timeline) >= 2  # the intake's baseline and the day recording
    check_bundle(bundle)
    parsed = parse_bundle(bundle)
    kinds = {e.resource.get_resource_type() for e in parsed.entry or [] if e.resource}
    assert {"Patient", "CarePlan", "Observation", "QuestionnaireResponse"} <= kinds
    assert all(e["patient_id"] == course.patient_id for e in events)
    assert {"intake.submit", "recording.upload", "recording.list"} <= {e["action"] for e in events}
    assert account[0]["username"] == USERNAME
    assert "password_hash" not in account[0]
    assert "totp_secret" not in account[0]
    with uow:
        exported = uow.audit.find(patient_id=course.patient_id, action="patient.export")
    assert [(e.username, e.action_code) for e in exported] == [("dr_a", "R")]


def test_who_may_export(
    other_clinician: Actor,
    admin: Actor,
    course: Course,
    tmp_path: Path,
) -> None:
    uow = course.uow
    settings = course.settings
    with uow:
        row = uow.connection.execute(
            sa.select(t.patients).where(t.patients.c.id == course.patient_id)
        ).one()
    assert row.display_name == NAME
    patient = Actor(course.account_id, USERNAME, frozenset({Role.PATIENT}), course.patient_id)
    patient_data.export_patient(uow, patient, settings, course.patient_id, tmp_path / "own.zip")
    assert (tmp_path / "own.zip").is_file()
    for stranger in (other_clinician, admin):
        with pytest.raises(NotFound):
            patient_data.export_patient(
                uow, stranger, settings, course.patient_id, tmp_path / "x.zip"
            )
    with pytest.raises(NotFound):
        patient_data.export_patient(uow, patient, settings, course.other_id, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


# --- import ----------------------------------------------------------------------------------


def test_export_import_export_gives_the_same_record(
    course: Course,
    fresh_clinic: tuple[UnitOfWork, ServiceSettings],
    tmp_path: Path,
) -> None:
    uow = course.uow
    clinician = course.clinician
    settings = course.settings
    imported = _import_odi(course)
    first = tmp_path / "first.zip"
    patient_data.export_patient(uow, clinician, settings, course.patient_id, first, now=LATER)
    target_uow, target_settings = fresh_clinic
    accounts.create_user(
        target_uow, SYSTEM, username="dr_new", password="correct horse battery staple",
        roles={Role.CLINICIAN},
    )  # fmt: skip
    result = patient_data.import_patient(
        target_uow, SYSTEM, target_settings, first, clinicians=["dr_new"], now=LATER
    )
    assert result.patient_id == course.patient_id
    assert result.recordings_added == 2
    assert result.rows["sessions"] == 3
    second = tmp_path / "second.zip"
    patient_data.export_patient(
        target_uow, SYSTEM, target_settings, course.patient_id, second, now=LATER
    )
    before, after = _members(first), _members(second)
    record = {n for n in before if n.startswith("record/")} - NOT_CARRIED
    assert record
    for name in sorted(record):
        assert json.loads(after[name]) == json.loads(before[name]), name
    assert after[imported] == before[imported] == ODI_RESPONSE.read_bytes()
    raw = {n for n in before if n.startswith("recordings/")}
    assert raw
    assert {n: after[n] for n in raw} == {n: before[n] for n in raw}
    # the metrics are carried as derived (nothing re-analysed): the same values
    for name in ("derived/recording_metrics.csv", "derived/outcome_timeline.csv"):
        assert after[name] == before[name]
    assert (
        json.loads(after["fhir/bundle.json"])["entry"]
        == json.loads(before["fhir/bundle.json"])["entry"]
    )
    with target_uow:
        assigned = target_uow.patients.clinicians(course.patient_id)
        imported = target_uow.audit.find(action="patient.import")
    assert len(assigned) == 1
    assert [e.patient_id for e in imported] == [course.patient_id]
    # the same archive again: the patient is there already
    with pytest.raises(Conflict, match="--new-id"):
        patient_data.import_patient(target_uow, SYSTEM, target_settings, first)


def test_import_under_a_new_id_renames_every_id(
    course: Course,
    tmp_path: Path,
) -> None:
    uow = course.uow
    clinician = course.clinician
    settings = course.settings
    out = tmp_path / "a.zip"
    patient_data.export_patient(uow, clinician, settings, course.patient_id, out)
    result = patient_data.import_patient(uow, SYSTEM, settings, out, fresh_id=True)
    assert result.patient_id != course.patient_id
    assert result.recordings_added == 0  # content-addressed: the files are there already
    assert result.recordings_present == 2
    copy = tmp_path / "copy.zip"
    patient_data.export_patient(uow, SYSTEM, settings, result.patient_id, copy)
    members = _members(copy)
    text = b"".join(v for k, v in members.items() if k.startswith("record/"))
    assert course.patient_id.encode() not in text
    old_ids = {
        row["id"]
        for name, content in _members(out).items()
        if name.startswith("record/")
        for row in json.loads(content)
        if "id" in row
    }
    assert old_ids
    assert not [i for i in old_ids if i.encode() in text]  # also inside documents and keys
    sessions_before = json.loads(_members(out)["record/sessions.json"])
    sessions_after = json.loads(members["record/sessions.json"])
    assert {s["id"] for s in sessions_before}.isdisjoint(s["id"] for s in sessions_after)

    def documents(rows: list[dict[str, Any]]) -> list[Any]:
        return [
            r["document"] for r in sorted(rows, key=lambda r: (r["session_date"], r["position"]))
        ]

    assert documents(sessions_after) == documents(sessions_before)


def _rewrite(source: Path, target: Path, change: dict[str, bytes | None]) -> None:
    """A copy of the zip with members replaced, added, or left out (None); manifest untouched."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            content = change.get(name, zin.read(name))
            if content is not None:
                zout.writestr(name, content)
        for name, content in change.items():
            if name not in zin.namelist() and content is not None:
                zout.writestr(name, content)


def _tables_count(uow: UnitOfWork) -> int:
    with uow:
        return int(
            uow.connection.execute(sa.select(sa.func.count()).select_from(t.patients)).scalar_one()
        )


def test_a_tampered_or_partial_archive_is_refused_and_leaves_nothing(
    course: Course,
    fresh_clinic: tuple[UnitOfWork, ServiceSettings],
    tmp_path: Path,
) -> None:
    uow = course.uow
    clinician = course.clinician
    settings = course.settings
    good = tmp_path / "good.zip"
    patient_data.export_patient(uow, clinician, settings, course.patient_id, good)
    members = _members(good)
    recording = next(n for n in members if n.startswith("recordings/"))
    sessions_doc = json.loads(members["record/sessions.json"])
    sessions_doc[0]["document"]["pain_after"] = 0
    tampered_recording = bytearray(members[recording])
    tampered_recording[len(tampered_recording) // 2] ^= 0xFF
    cases: dict[str, tuple[dict[str, bytes | None], str]] = {
        "edited.zip": ({"record/sessions.json": json.dumps(sessions_doc).encode()},
                       "record/sessions.json: .*damaged or altered"),
        "flipped.zip": ({recording: bytes(tampered_recording)}, f"{recording}: checksum"),
        "missing.zip": ({"record/alerts.json": None}, "record/alerts.json: listed in the manifest"),
        "extra.zip": ({"record/smuggled.json": b"[]"}, "record/smuggled.json: in the archive but not"),
        "no-manifest.zip": ({"manifest.json": None}, "no manifest.json"),
    }  # fmt: skip
    target_uow, target_settings = fresh_clinic
    for name, (change, message) in cases.items():
        bad = tmp_path / name
        _rewrite(good, bad, change)
        with pytest.raises(InputError, match=message):
            patient_data.import_patient(target_uow, SYSTEM, target_settings, bad)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match="not a readable zip archive"):
        patient_data.import_patient(target_uow, SYSTEM, target_settings, cut)
    assert _tables_count(target_uow) == 0
    stored = target_settings.recordings_dir
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()]


def test_import_is_all_or_nothing(
    course: Course,
    fresh_clinic: tuple[UnitOfWork, ServiceSettings],
    tmp_path: Path,
) -> None:
    """An archive whose checksums hold but whose last table breaks a constraint of the record:
    the rows before it and the recordings already copied are all taken back."""
    uow = course.uow
    clinician = course.clinician
    settings = course.settings
    from spinecoach.interop.archive import write_archive

    good = tmp_path / "good.zip"
    patient_data.export_patient(uow, clinician, settings, course.patient_id, good)
    members = _members(good)
    alerts = json.loads(members["record/alerts.json"])
    alerts.append({**alerts[0], "id": uuid.uuid4().hex, "severity": "catastrophic"})
    members["record/alerts.json"] = json.dumps(alerts).encode()
    with open_archive(good) as archive:
        manifest = archive.manifest
    broken = tmp_path / "broken.zip"
    write_archive(
        broken, [(n, c) for n, c in members.items() if n != "manifest.json"],
        patient_id=manifest.patient_id, exported_at=manifest.exported_at,
        exported_by=manifest.exported_by, spinecoach_version=manifest.spinecoach_version,
        record_schema=manifest.record_schema,
    )  # fmt: skip
    target_uow, target_settings = fresh_clinic
    with pytest.raises(InputError, match="nothing imported"):
        patient_data.import_patient(target_uow, SYSTEM, target_settings, broken)
    assert _tables_count(target_uow) == 0
    files = [p for p in target_settings.recordings_dir.rglob("*") if p.is_file()]
    assert files == []


# --- erasure and the legal hold --------------------------------------------------------------


def _text_columns() -> list[sa.Column[Any]]:
    return [
        c
        for table in metadata.sorted_tables
        for c in table.c
        if isinstance(c.type, sa.String | sa.Text | sa.JSON) or c.type.__class__.__name__ == "JSON"
    ]


def _found_in_database(uow: UnitOfWork, needles: list[str]) -> list[str]:
    found = []
    with uow:
        for column in _text_columns():
            for needle in needles:
                query = (
                    sa.select(sa.func.count())
                    .select_from(column.table)
                    .where(sa.cast(column, sa.Text).contains(needle, autoescape=True))
                )
                if uow.connection.execute(query).scalar_one():
                    found.append(f"{column.table.name}.{column.name} holds {needle!r}")
    return found


def _found_in_files(folders: list[Path], needles: list[str]) -> list[str]:
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file():
                continue
            content = path.read_bytes()
            for needle in needles:
                if needle in path.name or needle.encode() in content:
                    found.append(f"{path} holds {needle!r}")
    return found


def _database_files(uow: UnitOfWork) -> list[Path]:
    url = uow.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        return []
    return list(Path(url.database).parent.glob(Path(url.database).name + "*"))


def test_erasure_leaves_nothing_of_the_patient_and_the_audit_records_it(
    course: Course,
    tmp_path: Path,
) -> None:
    uow = course.uow
    clinician = course.clinician
    settings = course.settings
    _import_odi(course)
    needles = [course.patient_id, NAME, USERNAME, course.account_id]
    assert list((settings.data_dir / "imports" / course.patient_id).glob("*.json"))
    assert _found_in_database(uow, needles)  # the search finds what is there
    assert _found_in_files([settings.data_dir], [course.patient_id])
    with uow:
        before = {row.action for row in uow.audit.find(patient_id=course.patient_id, limit=1000)}
    with pytest.raises(InputError, match="confirm"):
        patient_data.erase_patient(uow, clinician, settings, course.patient_id, confirm="yes")
    result = patient_data.erase_patient(
        uow, clinician, settings, course.patient_id, confirm=course.patient_id, now=LATER
    )
    assert result.rows["patients"] == 1
    assert result.rows["users"] == 1
    assert result.rows["auth_sessions"] == 1
    assert result.rows["access_tokens"] == 1
    assert result.rows["recording_jobs"] == 2
    assert result.files >= 5  # exercise recording, journal files, finished.jsonl, devices.json
    assert result.database_compacted
    assert _found_in_database(uow, needles) == []
    assert _found_in_files([settings.data_dir, *(_database_files(uow))], needles) == []
    assert not (settings.data_dir / "imports" / course.patient_id).exists()
    # the other patient's rows and the recording file they share stay
    assert course.shared_file.is_file()
    with uow:
        assert uow.patients.get(course.other_id) is not None
        assert uow.recordings.for_patient(course.other_id)
    assert "someone-else" in (settings.data_dir / "live" / "finished.jsonl").read_text()
    devices = json.loads((settings.data_dir / "live" / "devices.json").read_text())["devices"]
    assert [d["device"] for d in devices] == ["device-2"]  # the patient's device token is gone
    assert not course.journal.exists()
    # the audit keeps that it happened, when, by whom, under a reference that names no one
    with uow:
        trail = uow.audit.find(patient_id=result.reference, limit=1000)
    erasure = [e for e in trail if e.action == "patient.erase"]
    assert [(e.username, e.action_code, e.recorded_at, e.object_id) for e in erasure] == [
        ("dr_a", "D", LATER, result.reference)
    ]
    assert {e.action for e in trail} == before | {"patient.erase"}
    by_patient = [e for e in trail if e.role == "patient"]
    assert by_patient
    assert all(e.username == ERASED_USERNAME and e.remote_addr is None for e in by_patient)
    assert result.audit_events == len(trail) - 1
    with pytest.raises(NotFound):
        patient_data.export_patient(uow, clinician, settings, course.patient_id, tmp_path / "x")


def test_a_legal_hold_refuses_erasure_until_released(
    other_clinician: Actor,
    admin: Actor,
    course: Course,
) -> None:
    uow = course.uow
    clinician = course.clinician
    settings = course.settings
    pid = course.patient_id
    patient = Actor(course.account_id, USERNAME, frozenset({Role.PATIENT}), pid)
    with pytest.raises(Forbidden):
        patient_data.place_hold(uow, patient, pid, "wants to keep it")
    with pytest.raises(NotFound):
        patient_data.place_hold(uow, other_clinician, pid, "not theirs")
    with pytest.raises(InputError, match="reason"):
        patient_data.place_hold(uow, admin, pid, "   ")
    hold = patient_data.place_hold(uow, admin, pid, "claim 2026-17 pending", now=LATER)
    assert (hold.reason, hold.placed_by) == ("claim 2026-17 pending", admin.user_id)
    assert patient_data.get_hold(uow, clinician, pid) == hold
    with pytest.raises(Conflict, match="legal hold"):
        patient_data.erase_patient(uow, clinician, settings, pid, confirm=pid)
    with pytest.raises(Conflict, match="legal hold"):
        patient_data.erase_patient(uow, SYSTEM, settings, pid, confirm=pid)
    with uow:
        assert uow.patients.get(pid) is not None
        assert len(uow.sessions.for_patient(pid)) == 3
        refused = uow.audit.find(patient_id=pid, action="patient.erase")
    assert {e.outcome for e in refused} == {"refused"}
    assert all(f.is_file() for f in (course.journal, course.shared_file))
    assert patient_data.release_hold(uow, clinician, pid, now=LATER)
    assert not patient_data.release_hold(uow, clinician, pid)
    assert patient_data.get_hold(uow, clinician, pid) is None
    with uow:
        actions = [e.action for e in uow.audit.find(patient_id=pid, limit=1000)]
    assert {"legal_hold.place", "legal_hold.release"} <= set(actions)
    erased = patient_data.erase_patient(uow, admin, settings, pid, confirm=pid)
    assert erased.rows["patients"] == 1
    assert _found_in_database(uow, [pid, NAME]) == []
