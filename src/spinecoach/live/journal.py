"""Durable append of a live stream's raw samples to a canonical recording file (CSV).

While a stream runs its samples go to ``<session>.partial.csv`` beside a ``<session>.json``
describing it; each block is one write followed by a flush, so a dropped connection or a killed
process loses at most the block being written. Values are written as Python's shortest
round-trip text of the floats received. On finishing, the file is synced and renamed to
``<session>.csv``: a canonical recording that ``spinecoach sensors analyze`` reads. After a
crash, :func:`recover_journal` cuts a half-written last line and finishes the file the same way.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from spinecoach.sensors.recording import Recording, sensor_columns

__all__ = ["JournalInfo", "RecordingJournal", "recover_journal", "unfinished_journals"]

PARTIAL = ".partial.csv"


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


def _columns(info: JournalInfo) -> list[str]:
    cols = ["t"]
    for name in info.sensors:
        quantities = ("acc", "gyr", "mag") if info.magnetometer else ("acc", "gyr")
        for q in quantities:
            cols += sensor_columns(name, q)
    return cols


class RecordingJournal:
    """An open recording file of one live session; :meth:`append` blocks, then :meth:`close`."""

    def __init__(self, folder: Path, info: JournalInfo) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.info = info
        self.partial = folder / f"{info.session_id}{PARTIAL}"
        self.final = folder / f"{info.session_id}.csv"
        meta = folder / f"{info.session_id}.json"
        tmp = meta.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(info)), encoding="utf-8")
        os.replace(tmp, meta)
        self.columns = _columns(info)
        self._fh = self.partial.open("x", encoding="utf-8", newline="")
        self._fh.write(",".join(self.columns) + "\n")
        self._fh.flush()
        self.samples = 0

    def append(self, block: Recording) -> None:
        """Write one block's rows and flush them to the operating system."""
        cols = block.columns()
        table = np.column_stack([cols[c] for c in self.columns])
        text = "".join(",".join(map(repr, row)) + "\n" for row in table.tolist())
        self._fh.write(text)
        self._fh.flush()
        self.samples += len(block)

    def close(self) -> Path | None:
        """Sync and rename to the finished recording; None (and no file) when it holds no rows."""
        if self._fh.closed:
            return self.final if self.final.exists() else None
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        if self.samples == 0:
            self.partial.unlink(missing_ok=True)
            self.partial.with_name(f"{self.info.session_id}.json").unlink(missing_ok=True)
            return None
        os.replace(self.partial, self.final)
        return self.final


def unfinished_journals(data_dir: Path) -> list[Path]:
    """Partial recordings left by a process that stopped without finishing them."""
    return sorted(data_dir.glob(f"*/*{PARTIAL}"))


def recover_journal(partial: Path) -> tuple[JournalInfo, Path | None]:
    """Finish a partial recording: drop a half-written last line, rename; None when empty."""
    session_id = partial.name.removesuffix(PARTIAL)
    meta = partial.with_name(f"{session_id}.json")
    raw = json.loads(meta.read_text(encoding="utf-8"))
    info = JournalInfo(**{**raw, "sensors": tuple(raw["sensors"])})
    data = partial.read_bytes()
    end = data.rfind(b"\n") + 1
    header_end = data.find(b"\n") + 1
    if end < len(data):
        with partial.open("r+b") as fh:
            fh.truncate(end)
    if end <= header_end:
        partial.unlink()
        meta.unlink(missing_ok=True)
        return info, None
    final = partial.with_name(f"{session_id}.csv")
    os.replace(partial, final)
    return info, final
