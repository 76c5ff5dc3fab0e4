"""Durable append of a live stream's raw samples, finished as a canonical recording (Parquet).

While a stream runs its samples go to ``<session>.partial.arrows`` (an Arrow IPC stream, one
record batch per block holding one column of fixed-size rows: the canonical columns' float64
values as received, so a block is written with a couple of calls rather than one per column)
beside a ``<session>.json`` describing it. Durability rule: each block is written and flushed
to the operating system before it is analysed or acknowledged, so what a gateway has seen
acknowledged survives a dropped connection or a killed server process (the block being
written when the process dies is lost whole, never half); it is synced to disk when the
recording is finished (not per block: a power cut may lose the last seconds). Finishing
syncs the stream and copies it into ``<session>.parquet`` (canonical columns, row groups as
``sensors.files`` writes them), which ``spinecoach sensors analyze`` reads; the same values, to
the bit. After a crash, :func:`recover_journal` keeps every whole block and finishes the file
the same way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from spinecoach.sensors.files import CHUNK_ROWS
from spinecoach.sensors.recording import FloatArray, Recording, sensor_columns

__all__ = ["JournalInfo", "RecordingJournal", "recover_journal", "unfinished_journals"]

PARTIAL = ".partial.arrows"
ROWS = "rows"
"""The one column of a partial stream: fixed-size lists, one per sample, canonical column order."""
END_OF_STREAM = b"\xff\xff\xff\xff\x00\x00\x00\x00"
"""The Arrow IPC stream's end marker (what ``RecordBatchStreamWriter.close`` writes)."""
HEADS_KEPT = 64
"""Message heads kept, by row count (a gateway sends blocks of one or two sizes)."""


@dataclass(frozen=True)
class JournalInfo:
    """Who a stream belongs to and what it declared (the ``<session>.json`` beside it)."""

    session_id: str
    patient_id: str
    device_id: str
    rate_hz: float
    sensors: tuple[str, ...]
    magnetometer: bool
    started_at: str


def _schema(info: JournalInfo) -> pa.Schema:
    """The canonical recording's columns (what the Parquet file holds)."""
    cols = ["t"]
    for name in info.sensors:
        quantities = ("acc", "gyr", "mag") if info.magnetometer else ("acc", "gyr")
        for q in quantities:
            cols += sensor_columns(name, q)
    return pa.schema([(c, pa.float64()) for c in cols])


def _partial_schema(canonical: pa.Schema) -> pa.Schema:
    """One column of fixed-size rows; the canonical names ride along in the metadata."""
    row = pa.list_(pa.float64(), len(canonical.names))
    return pa.schema([(ROWS, row)], metadata={b"columns": json.dumps(canonical.names).encode()})


