"""Run every benchmark of the project and build one Markdown table of the results.

Usage: ``python bench/run_all.py [--readme README.md] [--keep DIR] [--only NAME ...]``, or
``python bench/run_all.py --from DIR --readme README.md`` to build the table from rows kept by
earlier ``--keep DIR`` runs without running anything. ``--readme`` replaces what is between
the ``<!-- benchmarks: begin -->`` and ``<!-- benchmarks: end -->`` markers.

Every other ``bench/*.py`` script (not ``_private.py`` helpers) is run in turn, one at a time,
in the order of ``ORDER`` and then by name, as ``python bench/NAME.py --json ROWS.json``; its
printed output goes to ``NAME.log`` beside the rows. A script that fails, times out or writes
no rows gets a line saying so and the others still run; a script that fails after writing rows
keeps them, with a line saying the run did not finish.

The JSON contract, what each script writes to ``--json PATH``: a list of objects (or an object
with such a list under ``"rows"``), one per figure::

    {"bench": "cohort", "case": "local pool: 2 workers vs 1", "ours": 46.4,
     "unit": "recordings/s", "peer_name": "local pool, 1 worker", "peer": 26.7,
     "ratio": 1.74, "note": "speed-up; target >= 1.7 on 2 cores"}

``case`` (text) and ``ours`` (a number; text is shown as it is) are needed; ``bench`` defaults
to the script's name, ``unit``, ``peer_name`` and ``note`` to nothing, ``peer`` is the peer's
figure in the same unit measured in the same run, and ``ratio`` (ours / peer) is computed from
them when absent. Other keys are ignored; a row without ``case`` or ``ours`` becomes a line
saying what it lacks. The table gives the date, the machine's core count and its load, then
one line per row: our figure beside its peer's, and the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- benchmarks: begin -->", "<!-- benchmarks: end -->"
MACHINE = "machine.json"
"""When the kept rows were measured and the load then (for ``--from``)."""
FIELDS = ("bench", "case", "ours", "unit", "peer_name", "peer", "ratio", "note")
ORDER = ("startup", "prescribe", "sensors", "api", "pages", "cohort", "live")
"""Benches run (and listed) in this order, any others after them by name."""


def scripts(only: list[str]) -> list[Path]:
    """The bench scripts besides this one (``_private.py`` files are helpers, not benches)."""
    found = [p for p in HERE.glob("*.py") if p.name != Path(__file__).name]
    found = [p for p in found if not p.name.startswith("_") and (not only or p.stem in only)]
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(found, key=lambda p: (rank.get(p.stem, len(ORDER)), p.stem))


def run(script: Path, keep: Path, timeout_s: float) -> list[dict[str, Any]]:
    """Run one script with ``--json``; its rows, or one row saying why there are none."""
    rows_file = keep / f"{script.stem}.json"
    rows_file.unlink(missing_ok=True)
    log = keep / f"{script.stem}.log"
    print(f"running {script.name} ...", flush=True)
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        try:
            done = subprocess.run(
                [sys.executable, str(script), "--json", str(rows_file)],
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout_s,
                check=False,
                env=os.environ | {"PYTHONUNBUFFERED": "1"},  # the log follows the run
            )
            problem = f"exit code {done.returncode}" if done.returncode else None
        except subprocess.TimeoutExpired:
            problem = f"stopped after {timeout_s:.0f} s"
    print(f"  {script.name}: {time.perf_counter() - start:.0f} s; output in {log}", flush=True)
    if not rows_file.is_file():
        return [_failed(script.stem, problem or "wrote no rows (does it accept --json PATH?)")]
    rows = load_rows(rows_file, script.stem)
    if problem:
        rows.append(_failed(script.stem, f"{problem}; the rows above may be incomplete"))
    return rows


def load_rows(path: Path, bench: str) -> list[dict[str, Any]]:
    """Rows of one script in the shared form (see the module's docstring), read tolerantly:
    missing optional fields are empty, a missing ratio is computed, a bad row says why."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [_failed(bench, f"unreadable rows ({type(exc).__name__})")]
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        data = data["rows"]
    if not isinstance(data, list):
        return [_failed(bench, "rows are not a JSON list of objects")]
    if not data:
        return [_failed(bench, "wrote an empty list of rows")]
    return [_normal(row, bench, i) for i, row in enumerate(data, start=1)]


def _normal(row: Any, bench: str, number: int) -> dict[str, Any]:
    """One row with every field of ``FIELDS``; a row that cannot be shown says what it lacks."""
    if not isinstance(row, dict):
        return _failed(bench, f"row {number} is not an object")
    out = dict.fromkeys(FIELDS) | {k: row[k] for k in FIELDS if k in row}
    out["bench"] = str(out["bench"] or bench)
    missing = [k for k in ("case", "ours") if out[k] is None or out[k] == ""]
    if missing:
        return _failed(out["bench"], f"row {number} has no {' and no '.join(missing)}")
    out["ours"], out["peer"] = _number(out["ours"]), _number(out["peer"])
    if not isinstance(out["ratio"], int | float) or isinstance(out["ratio"], bool):
        ours, peer = out["ours"], out["peer"]
        numeric = all(isinstance(v, int | float) for v in (ours, peer))
        out["ratio"] = ours / peer if numeric and peer else None
    return out


def _number(value: Any) -> Any:
    """A number given as text becomes a number; anything else stays as it is."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _failed(bench: str, problem: str) -> dict[str, Any]:
    return dict.fromkeys(FIELDS) | {"bench": bench, "case": f"(no result: {problem})"}


def _figure(value: Any, unit: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, float):
        value = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{value} {unit or ''}".strip()


def table(
    rows: list[dict[str, Any]],
    when: dt.datetime,
    load: tuple[float, float],
    cores: int | None = None,
) -> str:
    """The Markdown table, with the date, core count and load of the machine."""
    cores = cores or os.cpu_count()
    loads = (
        f"load average {load[0]:.1f} at the start and {load[1]:.1f} at the end"
        if not math.isnan(load[0])
        else "load not recorded"
    )
    head = (
        f"Measured {when:%Y-%m-%d %H:%M} UTC on {cores} cores ({platform.machine()}, "
        f"Python {platform.python_version()}); {loads} (above the core count the machine was "
        "shared and the absolute figures are slow: read the ratios). Ratio = ours / peer, "
        "from the same run."
    )
    lines = [
        head,
        "",
        "| bench | case | ours | peer | ratio | note |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        peer = f"{r['peer_name']}: {_figure(r['peer'], r['unit'])}" if r.get("peer_name") else ""
        ratio = f"{r['ratio']:.2f}" if isinstance(r.get("ratio"), int | float) else ""
        ratio = "" if ratio in {"nan", "inf", "-inf"} else ratio
        cells = [r["bench"], r["case"], _figure(r["ours"], r["unit"]), peer, ratio, r["note"] or ""]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def into_readme(readme: Path, text: str) -> None:
    """Replace what is between the benchmark markers of ``readme`` with ``text``."""
    content = readme.read_text(encoding="utf-8")
    if BEGIN not in content or END not in content or content.index(BEGIN) > content.index(END):
        raise SystemExit(f"error: {readme}: no {BEGIN} ... {END} markers")
    before, rest = content.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    readme.write_text(f"{before}{BEGIN}\n{text}{END}{after}", encoding="utf-8")


def _machine(source: Path) -> dict[str, Any]:
    """When and under what load kept rows were measured; for rows kept by a run that did not
    finish, the time of the newest rows file and the load is unknown (NaN)."""
    path = source / MACHINE
    if path.is_file():
        machine: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return machine
    newest = max((p.stat().st_mtime for p in source.glob("*.json")), default=time.time())
    when = dt.datetime.fromtimestamp(newest, dt.UTC).isoformat()
    return {"when": when, "load_start": float("nan"), "load_end": float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, help="put the table into this README")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--keep", type=Path, help="keep each script's rows and log here")
    parser.add_argument("--from", dest="source", type=Path, help="rows kept earlier: no runs")
    parser.add_argument("--only", nargs="*", default=[], help="script names, e.g. cohort")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per script")
    args = parser.parse_args()

    if args.source:
        if not args.source.is_dir():
            raise SystemExit(f"error: --from {args.source}: not a folder")
        rows = []
        for script in scripts(args.only):
            path = args.source / f"{script.stem}.json"
            rows += (
                load_rows(path, script.stem)
                if path.is_file()
                else [_failed(script.stem, f"not run (no {path.name} in {args.source})")]
            )
        machine = _machine(args.source)
        when = dt.datetime.fromisoformat(machine["when"])
        load = (machine["load_start"], machine["load_end"])
    else:
        keep = args.keep or Path(tempfile.mkdtemp(prefix="spinecoach-bench-"))
        keep.mkdir(parents=True, exist_ok=True)
        when, load_start = dt.datetime.now(dt.UTC), os.getloadavg()[0]
        rows = [row for script in scripts(args.only) for row in run(script, keep, args.timeout)]
        load = (load_start, os.getloadavg()[0])
        machine = {
            "when": when.isoformat(),
            "load_start": load[0],
            "load_end": load[1],
            "cores": os.cpu_count(),
        }
        (keep / MACHINE).write_text(json.dumps(machine) + "\n", encoding="utf-8")
    text = table(rows, when, load, machine.get("cores"))
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    if args.readme:
        into_readme(args.readme, text)


if __name__ == "__main__":
    main()
