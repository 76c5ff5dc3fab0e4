"""Where a cohort's results go while it runs, and how they become the output tables.

Every finished job is written at once to its own small Arrow IPC file (a *part*) in a hidden
folder beside the output (``.FEATURES.parquet.parts/``), under a temporary name renamed into
place when complete: a run killed at any moment leaves only whole parts, and nothing of it is
held in memory. The same rows go at once, a bounded number at a time, into the output tables
(temporary files beside them), after the rows of the previous output and of a killed run's
parts that are still current; at the end of the run the tables are closed and renamed into
place, each all-or-nothing (nothing is read back), and the parts are removed. A re-run reads
the keys (recording, content checksum, analysis version) of the previous output and of any
parts left by a killed run, and skips what they already hold.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyarrow import ipc

from spinecoach.batch.features import (
    DAY_INPUTS,
    FAILURE_SCHEMA,
    FEATURE_SCHEMA,
    RESULT_SCHEMA,
    daily_features,
)
from spinecoach.errors import InputError
from spinecoach.outputs import atomic_output

__all__ = [
    "PART_SUFFIX",
    "ROW_GROUP_ROWS",
    "Done",
    "Journal",
    "Key",
    "OutputBusyError",
    "OutputLock",
    "OutputTables",
    "OutputWriter",
    "done_keys",
    "result_table",
    "write_outputs",
]

PART_SUFFIX = ".arrow"
"""A journal part's file name ends so (an Arrow IPC file)."""

ROW_GROUP_ROWS = 4096
"""Rows gathered before a row group is written: the most the writer holds at once."""

Key = tuple[str, str, str]
"""(recording, checksum, analysis_version): a result is current while all three match."""

_KEY_COLUMNS = ["recording", "checksum", "analysis_version"]


@dataclass(frozen=True)
class OutputTables:
    """The three tables a cohort run writes."""

    features: Path
    failures: Path
    days: Path

    @classmethod
    def beside(cls, out: Path) -> OutputTables:
        """``FEATURES.parquet`` -> ``FEATURES.failures.parquet`` and ``FEATURES.days.parquet``."""
        stem = out.name.removesuffix(".parquet")
        return cls(
            out, out.with_name(f"{stem}.failures.parquet"), out.with_name(f"{stem}.days.parquet")
        )


class OutputBusyError(InputError):
    """Another run is writing the same output tables."""


class OutputLock:
    """One run at a time per output: an exclusive lock on ``.NAME.lock`` beside the output.

    Two runs on the same output would interleave their journal parts and replace each other's
    tables. The lock is the operating system's (``flock``, which Linux also honours across
    machines on NFS), so it goes with the process that held it, ``kill -9`` included: a killed
    run never leaves a stale lock behind. The file itself stays (removing it would let two
    later runs lock two different files); it holds who locked it last, for the message.
    Re-entrant within a process (the command takes it before starting workers, the run again).
    """

    _held: ClassVar[dict[Path, list[int]]] = {}
    """Lock path -> [file descriptor, times entered] for the locks this process holds."""
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out.with_name(f".{out.name}.lock").resolve()

    def __enter__(self) -> OutputLock:
        import fcntl

        with self._guard:
            if self.path in self._held:
                self._held[self.path][1] += 1
                return self
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.pread(fd, 200, 0).decode("utf-8", errors="replace").strip()
                os.close(fd)
                raise OutputBusyError(
                    f"--out {self.out}: another run is writing it"
                    f" ({holder or 'unknown process'}); wait for it to finish, or stop it, "
                    "then run again (it resumes)"
                ) from None
            since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {since}".encode(), 0)
            self._held[self.path] = [fd, 1]
        return self

    def __exit__(self, *exc: object) -> None:
        with self._guard:
            held = self._held[self.path]
            held[1] -= 1
            if held[1] == 0:
                del self._held[self.path]
                os.close(held[0])  # releases the lock