def _canonical(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A partial stream's batch as canonical columns (older partial files already are)."""
    if batch.schema.names != [ROWS]:
        return batch
    names = json.loads(batch.schema.metadata[b"columns"])
    rows = batch.column(0)
    values = rows.flatten().to_numpy().reshape(len(rows), len(names))
    return pa.record_batch([pa.array(values[:, i]) for i in range(len(names))], names=names)


class RecordingJournal:
    """An open recording of one live session: :meth:`append` blocks, then :meth:`close`."""

    def __init__(self, folder: Path, info: JournalInfo) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.info = info
        self.partial = folder / f"{info.session_id}{PARTIAL}"
        self.final = folder / f"{info.session_id}.parquet"
        meta = folder / f"{info.session_id}.json"
        tmp = meta.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(info)), encoding="utf-8")
        os.replace(tmp, meta)
        self.schema = _schema(info)
        self._rows_schema = _partial_schema(self.schema)
        self._row_type = self._rows_schema.field(ROWS).type
        self._fh = self.partial.open("xb")
        self._fh.write(self._rows_schema.serialize())  # the stream's first message
        self._fh.flush()
        self._heads: dict[int, bytes] = {}
        self.samples = 0
        self.closed = False

    def append(self, block: Recording) -> None:
        """Write one block and flush it to the operating system (see the durability rule).

        The bytes are those of Arrow's stream writer (tested): a record batch message is its
        head (length prefix and metadata, the same for every block of as many rows) and the
        values themselves, so the head pyarrow made for the first block of a size is kept
        and each block is one write of head and values."""
        parts = [block.t[:, None]]
        for name in self.info.sensors:
            s = block.sensors[name]
            parts += [s.acc, s.gyr] if s.mag is None else [s.acc, s.gyr, s.mag]
        values = np.concatenate(parts, axis=1)  # (rows, columns), canonical order
        if values.shape[1] != len(self.schema.names):
            raise ValueError(
                f"block has {values.shape[1]} columns, the recording {len(self.schema)}"
            )
        data = values.tobytes()
        head = self._heads.get(len(values))
        self._fh.write(head + data if head is not None else self._message(values, data))
        self._fh.flush()
        self.samples += len(block)

    def _message(self, values: FloatArray, data: bytes) -> bytes:
        """The record batch message of ``values`` as pyarrow writes it; keeps its head when
        the message is that head followed by ``data`` (the values, no padding)."""
        rows = pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), type=self._row_type)
        message: bytes = pa.record_batch([rows], schema=self._rows_schema).serialize().to_pybytes()
        if message.endswith(data) and len(self._heads) < HEADS_KEPT:
            self._heads[len(values)] = message[: len(message) - len(data)]
        return message

    def close(self) -> Path | None:
        """Sync and finish as Parquet; None (and no file) when it holds no rows."""
        if self.closed:
            return self.final if self.final.exists() else None
        self.closed = True
        self._fh.write(END_OF_STREAM)
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        if self.samples == 0:
            self.partial.unlink(missing_ok=True)
            self.partial.with_name(f"{self.info.session_id}.json").unlink(missing_ok=True)
            return None
        return _finish(self.partial, self.final)


def _batches(partial: Path) -> Iterator[pa.RecordBatch]:
    """The whole batches of a stream file; a half-written last one (a crash) is left out."""
    with pa.OSFile(str(partial), "rb") as source:
        try:
            reader = pa.ipc.open_stream(source)
        except (pa.ArrowInvalid, OSError):
            return
        while True:
            try:
                yield reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, OSError):
                return


def _finish(partial: Path, final: Path) -> Path | None:
    """Copy the stream's batches into a Parquet file in row groups of ``CHUNK_ROWS``."""
    tmp = final.with_name(final.name + ".tmp")
    writer: pq.ParquetWriter | None = None
    pending: list[pa.RecordBatch] = []
    rows = 0

    def flush() -> None:
        nonlocal pending, rows
        if pending and writer is not None:
            writer.write_table(pa.Table.from_batches(pending), row_group_size=CHUNK_ROWS)
        pending, rows = [], 0

    for stored in _batches(partial):
        batch = _canonical(stored)
        if writer is None:
            writer = pq.ParquetWriter(tmp, batch.schema)
        pending.append(batch)
        rows += batch.num_rows
        if rows >= CHUNK_ROWS:
            flush()
    flush()
    if writer is None:
        partial.unlink(missing_ok=True)
        return None
    writer.close()
    os.replace(tmp, final)
    partial.unlink()
    return final


def unfinished_journals(data_dir: Path) -> list[Path]:
    """Partial recordings left by a process that stopped without finishing them."""
    return sorted(data_dir.glob(f"*/*{PARTIAL}"))


def recover_journal(partial: Path) -> tuple[JournalInfo, Path | None]:
    """Finish a partial recording from its whole blocks; None when there are none."""
    session_id = partial.name.removesuffix(PARTIAL)
    meta = partial.with_name(f"{session_id}.json")
    raw = json.loads(meta.read_text(encoding="utf-8"))
    info = JournalInfo(**{**raw, "sensors": tuple(raw["sensors"])})
    final = _finish(partial, partial.with_name(f"{session_id}.parquet"))
    if final is None:
        meta.unlink(missing_ok=True)
    return info, final
