"""Finding a cohort's recordings in a folder: which files, whose, which day, which format.

A cohort folder holds one sub-folder per patient (``P017/...``); any depth below it is fine.
A recording directly in the cohort folder belongs to the patient named before the first ``_``
of its file name (as in Xsens DOT exports, ``yao_D4CA6EF177E4_20210830_170505.csv``). The day
is the first date written in the file name or, failing that, in its folders (``2026-11-02``
or ``20261102``); without one the day is empty. Canonical CSV and Parquet recordings and Xsens
DOT exports are recognised by their header; a lone Xsens DOT export is one sensor and is
analysed as the lumbar sensor (convert pairs first with ``spinecoach sensors convert``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import xxhash

from spinecoach.errors import InputError
from spinecoach.sensors.files import FileFormat

__all__ = ["FoundRecording", "checksum", "find_recordings"]

SUFFIXES = (".csv", ".parquet")
SNIFF_BYTES = 4096
"""The start of a CSV file read to tell a canonical recording from a vendor export."""

HASH_CHUNK_BYTES = 1 << 20
_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})-?(\d{2})-?(\d{2})(?!\d)")


@dataclass(frozen=True)
class FoundRecording:
    """One file of the cohort, as every worker will see it (the folder is shared storage)."""

    path: str
    """Absolute path."""
    recording: str
    """Path relative to the cohort folder, with ``/``: the recording's name in the tables."""
    patient: str
    day: str | None
    """ISO date from the name, or None."""
    file_format: FileFormat
    size_bytes: int
    modified_ns: int
    """Modification time: with the size, tells a file untouched since its checksum was taken."""


def find_recordings(folder: Path, exclude: Iterable[Path] = ()) -> list[FoundRecording]:
    """Every recording under ``folder`` (hidden files and folders skipped), largest first."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    root = folder.resolve()
    skip = {p.resolve() for p in exclude}
    found: list[FoundRecording] = []
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and Path(here, d) not in skip)
        for name in sorted(files):
            path = Path(here, name)
            if name.startswith(".") or path.suffix.lower() not in SUFFIXES or path in skip:
                continue
            found.append(_describe(root, path))
    found.sort(key=lambda f: (-f.size_bytes, f.recording))
    return found


def _describe(root: Path, path: Path) -> FoundRecording:
    relative = path.relative_to(root)
    parts = relative.parts
    patient = parts[0] if len(parts) > 1 else relative.stem.split("_")[0]
    stat = path.stat()
    return FoundRecording(
        path=str(path),
        recording=relative.as_posix(),
        patient=patient,
        day=_day(relative),
        file_format=_sniff(path),
        size_bytes=stat.st_size,
        modified_ns=stat.st_mtime_ns,
    )


def _day(relative: Path) -> str | None:
    """The first valid date in the file name, then in the folders from the deepest up."""
    for part in [relative.name, *reversed(relative.parts[:-1])]:
        for match in _DATE.finditer(part):
            try:
                return dt.date(*(int(g) for g in match.groups())).isoformat()
            except ValueError:
                continue
    return None


def _sniff(path: Path) -> FileFormat:
    """``xsens-dot`` for an Xsens DOT export (its ``PacketCounter`` header), else canonical."""
    if path.suffix.lower() != ".csv":
        return "canonical"
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return "canonical"  # the reader will say what is wrong with it
    lines = head.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()
    if any(line.startswith("PacketCounter") for line in lines):
        return "xsens-dot"
    return "canonical"


def checksum(path: str | Path) -> str:
    """XXH3-128 of the file's bytes (hex): a recording's identity across runs.

    A non-cryptographic hash is enough to tell a changed file (nobody forges recordings to
    skip their analysis), and XXH3 reads at memory speed, where SHA-256 would add a tenth to
    the analysis of every recording (bench/cohort.py).
    """
    digest = xxhash.xxh3_128()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
