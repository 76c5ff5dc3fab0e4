"""The error contract, over every command: bad input gives one line on stderr starting with
``error:`` that names the field, item, option or row at fault, exit code 2, never a traceback,
never an echo of a huge value or a raw terminal control code.

Each row of :data:`CASES` is one bad input; together they cover every command and the classes
of bad input that once broke the contract (deep nesting, huge numbers, coerced types, negative
seeds, impossible lengths, unusable recordings, duplicate keys, outputs over inputs, ...).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer

from spinecoach.cli import MAX_ERROR_CHARS, _register_commands, app, main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DESK = EXAMPLES / "desk-worker.intake.json"
ODI_RESPONSE = Path(__file__).resolve().parents[1] / "unit/interop/data/odi-public-example.json"
SPINECOACH = Path(sys.executable).parent / "spinecoach"

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")  # a warning would reach stderr


@dataclass(frozen=True)
class Case:
    """One bad input: the command line (built from the prepared files) and what the error names."""

    id: str
    argv: Callable[[dict[str, Path]], list[str]]
    names: str
    env: tuple[tuple[str, str], ...] = ()
    """Environment the command reads (the clinic's settings); ``{dir}`` is the test's folder."""


def _desk(**change: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DESK.read_text())
    for dotted, value in change.items():
        *parents, last = dotted.split("__")
        target = doc
        for key in parents:
            target = target[key]
        target[last] = value
    return doc


def _xsens_rows(times: list[int]) -> list[str]:
    head = [
        "sep=,",
        "DeviceTag:,x",
        "",
        "PacketCounter,SampleTimeFine,Euler_X,Euler_Y,Euler_Z,Acc_X,Acc_Y,Acc_Z,Gyr_X,Gyr_Y,Gyr_Z",
    ]
    rows = [f"{i},{t},0,0,0,0,0,9.81,0.1,0,0" for i, t in enumerate(times)]
    return head + rows


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every bad (and a few good) input file the cases refer to, made once."""
    d = tmp_path_factory.mktemp("contract")
    f: dict[str, Path] = {"dir": d, "desk": DESK}
    # documents
    deep = "[" * 100_000 + "]" * 100_000
    f["deep_json"] = _write(d, "deep.json", '{"patient": ' + deep + "}")
    f["deep_yaml"] = _write(d, "deep.yaml", "patient: " + deep + "\n")
    f["shallow_deep"] = _write(d, "deep40.json", json.dumps({"patient": _nested(40)}))
    f["huge_int"] = _write(
        d, "huge.json", json.dumps(_desk()).replace('"age": 34', '"age": ' + "9" * 5000)
    )
    f["age_text"] = _write(d, "age.json", json.dumps(_desk(patient__age="34")))
    f["age_arabic"] = _write(d, "arabic.json", json.dumps(_desk(patient__age="٣٤")))
    f["nprs_true"] = _write(d, "nprs.json", json.dumps(_desk(questionnaires__nprs=True)))
    f["nprs_nan"] = _write(d, "nan.json", json.dumps(_desk()).replace('"nprs": 5', '"nprs": NaN'))
    f["yaml_underscore"] = _write(
        d, "under.yaml", "patient: {id: p1, age: 3_4, sex: female}\nred_flags: []\n"
    )
    f["yaml_yes"] = _write(
        d, "yes.yaml", "patient: {id: p1, age: 34, sex: female}\nfindings: {lateral_shift: yes}\n"
    )
    f["dup_json"] = _write(
        d,
        "dup.json",
        '{"patient": {"id": "p1", "age": 34, "sex": "female"}, '
        '"red_flags": ["ces_bladder"], "red_flags": []}',
    )
    f["dup_yaml"] = _write(
        d,
        "dup.yaml",
        "patient: {id: p1, age: 34, sex: female}\nred_flags: [ces_bladder]\nred_flags: []\n",
    )
    f["escape_id"] = _write(d, "escape.json", json.dumps(_desk(patient__id="p\x1b[31m")))
    f["timeline_40"] = _write(
        d,
        "t40.json",
        json.dumps(
            {
                "patient_id": "p1",
                "measurements": [{"date": "2026-01-05", "odi": 30}],
                "adherence": [
                    {
                        "week": 1,
                        "start": "2026-01-05",
                        "sessions_prescribed": 4,
                        "sessions_done": 40,
                    }
                ],
            }
        ),
    )
    sessions = json.loads((EXAMPLES / "desk-worker.sessions.json").read_text())
    three = [dict(sessions["sessions"][0], time=f"0{h}:00") for h in (7, 8, 9)]
    f["sessions_3_a_day"] = _write(d, "s3.json", json.dumps({**sessions, "sessions": three}))
    f["sessions_dup"] = _write(
        d,
        "sdup.json",
        (EXAMPLES / "desk-worker.sessions.json")
        .read_text()
        .replace('"program_version": 1', '"program_version": 1, "program_version": 1', 1),
    )
    f["overrides_bad"] = _write(d, "ov.json", '{"exclude": ["bird_dog"], "exclude": []}')
    # recordings
    f["rec"] = d / "c.csv"
    assert (
        main(
            [
                "simulate",
                "recording",
                "--out",
                str(f["rec"]),
                "--scenario",
                "standing",
                "--seconds",
                "20",
            ]
        )
        == 0
    )
    header, *rows = list(csv.reader(f["rec"].open()))
    f["reversed"] = _csv(d / "reversed.csv", header, rows[::-1])
    f["zeros"] = _csv(d / "zeros.csv", header, [[r[0]] + ["0"] * (len(r) - 1) for r in rows])
    gap = [[str(float(r[0]) + (1e9 if i >= 1000 else 0)), *r[1:]] for i, r in enumerate(rows)]
    f["gap"] = _csv(d / "gap.csv", header, gap)
    for name, text in {
        "set_negative": "sustained_min_s: -5\n",
        "set_nan": "sustained_min_s: .nan\n",
        "set_big": "lift_trunk_deg: 1000\n",
        "set_text": "sustained_min_s: '30'\n",
    }.items():
        f[name] = _write(d, f"{name}.yaml", text)
    # vendor exports
    times = [1000 + 8333 * i for i in range(300)]
    f["xsens"] = _write(d, "xsens.csv", "\n".join(_xsens_rows(times)) + "\n")
    nan_rows = _xsens_rows(times)
    nan_rows[20] = nan_rows[20].replace(",9.81,", ",nan,")
    f["xsens_nan"] = _write(d, "xnan.csv", "\n".join(nan_rows) + "\n")
    dup_rows = _xsens_rows(times)
    dup_rows.insert(30, dup_rows[29])
    f["xsens_dup"] = _write(d, "xdup.csv", "\n".join(dup_rows) + "\n")
    rev = _xsens_rows(times[::-1])
    f["xsens_rev"] = _write(d, "xrev.csv", "\n".join(rev) + "\n")
    f["xsens_cut"] = _write(d, "xcut.csv", ("\n".join(_xsens_rows(times)) + "\n")[:-12])
    return f


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def s(key: str) -> Callable[[dict[str, Path]], str]:
    return lambda f: str(f[key])


def cmd(*parts: str | Callable[[dict[str, Path]], str]) -> Callable[[dict[str, Path]], list[str]]:
    return lambda f: [p(f) if callable(p) else p for p in parts]


def out(name: str) -> Callable[[dict[str, Path]], str]:
    return lambda f: str(f["dir"] / name)


CASES: list[Case] = [
    # --- documents: nesting, huge numbers, coercion, duplicate keys -------------------------
    Case("deep JSON", cmd("assess", s("deep_json")), "nested more than 32 levels"),
    Case("deep YAML", cmd("assess", s("deep_yaml")), "nested more than 32 levels"),
    Case("40 levels", cmd("prescribe", s("shallow_deep")), "nested more than 32 levels"),
    Case("5,000-digit age", cmd("assess", s("huge_int")), "field 'patient.age'"),
    Case('"age": "34"', cmd("assess", s("age_text")), "field 'patient.age'"),
    Case("Arabic-Indic digits", cmd("prescribe", s("age_arabic")), "field 'patient.age'"),
    Case('"nprs": true', cmd("assess", s("nprs_true")), "field 'questionnaires.nprs'"),
    Case('"nprs": NaN', cmd("assess", s("nprs_nan")), "field 'questionnaires.nprs'"),
    Case("YAML 3_4", cmd("assess", s("yaml_underscore")), "field 'patient.age'"),
    Case("YAML yes", cmd("assess", s("yaml_yes")), "field 'findings.lateral_shift'"),
    Case("duplicate JSON key", cmd("prescribe", s("dup_json")), "key 'red_flags' appears twice"),
    Case("duplicate YAML key", cmd("assess", s("dup_yaml")), "key 'red_flags' appears twice"),
    Case(
        "duplicate key in a session log",
        cmd("adapt", str(EXAMPLES / "desk-worker.program.json"), s("sessions_dup")),
        "key 'program_version' appears twice",
    ),
    Case(
        "three sessions a day",
        cmd("adapt", str(EXAMPLES / "desk-worker.program.json"), s("sessions_3_a_day")),
        "more than 2 sessions on one day",
    ),
    Case(
        "duplicate key in overrides",
        cmd("prescribe", str(DESK), "--overrides", s("overrides_bad")),
        "key 'exclude' appears twice",
    ),
    Case("40 of 4 sessions", cmd("outcomes", s("timeline_40")), "sessions_done"),
    # --- command-line values ----------------------------------------------------------------
    Case("5,000-digit answer", cmd("score", "nprs", "9" * 5000), "nprs item 1"),
    Case("1_0 on the command line", cmd("score", "nprs", "1_0"), "nprs item 1: '1_0'"),
    Case("non-ASCII digit answer", cmd("score", "nprs", "٣"), "nprs item 1"),
    Case("escape code in an argument", cmd("score", "\x1b[2Jpain", "3"), "instrument"),
    Case("unknown schema", cmd("schema", "x" * 5000), "schema 'xxx"),
    Case("--equipment ''", cmd("prescribe", str(DESK), "--equipment", ""), "--equipment: empty"),
    Case(
        "--format json --text",
        cmd("prescribe", str(DESK), "--format", "json", "--text"),
        "contradicts --text",
    ),
    Case(
        "filters before show",
        cmd("catalogue", "--tag", "big3", "show", "bird_dog"),
        "filters only narrow a list",
    ),
    Case("unknown exercise", cmd("catalogue", "show", "no_such_drill"), "no_such_drill"),
    Case("empty comma item", cmd("catalogue", "list", "--tag", "big3,"), "--tag: an empty value"),
    Case("patients --seed -1", cmd("simulate", "patients", "--seed", "-1"), "--seed"),
    Case("demo --seed -1", cmd("demo", "--seed", "-1"), "--seed"),
    Case(
        "course with a bad intake",
        cmd("simulate", "course", "--intake", s("dup_json")),
        "appears twice",
    ),
    Case(
        "recording --seed -1",
        cmd("simulate", "recording", "--out", out("r.csv"), "--seed", "-1"),
        "--seed",
    ),
    *(
        Case(
            f"--seconds {v}",
            cmd(
                "simulate",
                "recording",
                "--out",
                out("r.csv"),
                "--scenario",
                "standing",
                "--seconds",
                v,
            ),
            "--seconds",
        )
        for v in ("-5", "inf", "nan", "0")
    ),
    Case(
        "--seconds with a fixed scenario",
        cmd("simulate", "recording", "--out", out("r.csv"), "--seconds", "30"),
        "--seconds applies to standing and day only",
    ),
    Case(
        "simulated --out .txt",
        cmd("simulate", "recording", "--out", out("r.txt"), "--scenario", "standing"),
        "--out",
    ),
    Case("version --bogus", cmd("version", "--bogus"), "--bogus"),
    # --- recordings -------------------------------------------------------------------------
    Case("all-zero recording", cmd("sensors", "analyze", s("zeros")), "|acc| is 0.00"),
    Case(
        "reversed recording",
        cmd("sensors", "analyze", s("reversed")),
        "row 2 column t: time goes backwards",
    ),
    Case("1e9 s gap", cmd("sensors", "analyze", s("gap")), "row 1001 column t: a gap of 1e+09 s"),
    Case(
        "setting -5",
        cmd("sensors", "analyze", s("rec"), "--settings", s("set_negative")),
        "'sustained_min_s'",
    ),
    Case(
        "setting .nan",
        cmd("sensors", "analyze", s("rec"), "--settings", s("set_nan")),
        "'sustained_min_s'",
    ),
    Case(
        "setting 1000 deg",
        cmd("sensors", "analyze", s("rec"), "--settings", s("set_big")),
        "'lift_trunk_deg'",
    ),
    Case(
        "setting '30'",
        cmd("sensors", "analyze", s("rec"), "--settings", s("set_text")),
        "'sustained_min_s'",
    ),
    Case(
        "orient --out = input",
        cmd("sensors", "orient", s("rec"), "--out", s("rec")),
        "same file as RECORDING",
    ),
    Case(
        "orient --out .parquet",
        cmd("sensors", "orient", s("rec"), "--out", out("o.parquet")),
        "written as CSV",
    ),
    Case(
        "analyze --angles-out = input",
        cmd("sensors", "analyze", s("rec"), "--angles-out", s("rec")),
        "same file as RECORDING",
    ),
    Case(
        "convert --out = --lumbar",
        cmd("sensors", "convert", "--lumbar", s("xsens"), "--out", s("xsens")),
        "same file as --lumbar",
    ),
    Case(
        "convert NaN",
        cmd("sensors", "convert", "--lumbar", s("xsens_nan"), "--out", out("n.csv")),
        "line 21 column Acc_Z",
    ),
    Case(
        "convert duplicated row",
        cmd("sensors", "convert", "--lumbar", s("xsens_dup"), "--out", out("n.csv")),
        "line 31: SampleTimeFine repeats line 30",
    ),
    Case(
        "convert reversed rows",
        cmd("sensors", "convert", "--lumbar", s("xsens_rev"), "--out", out("n.csv")),
        "line 6: SampleTimeFine goes back",
    ),
    Case(
        "convert truncated line",
        cmd("sensors", "convert", "--lumbar", s("xsens_cut"), "--out", out("n.csv")),
        "the last line is cut short",
    ),
    Case(
        "analyze --as sacrum",
        cmd("sensors", "analyze", s("xsens"), "--format", "xsens-dot", "--as", "sacrum"),
        "--as sacrum: analyze needs the lumbar sensor",
    ),
    Case(
        "--as on a canonical file",
        cmd("sensors", "orient", s("rec"), "--as", "sacrum", "--out", out("q.csv")),
        "--as applies to vendor files",
    ),
    # --- cohorts, reports and FHIR ----------------------------------------------------------
    Case("batch of a missing folder", cmd("batch", out("none"), "--out", out("f.parquet")), "DIR"),
    Case("batch --out .txt", cmd("batch", s("dir"), "--out", out("f.txt")), "--out"),
    Case(
        "report of a missing program",
        cmd(
            "report",
            "--intake",
            str(DESK),
            "--program",
            out("none.json"),
            "--kind",
            "progress",
            "--out",
            out("r.pdf"),
        ),
        "none.json: file not found",
    ),
    Case(
        "export fhir --type bogus",
        cmd(
            "export",
            "fhir",
            "--intake",
            str(DESK),
            "--program",
            str(EXAMPLES / "desk-worker.program.json"),
            "--type",
            "bogus",
            "--out",
            out("b.json"),
        ),
        "--type",
    ),
    Case("import fhir of an intake", cmd("import", "fhir", str(DESK)), "resourceType"),
    Case(
        "export fhir of an unknown patient",
        cmd("export", "fhir", "nopatient", "--out", out("p.json")),
        "patient 'nopatient' not found",
        env=(("SPINECOACH_DATA_DIR", "{dir}/clinic"),),
    ),
    Case(
        "export fhir of a patient id and files",
        cmd("export", "fhir", "nopatient", "--intake", str(DESK), "--out", out("p.json")),
        "PATIENT 'nopatient'",
    ),
    Case(
        "export fhir of neither id nor files",
        cmd("export", "fhir", "--out", out("p.json")),
        "--intake",
    ),
    Case(
        "report of an unknown patient",
        cmd("report", "nopatient", "--kind", "discharge", "--out", out("p.pdf")),
        "patient 'nopatient' not found",
        env=(("SPINECOACH_DATA_DIR", "{dir}/clinic"),),
    ),
    Case(
        "import fhir into an unknown patient",
        cmd("import", "fhir", str(ODI_RESPONSE), "--patient", "nopatient"),
        "patient 'nopatient' not found",
        env=(("SPINECOACH_DATA_DIR", "{dir}/clinic"),),
    ),
    # --- live sensors -----------------------------------------------------------------------
    Case(
        "live serve without a token file",
        cmd("live", "serve", "--data-dir", out("live"), "--token-file", out("none.json")),
        "token file not found",
    ),
    Case(
        "live pair with a bad patient id",
        cmd("live", "pair", "--token-file", out("t.json"), "--patient", "a b!", "--device", "d1"),
        "--patient 'a b!'",
    ),
    Case(
        "live revoke without a token file",
        cmd("live", "revoke", "--token-file", out("none.json"), "--device", "d1"),
        "token file not found",
    ),
    Case(
        "live pair in the clinic's record for an unknown patient",
        cmd("live", "pair", "--patient", "nobody", "--device", "phone"),
        "patient 'nobody' not found",
        env=(("SPINECOACH_DATA_DIR", "{dir}/clinic-live"),),
    ),
    Case(
        "live revoke in the clinic's record of an unknown device",
        cmd("live", "revoke", "--device", "nothing"),
        "device 'nothing' not found",
        env=(("SPINECOACH_DATA_DIR", "{dir}/clinic-live"),),
    ),
    Case(
        "simulate device of a missing recording",
        cmd("simulate", "device", out("none.csv"), "--url", "ws://127.0.0.1:9/x", "--token", "t"),
        "none.csv: file not found",
    ),
    # --- the clinic service -----------------------------------------------------------------
    Case(
        "db upgrade of an unknown database",
        cmd("db", "upgrade"),
        "not a supported database",
        env=(("SPINECOACH_DATABASE_URL", "bogus://x"),),
    ),
    Case("seed-demo --patients 0", cmd("seed-demo", "--patients", "0"), "--patients"),
    Case("backup over a folder", cmd("backup", s("dir")), "already exists"),
    Case("restore of no backup", cmd("restore", out("none")), "not a spinecoach backup"),
    Case("serve --port 99999", cmd("serve", "--port", "99999"), "--port"),
    Case("users create --role wizard", cmd("users", "create", "--role", "wizard", "bob"), "--role"),
    Case("users list --role wizard", cmd("users", "list", "--role", "wizard"), "--role"),
    Case(
        "users assign of nobody",
        cmd("users", "assign", "nobody", "nopatient"),
        "user 'nobody' not found",
        env=(("SPINECOACH_DATA_DIR", "{dir}/clinic"),),
    ),
    Case(
        "patient export to a non-zip",
        cmd("patient", "export", "nobody", "--out", out("x.json")),
        "--out x.json",
    ),
    Case(
        "patient import of no archive",
        cmd("patient", "import", out("none.zip")),
        "none.zip: file not found",
        env=(("SPINECOACH_DATA_DIR", "{dir}/clinic"),),
    ),
    Case(
        "patient erase without --confirm",
        cmd("patient", "erase", "nobody"),
        "--confirm",
    ),
    Case(
        "patient hold of nobody",
        cmd("patient", "hold", "nobody", "--reason", "claim"),
        "patient 'nobody' not found",
        env=(("SPINECOACH_DATA_DIR", "{dir}/clinic"),),
    ),
    Case(
        "patient release of nobody",
        cmd("patient", "release", "nobody"),
        "patient 'nobody' not found",
        env=(("SPINECOACH_DATA_DIR", "{dir}/clinic"),),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_naming_the_fault_exit_2(
    case: Case,
    files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in case.env:
        monkeypatch.setenv(name, value.format(dir=files["dir"]))
    code = main(case.argv(files))
    out_text, err = capsys.readouterr()
    assert code == 2, err
    assert err.startswith("error: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert "internal error" not in err
    assert case.names in err
    assert len(err) <= len("error: ") + MAX_ERROR_CHARS + 1
    assert "\x1b" not in err
    assert out_text == ""


def _command_paths(group: Any, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    paths: set[tuple[str, ...]] = set()
    for name, command in getattr(group, "commands", {}).items():
        if getattr(command, "commands", None):
            paths |= _command_paths(command, (*prefix, name))
        else:
            paths.add((*prefix, name))
    return paths


def test_the_table_covers_every_command(files: dict[str, Path]) -> None:
    _register_commands([])  # every command module, as `spinecoach --help` loads them
    commands = _command_paths(typer.main.get_command(app))
    covered = {
        tuple(a for a in c.argv(files) if not a.startswith("-"))[: len(p)]
        for c in CASES
        for p in commands
    }
    missing = {" ".join(p) for p in commands if p not in covered}
    assert not missing, f"no bad-input case for: {', '.join(sorted(missing))}"


# --- good inputs the contract once refused -------------------------------------------------------


def test_a_byte_order_mark_is_allowed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + DESK.read_bytes())
    assert main(["assess", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["patient"]["id"] == "desk-worker"


def test_comma_lists_filter_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "list", "--tag", "big3,bird_dog", "--json"]) == 0
    both = json.loads(capsys.readouterr().out)
    assert main(["catalogue", "list", "--tag", "big3", "--tag", "bird_dog", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == both
    assert both


def test_as_sacrum_names_the_sensor_of_a_vendor_file(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    target = files["dir"] / "sacrum.csv"
    argv = ["sensors", "orient", str(files["xsens"]), "--format", "xsens-dot", "--as", "sacrum"]
    assert main([*argv, "--out", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sensor"] == "sacrum"


def test_escape_codes_from_a_document_are_not_printed_raw(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["assess", str(files["escape_id"]), "--text"]) == 2  # the id has a pattern
    assert "\x1b" not in capsys.readouterr().err


def test_text_output_shows_control_codes_as_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _desk(patient__goals=["run\x1b]0;owned\x07 again"])
    path = _write(tmp_path, "goal.json", json.dumps(doc))
    assert main(["prescribe", str(path), "--text"]) == 0
    text = capsys.readouterr().out
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "run\\x1b]0;owned\\x07 again" in text


def test_version_follows_the_json_text_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version", "--json"]) == 0
    assert "version" in json.loads(capsys.readouterr().out)
    assert main(["version", "--text"]) == 0
    assert not capsys.readouterr().out.startswith("{")


# --- the process: closed stdout, broken pipe -------------------------------------------------------


def test_closed_stdout_is_a_one_line_error() -> None:
    done = subprocess.run(
        [str(SPINECOACH), "schema", "intake"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        preexec_fn=lambda: __import__("os").close(1),
    )
    assert done.returncode == 2
    assert done.stderr == "error: standard output is closed; redirect it to a file or a pipe\n"


def test_a_reader_that_stops_early_gets_no_error_message() -> None:
    proc = subprocess.Popen(
        [str(SPINECOACH), "simulate", "patients", "--count", "3000", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stdout.read(10)
    proc.stdout.close()  # like `| head -c 10`
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in {0, 1, 141}
    assert err == b""
