"""`spinecoach users create|list|assign` from the console, and the first start of `serve`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from spinecoach.cli import main
from spinecoach.services import accounts, patients
from spinecoach.services.accounts import AccessPolicy
from spinecoach.services.actors import SYSTEM
from spinecoach.store.engine import make_engine
from spinecoach.store.unit_of_work import UnitOfWork


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SPINECOACH_DATABASE_URL", raising=False)
    return tmp_path


def test_create_list_assign(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["users", "create", "boss", "--role", "admin", "--generate-password", "--json"]) == 0
    )
    created = json.loads(capsys.readouterr().out)
    assert created["roles"] == ["admin"]
    password = created["password"]  # generated, printed this once
    policy = AccessPolicy(totp_required_for=frozenset())
    engine = make_engine(f"sqlite:///{data_dir / 'spinecoach.db'}")
    session = accounts.login(UnitOfWork(engine), username="boss", password=password, policy=policy)
    assert session.account.username == "boss"

    assert main(["users", "create", "dr_x", "--role", "clinician", "--generate-password"]) == 0
    capsys.readouterr()
    assert main(["users", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [u["username"] for u in listed] == ["boss", "dr_x"]
    assert all("password" not in u for u in listed)

    patient = patients.register_patient(UnitOfWork(engine), SYSTEM, {"display_name": "Ann"})
    assert main(["users", "assign", "dr_x", patient.id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] is True
    assert main(["users", "assign", "dr_x", patient.id, "--remove", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] is True
    engine.dispose()


def test_password_from_stdin(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough passphrase\n"))
    args = ["users", "create", "dr_y", "--role", "clinician", "--password-stdin", "--json"]
    assert main(args) == 0
    assert "password" not in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "create", "x_y", "--role", "nurse", "--generate-password"], "--role 'nurse'"),
        (["users", "create", "A!", "--role", "admin", "--generate-password"], "username:"),
        (["users", "assign", "nobody", "p1"], "user 'nobody' not found"),
        (["users", "list", "--role", "nurse"], "--role 'nurse'"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    data_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