class Journal:
    """The parts of a run that has not finished, in ``.NAME.parts/`` beside the output."""

    def __init__(self, out: Path) -> None:
        self.folder = out.with_name(f".{out.name}.parts")
        self._serial = count()

    def write(self, rows: pa.Table | list[dict[str, Any]]) -> None:
        """Write one finished job's result rows as a part, all-or-nothing.

        A part is an Arrow IPC file: read back only by a resumed run, it is written in a
        quarter of the time a Parquet file takes (bench/cohort.py), on the driver, while the
        workers wait for nothing else.
        """
        table = rows if isinstance(rows, pa.Table) else result_table(rows)
        if table.num_rows == 0:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{next(self._serial):07d}{PART_SUFFIX}"
        stamp = f"{time.time_ns():020d}"  # parts sort in the order written
        with (
            atomic_output(self.folder / f"{stamp}-{name}", "--out") as partial,
            pa.OSFile(str(partial), "wb") as sink,
            ipc.new_file(sink, table.schema) as out,
        ):
            out.write_table(table)

    def parts(self) -> list[Path]:
        """Complete parts, oldest first (temporary files of a killed write are not parts);
        Parquet parts are those of a run killed under an earlier version."""
        if not self.folder.is_dir():
            return []
        return sorted(
            p
            for p in self.folder.iterdir()
            if p.suffix in (PART_SUFFIX, ".parquet") and not p.name.startswith(".")
        )

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def result_table(rows: list[dict[str, Any]]) -> pa.Table:
    """A task's result rows as a table of :data:`RESULT_SCHEMA` (other keys left out)."""
    return pa.Table.from_pylist(rows, schema=RESULT_SCHEMA)


@dataclass
class Done:
    """The recordings analysed successfully by earlier runs."""

    keys: set[Key] = field(default_factory=set)
    versions: set[tuple[str, str]] = field(default_factory=set)
    """(recording, analysis version) pairs done: only for these is a checksum worth taking."""
    checksums: dict[tuple[str, int, int, str], str] = field(default_factory=dict)
    """(recording, size, modification time, analysis version) -> checksum: the checksum of a
    file not touched since, without reading it again (as rsync and make trust them)."""


def done_keys(sources: list[Path]) -> Done:
    """What ``sources`` (a previous output and the parts of a killed run) hold already."""
    done = Done()
    for source in sources:
        for batch in _batches(source, [*_KEY_COLUMNS, "size_bytes", "modified_ns", "status"]):
            columns = batch.to_pydict()
            statuses = columns.get("status") or ["ok"] * batch.num_rows
            for rec, digest, version, size, modified, status in zip(
                columns["recording"],
                columns["checksum"],
                columns["analysis_version"],
                columns["size_bytes"],
                columns["modified_ns"],
                statuses,
                strict=True,
            ):
                if status == "ok":
                    done.keys.add((rec, digest, version))
                    done.versions.add((rec, version))
                    done.checksums[(rec, size, modified, version)] = digest
    return done


def _batches(path: Path, columns: list[str]) -> Iterator[pa.RecordBatch]:
    """Record batches of the columns present in ``path`` (Parquet, or an Arrow IPC journal
    part); nothing when it is unreadable."""
    try:
        if path.suffix == PART_SUFFIX:
            with pa.memory_map(str(path)) as source:
                table = ipc.open_file(source).read_all()
            present = [c for c in columns if c in table.column_names]
            yield from table.select(present).to_batches(max_chunksize=ROW_GROUP_ROWS)
            return
        pf = pq.ParquetFile(path)
        present = [c for c in columns if c in pf.schema_arrow.names]
        yield from pf.iter_batches(batch_size=ROW_GROUP_ROWS, columns=present)
    except (OSError, pa.ArrowException):
        return  # a damaged file holds nothing we trust: its recordings are analysed again


