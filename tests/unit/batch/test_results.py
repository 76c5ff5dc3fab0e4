"""The run journal and the output writer: whole parts only, the newest current row wins, and
the writer streams (what it holds does not grow with the number of rows)."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyarrow import feather

from spinecoach.batch import results
from spinecoach.batch.features import FEATURE_SCHEMA, MEASURES
from spinecoach.batch.results import (
    Journal,
    OutputTables,
    OutputWriter,
    done_keys,
    result_table,
    write_outputs,
)


def _row(recording: str, checksum: str = "c1", status: str = "ok", **values: Any) -> dict[str, Any]:
    measures = dict.fromkeys(name for name, _ in MEASURES)
    measures.update(
        duration_s=60.0,
        calibration_grade="good",
        warnings=["w"],
        hold_time_s=0.0,
        quiet_stance_s=0.0,
        samples=6000,
    )
    measures.update(values)
    return {
        "patient": recording.split("/", maxsplit=1)[0],
        "recording": recording,
        "day": dt.date(2026, 11, 2),
        "format": "canonical",
        "checksum": checksum,
        "analysis_version": "v1",
        "size_bytes": 100,
        "modified_ns": 7,
        "status": status,
        "error": None if status == "ok" else "SensorDataError",
        "reason": None if status == "ok" else "row 3 column t: 'x' is not a number",
        **(measures if status == "ok" else dict.fromkeys(measures)),
    }


def test_parts_are_whole_files_in_the_order_written(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "features.parquet")
    assert journal.parts() == []
    journal.write([_row("P1/a.csv")])
    journal.write([_row("P1/b.csv"), _row("P1/c.csv", status="failed")])
    journal.write([])
    (journal.folder / ".x.123.partial.arrow").write_bytes(b"half a write")  # a killed write
    parts = journal.parts()
    assert len(parts) == 2
    assert [feather.read_table(p).num_rows for p in parts] == [1, 2]
    assert journal.folder.name == ".features.parquet.parts"
    done = done_keys(parts)
    assert done.keys == {("P1/a.csv", "c1", "v1"), ("P1/b.csv", "c1", "v1")}
    assert done.checksums[("P1/a.csv", 100, 7, "v1")] == "c1"
    journal.clear()
    assert not journal.folder.exists()


def test_a_parquet_part_of_a_run_killed_under_an_earlier_version_still_counts(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "features.parquet")
    journal.write([_row("P1/b.csv")])
    older = journal.folder / "00000000000000000001-99-0000000.parquet"  # sorts first
    pq.write_table(result_table([_row("P1/a.csv")]), older)
    parts = journal.parts()
    assert parts[0] == older
    assert len(parts) == 2
    assert done_keys(parts).keys == {("P1/a.csv", "c1", "v1"), ("P1/b.csv", "c1", "v1")}


def test_a_damaged_part_counts_as_not_done(tmp_path: Path) -> None:
    broken = tmp_path / "0001-1-0000000.parquet"
    broken.write_bytes(b"PAR1 and then nothing")
    assert done_keys([broken]).keys == set()


def test_the_newest_current_row_wins(tmp_path: Path) -> None:
    out = tmp_path / "features.parquet"
    journal = Journal(out)
    journal.write([_row("P1/a.csv", rep_count=1), _row("P1/b.csv", status="failed")])
    journal.write([_row("P1/b.csv", rep_count=2)])  # retried, now fine
    journal.write([_row("P1/c.csv", checksum="old", rep_count=3)])  # since changed on disk
    journal.write([_row("P1/gone.csv")])  # since deleted
    journal.write([_row("P1/d.csv", status="failed")])
    current = dict.fromkeys(("P1/a.csv", "P1/b.csv", "P1/d.csv"), ("c1", "v1"))
    current["P1/c.csv"] = ("new", "v1")
    tables = OutputTables.beside(out)
    assert write_outputs(tables, journal.parts(), current) == (2, 1)
    features = pq.read_table(out)
    assert features.schema == FEATURE_SCHEMA
    assert sorted(
        zip(features["recording"].to_pylist(), features["rep_count"].to_pylist(), strict=True)
    ) == [("P1/a.csv", 1), ("P1/b.csv", 2)]
    failures = pq.read_table(tables.failures).to_pylist()
    assert [(f["recording"], f["reason"]) for f in failures] == [
        ("P1/d.csv", "row 3 column t: 'x' is not a number")
    ]
    days = pq.read_table(tables.days).to_pylist()
    assert [(d["patient"], d["recordings"], d["duration_s"]) for d in days] == [("P1", 2, 120.0)]
    # the output itself is a source for the next run
    assert write_outputs(tables, [out], current) == (2, 0)
    assert pq.read_table(out)["recording"].to_pylist() == features["recording"].to_pylist()


def _journal_of(tmp_path: Path, parts: int, rows_per_part: int) -> tuple[Journal, dict[str, Any]]:
    journal = Journal(tmp_path / "features.parquet")
    current = {}
    for p in range(parts):
        rows = [_row(f"P{p}/r{i}.parquet", rep_count=i) for i in range(rows_per_part)]
        journal.write(rows)
        current |= {r["recording"]: ("c1", "v1") for r in rows}
    return journal, current


def _peak_while_writing(tmp_path: Path, parts: int) -> tuple[int, int, int]:
    """Peak Python and Arrow memory of write_outputs over ``parts`` parts of 40 rows."""
    journal, current = _journal_of(tmp_path, parts, 40)
    arrow = pa.proxy_memory_pool(pa.default_memory_pool())
    before = pa.default_memory_pool()
    pa.set_memory_pool(arrow)
    tracemalloc.start()
    try:
        tables = OutputTables.beside(tmp_path / "features.parquet")
        sources = journal.parts()
        written, _ = write_outputs(tables, sources, current)
        python_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        pa.set_memory_pool(before)
    assert written == parts * 40
    return python_peak, arrow.max_memory(), pq.ParquetFile(tables.features).num_row_groups


def test_the_writer_streams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results, "ROW_GROUP_ROWS", 100)
    monkeypatch.setattr(results, "_write_days", lambda tables: None)  # the day table apart
    small = _peak_while_writing(tmp_path / "small", 5)  # 200 rows
    large = _peak_while_writing(tmp_path / "large", 50)  # 2000 rows
    assert large[2] == 17  # written as it goes: a row group once 100 rows (3 parts) gather
    # ten times the rows: the writer holds no more (the winner index, a few bytes per
    # recording, is all that grows; 1800 more rows held as Python or Arrow values would be
    # several MB)
    assert large[0] < small[0] + 1800 * 300
    assert large[1] < 2 * small[1]


def test_the_tables_are_written_as_results_come_and_put_in_place_at_the_end(
    tmp_path: Path,
) -> None:
    out = tmp_path / "features.parquet"
    tables = OutputTables.beside(out)
    write_outputs(tables, [], {})
    earlier = out.read_bytes()

    def interrupted() -> None:
        with OutputWriter(tables) as output:
            output.add(result_table([_row("P1/a.csv"), _row("P1/b.csv", status="failed")]))
            assert output.written == (0, 0)  # held until a row group gathers
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert out.read_bytes() == earlier  # an interrupted run leaves the earlier output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (tables.features, tables.failures, tables.days)
    )
    with OutputWriter(tables) as output:
        output.add(result_table([_row("P1/a.csv"), _row("P1/b.csv", status="failed")]))
    assert output.written == (1, 1)
    assert pq.read_table(out)["recording"].to_pylist() == ["P1/a.csv"]
    assert pq.read_table(tables.failures)["recording"].to_pylist() == ["P1/b.csv"]
    assert pq.read_table(tables.days)["recordings"].to_pylist() == [1]


def test_each_row_goes_to_its_table_whether_a_task_failed_wholly_partly_or_not_at_all(
    tmp_path: Path,
) -> None:
    tables = OutputTables.beside(tmp_path / "features.parquet")
    with OutputWriter(tables) as output:
        output.add(result_table([_row("P1/a.csv"), _row("P1/b.csv")]))  # all fine
        output.add(result_table([_row("P1/c.csv", status="failed")]))  # all failed
        output.add(result_table([_row("P1/d.csv", status="failed"), _row("P1/e.csv")]))
    assert output.written == (3, 2)
    features, failures = pq.read_table(tables.features), pq.read_table(tables.failures)
    assert features.schema == FEATURE_SCHEMA
    assert features["recording"].to_pylist() == ["P1/a.csv", "P1/b.csv", "P1/e.csv"]
    assert failures["recording"].to_pylist() == ["P1/c.csv", "P1/d.csv"]
    assert failures["error"].to_pylist() == ["SensorDataError", "SensorDataError"]


def test_temporary_tables_left_by_a_killed_run_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "features.parquet"
    tables = OutputTables.beside(out)
    left = [
        tmp_path / ".features.4242.partial.parquet",
        tmp_path / ".features.failures.4242.partial.parquet",
        tmp_path / ".features.days.4242.partial.parquet",
    ]
    others = [  # another output's, and not a temporary table at all
        tmp_path / ".features.v2.4242.partial.parquet",
        tmp_path / ".features.parquet.lock",
    ]
    for path in left + others:
        path.write_bytes(b"half a table")
    write_outputs(tables, [], {})
    assert [p.exists() for p in left + others] == [False, False, False, True, True]
