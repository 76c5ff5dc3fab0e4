"""The clinic's commands on a real data folder: db upgrade, seed-demo, backup and restore."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from spinecoach.cli import main
from spinecoach.services import recordings, sessions
from spinecoach.services.actors import Actor
from spinecoach.services.alerts import ALERT_KINDS
from spinecoach.settings import ServiceSettings
from spinecoach.store.engine import make_engine
from spinecoach.store.unit_of_work import UnitOfWork

from .loop import START, exercise_id, on_program, sessions_of


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object], str]:
    code = main([*args, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else {}), err


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "clinic"
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(folder))
    monkeypatch.delenv("SPINECOACH_DATABASE_URL", raising=False)
    return folder


def test_db_upgrade_creates_the_sqlite_file_and_is_repeatable(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, first, _ = _run(["db", "upgrade"], capsys)
    assert code == 0
    assert (data_dir / "spinecoach.db").is_file()
    code, again, _ = _run(["db", "upgrade"], capsys)
    assert code == 0
    assert again["revision"] == first["revision"]


def test_bad_setting_is_one_line_naming_it(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPINECOACH_APPROVAL_MODE", "whenever")
    code, _, err = _run(["db", "upgrade"], capsys)
    assert code == 2
    assert "approval_mode" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_seed_demo_fills_a_clinic_with_every_alert_kind(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, err = _run(
        ["seed-demo", "--patients", "6", "--weeks", "4", "--workers", "1"], capsys
    )
    assert code == 0, err
    assert report["patients"] == 6
    assert set(report["alerts"]) == set(ALERT_KINDS)  # type: ignore[arg-type]
    assert report["skipped"] == []
    code, _, err = _run(["seed-demo", "--patients", "1"], capsys)
    assert code == 2
    assert "already holds patients" in err


def test_backup_and_restore_round_trip_with_checksums(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    clinician: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _run(["db", "upgrade"], capsys)[0] == 0
    settings = ServiceSettings(data_dir=data_dir)
    engine = make_engine(settings.url)
    uow = UnitOfWork(engine)
    patient_id, _ = on_program(uow, clinician)
    s = sessions.log_session(uow, clinician, patient_id, sessions_of()[0], now=START)
    raw = b"t,lumbar_acc_x\n0,1\n"
    recordings.upload_recording(
        uow, clinician, settings, patient_id, raw, filename="a.csv",
        session_id=s.id, exercise_id=exercise_id(), now=START,
    )  # fmt: skip
    out = tmp_path / "backup-1"
    code, _, err = _run(["backup", str(out)], capsys)
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    paths = {f["path"] for f in manifest["files"]}
    assert "spinecoach.db" in paths
    assert any(p.startswith("recordings/") for p in paths)
    assert _run(["backup", str(out)], capsys)[0] == 2  # never over an existing backup

    # a damaged backup is refused before anything is replaced, naming the file
    damaged = tmp_path / "damaged"
    shutil.copytree(out, damaged)
    victim = next(p for p in damaged.rglob("*.csv"))
    victim.write_bytes(b"tampered")
    code, _, err = _run(["restore", str(damaged), "--force"], capsys)
    assert code == 2
    assert victim.name in err

    # restore into a fresh data folder: the same patients, the same raw files
    elsewhere = tmp_path / "restored"
    shutil.rmtree(elsewhere, ignore_errors=True)
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(elsewhere))
    code, _, err = _run(["restore", str(out)], capsys)
    assert code == 0, err
    assert _run(["restore", str(out)], capsys)[0] == 2  # an existing database needs --force
    restored = make_engine(ServiceSettings(data_dir=elsewhere).url)
    with restored.connect() as c:
        ids = [r[0] for r in c.execute(sa.text("SELECT id FROM patients"))]
    assert ids == [patient_id]
    copied = sorted(p.name for p in (elsewhere / "recordings").rglob("*.csv"))
    assert copied == sorted(p.name for p in settings.recordings_dir.rglob("*.csv"))
    engine.dispose()
    restored.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://nobody:secret@127.0.0.1:1/x", "cannot connect"),
        ("nosuchdb://x", "not a supported database"),
    ],
)
def test_an_unusable_database_url_is_one_line_without_the_password(
    url: str,
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPINECOACH_DATABASE_URL", url)
    code, _, err = _run(["db", "upgrade"], capsys)
    assert code == 2
    assert expected in err
    assert "database_url" in err
    assert "secret" not in err
    assert len(err.strip().splitlines()) == 1


def test_backup_of_postgresql_points_to_pg_dump(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPINECOACH_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:5432/x")
    code, _, err = _run(["backup", str(tmp_path / "b")], capsys)
    assert code == 2
    assert "pg_dump" in err
