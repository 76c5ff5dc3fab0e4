"""bench/run_all.py: one table from every bench, robust to a bench that fails or writes rows
that are incomplete, and the README filled between its markers."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.fixture(scope="module")
def run_all() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_all", BENCH / "run_all.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_all"] = module
    spec.loader.exec_module(module)
    return module


def _rows(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_rows_are_read_tolerantly(run_all: ModuleType, tmp_path: Path) -> None:
    rows = run_all.load_rows(
        _rows(
            tmp_path,
            {
                "rows": [
                    {"case": "a", "ours": 2.0, "peer": 4.0, "unit": "s", "extra": 1},
                    {"case": "b", "ours": "3", "peer": "6", "ratio": None},
                    {"case": "c", "ours": 1.0, "ratio": 9.9, "bench": "other"},
                    {"ours": 1.0},
                    "not a row",
                ]
            },
        ),
        "x",
    )
    assert [set(r) for r in rows] == [set(run_all.FIELDS)] * 5
    a, b, c, no_case, junk = rows
    assert (a["bench"], a["ratio"], a["note"], "extra" in a) == ("x", 0.5, None, False)
    assert (b["ours"], b["ratio"]) == (3.0, 0.5)
    assert (c["bench"], c["ratio"]) == ("other", 9.9)
    assert no_case["case"] == "(no result: row 4 has no case)"
    assert junk["case"] == "(no result: row 5 is not an object)"


@pytest.mark.parametrize(
    ("text", "case"),
    [
        ("{not json", "(no result: unreadable rows (JSONDecodeError))"),
        ('{"a": 1}', "(no result: rows are not a JSON list of objects)"),
        ("[]", "(no result: wrote an empty list of rows)"),
    ],
)
def test_unusable_rows_say_why(run_all: ModuleType, tmp_path: Path, text: str, case: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    assert [r["case"] for r in run_all.load_rows(path, "x")] == [case]


def _script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(
        "import json, sys, time\nfrom pathlib import Path\nout = Path(sys.argv[2])\n" + body,
        encoding="utf-8",
    )
    return path


def test_a_failing_bench_is_a_row_and_the_others_still_count(
    run_all: ModuleType, tmp_path: Path
) -> None:
    keep = tmp_path / "keep"
    keep.mkdir()
    row = {"case": "fine", "ours": 1.0, "peer": 2.0}
    fine = _script(tmp_path, "fine", f"out.write_text(json.dumps([{row!r}]))\n")
    crash = _script(tmp_path, "crash", "raise SystemExit(3)\n")
    partial = _script(tmp_path, "partial", f"out.write_text(json.dumps([{row!r}]))\nsys.exit(1)\n")
    slow = _script(tmp_path, "slow", "time.sleep(30)\n")

    assert [r["ratio"] for r in run_all.run(fine, keep, 60)] == [0.5]
    assert [r["case"] for r in run_all.run(crash, keep, 60)] == ["(no result: exit code 3)"]
    cases = [r["case"] for r in run_all.run(partial, keep, 60)]
    assert cases == ["fine", "(no result: exit code 1; the rows above may be incomplete)"]
    assert [r["case"] for r in run_all.run(slow, keep, 1)] == ["(no result: stopped after 1 s)"]
    assert (keep / "crash.log").is_file()


def test_the_table_and_the_readme_markers(run_all: ModuleType, tmp_path: Path) -> None:
    rows = [
        run_all._normal(
            {"case": "a|b", "ours": 1234.5, "unit": "ms", "peer_name": "p", "peer": 2.0}, "x", 1
        ),
        run_all._failed("y", "exit code 1"),
    ]
    text = run_all.table(rows, dt.datetime(2026, 11, 30, 5, 0, tzinfo=dt.UTC), (0.5, 0.7), 2)
    assert text.startswith("Measured 2026-11-30 05:00 UTC on 2 cores")
    assert "| x | a/b | 1,234 ms | p: 2 ms | 617.25 |  |" in text
    assert "| y | (no result: exit code 1) |  |  |  |  |" in text

    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{run_all.BEGIN}\nold\n{run_all.END}\nafter\n", encoding="utf-8")
    run_all.into_readme(readme, text)
    assert readme.read_text(encoding="utf-8") == (
        f"before\n{run_all.BEGIN}\n{text}{run_all.END}\nafter\n"
    )
    readme.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="no <!-- benchmarks: begin -->"):
        run_all.into_readme(readme, text)


def test_every_bench_script_keeps_the_json_contract(run_all: ModuleType) -> None:
    """Each bench accepts --json and writes rows with the keys the table reads."""
    names = [p.stem for p in run_all.scripts([])]
    assert names[: len(run_all.ORDER)] == [n for n in run_all.ORDER if n in names]
    for script in run_all.scripts([]):
        source = script.read_text(encoding="utf-8")
        assert '"--json"' in source, script.name
        for key in ("case", "ours"):
            assert f'"{key}"' in source, f"{script.name} writes no {key!r}"
