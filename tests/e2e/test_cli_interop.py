"""`spinecoach report`, `export fhir` and `import fhir` end to end, on files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinecoach.cli import main
from spinecoach.interop.fhir import bundle_problems, parse_bundle
from spinecoach.interop.reports import pdf_available

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DATA = ROOT / "tests" / "unit" / "interop" / "data"
RECORD = [
    "--intake", str(EXAMPLES / "desk-worker.intake.json"),
    "--program", str(EXAMPLES / "desk-worker.program.json"),
    "--sessions", str(EXAMPLES / "desk-worker.sessions.json"),
    "--timeline", str(EXAMPLES / "desk-worker.timeline.json"),
    "--sensors", str(DATA / "desk-worker.sensors.json"),
    "--clinic", "Riverside Physiotherapy",
    "--date", "2026-03-30",
]  # fmt: skip


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("error: ")
    return captured.err


@pytest.mark.parametrize("kind", ["progress", "discharge"])
def test_report_as_html(kind: str, tmp_path: Path) -> None:
    out = tmp_path / f"{kind}.html"
    assert main(["report", *RECORD, "--kind", kind, "--format", "html", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Riverside Physiotherapy" in html
    assert ("Progress report" if kind == "progress" else "Discharge summary") in html
    assert "30 March 2026" in html
    assert "data:image/svg+xml;base64," in html


@pytest.mark.slow
def test_report_as_pdf(tmp_path: Path) -> None:
    if not pdf_available():
        pytest.skip("WeasyPrint cannot load pango: `make test` installs it with apt-get when root")
    out = tmp_path / "discharge.pdf"
    args = ["report", *RECORD[:4], "--kind", "discharge", "--out", str(out)]  # intake, program
    assert main(args) == 0
    assert out.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("kind", ["collection", "transaction"])
def test_export_fhir_writes_a_bundle_that_passes_our_checks(kind: str, tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    assert main(["export", "fhir", *RECORD, "--type", kind, "--out", str(out)]) == 0
    raw = json.loads(out.read_text(encoding="utf-8"))
    assert raw["type"] == kind
    assert parse_bundle(raw).type == kind
    assert bundle_problems(raw) == []


def test_import_fhir_prints_the_score(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "fhir", str(DATA / "odi-public-example.json"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["instrument"] == "odi"
    assert result["scores"]["odi"]["percent"] == 36.0
    assert main(["import", "fhir", str(DATA / "odi-public-example.json"), "--text"]) == 0
    assert capsys.readouterr().out.startswith("ODI 36 % (moderate)")


def test_import_of_a_bad_item_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = json.loads((DATA / "odi-public-example.json").read_text(encoding="utf-8"))
    raw["item"][4]["answer"] = [{"valueInteger": 9}]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    assert main(["import", "fhir", str(bad)]) == 2
    assert "item 'odi-5': answer 9 is outside 0-5" in _one_line_error(capsys)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "fhir", "missing.json"], "missing.json: file not found"),
        (
            ["report", *RECORD, "--kind", "weekly", "--out", "x.pdf"],
            "'weekly' is not one of",
        ),
        (
            ["report", *RECORD, "--kind", "progress", "--date", "30/03/2026", "--out", "x.pdf"],
            "--date: '30/03/2026' is not a date",
        ),
        (
            [
                "export", "fhir", "--intake", str(EXAMPLES / "desk-worker.intake.json"),
                "--program", str(EXAMPLES / "runner.program.json"), "--out", "x.json",
            ],
            "programs.0.patient_id 'runner' is not the intake's patient 'desk-worker'",
        ),
        (
            ["export", "fhir", *RECORD, "--out", "/nonexistent-folder/x.json"],
            "--out /nonexistent-folder/x.json: cannot write",
        ),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert message in _one_line_error(capsys)


def test_bad_sensor_summary_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "sensors.json"
    bad.write_text(json.dumps([{"date": "2026-01-12", "duration_s": -5}]), encoding="utf-8")
    args = [
        "export",
        "fhir",
        *RECORD[:-6],
        "--sensors",
        str(bad),
        "--out",
        str(tmp_path / "b.json"),
    ]
    assert main(args) == 2
    assert "field '0.duration_s'" in _one_line_error(capsys)