class _Writer:
    """A Parquet file written one row group at a time, from at most ROW_GROUP_ROWS rows."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.schema = schema
        self._writer = pq.ParquetWriter(path, schema)
        self._pending: list[pa.Table] = []
        self._rows = 0
        self.written = 0

    def add(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        table = table.select(self.schema.names)
        if not table.schema.equals(self.schema):  # casting even to the same types copies
            table = table.cast(self.schema)
        self._pending.append(table)
        self._rows += table.num_rows
        if self._rows >= ROW_GROUP_ROWS:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.concat_tables(self._pending))
            self.written += self._rows
            self._pending, self._rows = [], 0

    def close(self) -> None:
        self.flush()
        self._writer.close()


class OutputWriter:
    """The features and failures tables, written while a run goes on; in place at the end.

    Rows are added as results arrive (and from earlier runs' sources, :meth:`carry`), a row
    group at a time, into temporary files beside the outputs, so the end of a run only closes
    them: nothing is read back. Leaving the ``with`` block without an error renames both into
    place and writes the days table; with an error, the earlier outputs stay as they were.
    """

    def __init__(self, tables: OutputTables) -> None:
        self.tables = tables
        self._stack = ExitStack()
        self._features: _Writer | None = None
        self._failures: _Writer | None = None

    def __enter__(self) -> OutputWriter:
        self._remove_stale()
        with ExitStack() as stack:
            features = stack.enter_context(atomic_output(self.tables.features, "--out"))
            failures = stack.enter_context(atomic_output(self.tables.failures, "--out (failures)"))
            self._features = _Writer(features, FEATURE_SCHEMA)
            stack.callback(self._features.close)
            self._failures = _Writer(failures, FAILURE_SCHEMA)
            stack.callback(self._failures.close)
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        # closes the writers, then renames the files into place (or, on an error, removes them)
        self._stack.__exit__(kind, error, trace)
        if kind is None:
            _write_days(self.tables)

    def _remove_stale(self) -> None:
        """Remove the temporary tables a killed run left (the caller holds the output's lock,
        so no other run is writing them)."""
        for table in (self.tables.features, self.tables.failures, self.tables.days):
            stale = re.compile(rf"^\.{re.escape(table.stem)}\.\d+\.partial\.parquet$")
            for path in table.parent.glob(f".{table.stem}.*.partial.parquet"):
                if stale.match(path.name):
                    path.unlink(missing_ok=True)

    @property
    def written(self) -> tuple[int, int]:
        """Feature rows and failure rows written so far."""
        return (
            self._features.written if self._features else 0,
            self._failures.written if self._failures else 0,
        )

    def add(self, table: pa.Table) -> None:
        """Result rows (:data:`RESULT_SCHEMA`): the fine ones to features, the others to
        failures."""
        if self._features is None or self._failures is None:
            raise RuntimeError("OutputWriter: use it in a with block")
        if "status" not in table.column_names:  # a previous output: only features
            self._features.add(table)
            return
        ok = pc.equal(table.column("status"), "ok")
        fine = pc.sum(ok).as_py() or 0
        if fine == table.num_rows:  # the usual task: no filtering (a copy of every column)
            self._features.add(table)
        elif fine == 0:
            self._failures.add(table)
        else:
            self._features.add(table.filter(ok))
            self._failures.add(table.filter(pc.invert(ok)))

    def carry(self, sources: list[Path], current: Mapping[str, tuple[str, str]]) -> None:
        """Stream the current rows of ``sources`` (oldest first) into the tables.

        ``current``: recording -> (checksum, analysis version) of the recordings to carry; a
        row counts only when its key matches, and of several rows for one recording the last
        source wins (a failure retried successfully, a recording changed since).
        """
        winner: dict[str, int] = {}
        for index, source in enumerate(sources):
            for batch in _batches(source, _KEY_COLUMNS):
                columns = batch.to_pydict()
                for rec, digest, version in zip(
                    columns["recording"],
                    columns["checksum"],
                    columns["analysis_version"],
                    strict=True,
                ):
                    if current.get(rec) == (digest, version):
                        winner[rec] = index
        if not winner:
            return
        for index, source in enumerate(sources):
            if index not in winner.values():
                continue
            for batch in _batches(source, RESULT_SCHEMA.names):
                table = pa.Table.from_batches([batch])
                recordings = table.column("recording").to_pylist()
                self.add(table.filter(pa.array([winner.get(r) == index for r in recordings])))


def write_outputs(
    tables: OutputTables,
    sources: list[Path],
    current: Mapping[str, tuple[str, str]],
) -> tuple[int, int]:
    """Stream the current rows of ``sources`` (oldest first) into the output tables (see
    :meth:`OutputWriter.carry`). Returns the number of feature rows and of failure rows."""
    with OutputWriter(tables) as output:
        output.carry(sources, current)
    return output.written


def _write_days(tables: OutputTables) -> None:
    """The per-day table, from the features just written."""
    days = daily_features(pq.read_table(tables.features, columns=DAY_INPUTS))
    with atomic_output(tables.days, "--out (days)") as partial:
        pq.write_table(days, partial)
