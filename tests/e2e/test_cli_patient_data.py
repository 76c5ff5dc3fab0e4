"""`spinecoach patient export|import|hold|release|erase` from the console, on SQLite clinics
in two data folders (moving clinics)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinecoach.cli import main
from spinecoach.services import intake, patients
from spinecoach.services.actors import Actor, Role
from spinecoach.settings import ServiceSettings
from spinecoach.store.engine import make_engine
from spinecoach.store.migrate import upgrade
from spinecoach.store.unit_of_work import UnitOfWork

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if code == 0 else {"error": captured.err}


def test_moving_a_patient_between_clinics_then_erasing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = ServiceSettings(data_dir=tmp_path / "old")
    engine = make_engine(old.url)
    upgrade(engine)
    clinician = Actor("c" * 32, "dr_a", frozenset({Role.CLINICIAN}))
    patient = patients.register_patient(UnitOfWork(engine), clinician, {"display_name": "Ann"})
    document = json.loads((EXAMPLES / "desk-worker.intake.json").read_text(encoding="utf-8"))
    intake.submit_intake(UnitOfWork(engine), clinician, patient.id, document)
    engine.dispose()
    archive = tmp_path / "ann.zip"

    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(old.data_dir))
    code, exported = _run(["patient", "export", patient.id, "--out", str(archive)], capsys)
    assert code == 0, exported
    assert exported["patient_id"] == patient.id
    assert archive.is_file()

    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path / "new"))
    code, imported = _run(["patient", "import", str(archive)], capsys)
    assert code == 0, imported
    assert imported["patient_id"] == patient.id
    code, again = _run(["patient", "import", str(archive)], capsys)
    assert code == 2
    assert "--new-id" in str(again["error"])
    code, renamed = _run(["patient", "import", str(archive), "--new-id"], capsys)
    assert code == 0, renamed
    assert renamed["patient_id"] != patient.id

    code, held = _run(["patient", "hold", patient.id, "--reason", "claim 2026-17"], capsys)
    assert code == 0, held
    code, refused = _run(["patient", "erase", patient.id, "--confirm"], capsys)
    assert code == 2
    assert "legal hold" in str(refused["error"])
    code, released = _run(["patient", "release", patient.id], capsys)
    assert (code, released["released"]) == (0, True)
    code, erased = _run(["patient", "erase", patient.id, "--confirm"], capsys)
    assert code == 0, erased
    assert erased["rows"]["patients"] == 1  # type: ignore[index]
    code, gone = _run(["patient", "export", patient.id, "--out", str(tmp_path / "x.zip")], capsys)
    assert code == 2
    assert f"patient '{patient.id}' not found" in str(gone["error"])
