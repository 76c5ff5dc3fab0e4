"""Start-up: each command imports only what it needs (an import check, not a timing).

Every case runs in a fresh interpreter, since the test process has long imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "pandas", "scipy", "pyarrow", "rich.console")

_PROBE = """
import json, sys
from spinecoach.cli import main
code = main(sys.argv[1:])
sys.stderr.flush()
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.__stderr__)
"""


def _imported(*argv: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=False
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    return set(report["modules"])


def test_version_imports_no_numeric_or_table_library() -> None:
    modules = _imported("version")
    assert not modules & set(HEAVY)


def test_score_imports_no_numeric_or_table_library() -> None:
    modules = _imported("score", "odi", "2", "3", "1", "2", "2", "1", "3", "2", "0", "1", "--json")
    assert not modules & set(HEAVY)


@pytest.mark.parametrize("command", ["assess", "prescribe"])
def test_assess_and_prescribe_import_no_numeric_or_table_library(command: str) -> None:
    intake = ROOT / "examples" / "desk-worker.intake.json"
    modules = _imported(command, str(intake), "--json")
    assert not modules & set(HEAVY)


def test_json_documents_and_the_cached_catalogue_need_no_yaml_parser() -> None:
    from spinecoach.exercises import load_catalogue

    load_catalogue()  # writes the catalogue cache when it is missing or stale
    intake = ROOT / "examples" / "desk-worker.intake.json"
    for argv in (
        ("score", "odi", "2", "3", "1", "2", "2", "1", "3", "2", "0", "1", "--json"),
        ("assess", str(intake), "--json"),
        ("prescribe", str(intake), "--json"),
    ):
        assert "yaml" not in _imported(*argv), argv[0]


def test_help_still_lists_every_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "spinecoach.cli", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    for command in ("score", "assess", "prescribe", "sensors", "simulate", "version", "demo"):
        assert f"  {command} " in done.stdout


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_sensors_analyze_imports_neither_scipy_nor_pandas(tmp_path: Path, suffix: str) -> None:
    from spinecoach.sensors.files import write_recording
    from spinecoach.simulate.recording import simulate_recording

    path = tmp_path / f"minute{suffix}"
    write_recording(simulate_recording("day", seconds=60.0, seed=3).recording, path)
    modules = _imported("sensors", "analyze", str(path), "--json")
    assert not modules & {"pandas", "scipy"}
    assert "vqf" in modules
