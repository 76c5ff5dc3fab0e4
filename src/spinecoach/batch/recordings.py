"""Finding a cohort's recordings in a folder: which files, whose, which day, which format.

A cohort folder holds one sub-folder per patient (``P017/...``); any depth below it is fine.
A recording directly in the cohort folder belongs to the patient named before the first ``_``
of its file name (as in Xsens DOT exports, ``yao_D4CA6EF177E4_20210830_170505.csv``). The day
is the first date written in the file name or, failing that, in its folders (``2026-11-02``
or ``20261102``); without one the day is empty. Canonical CSV and Parquet recordings and Xsens
DOT exports are recognised by their header. Xsens DOT exports come one file per sensor, named
``TAG_ADDRESS_YYYYMMDD_HHMMSS.csv`` by the app: two in the same folder with the same start
stamp, one placed on the lumbar spine and one on the sacrum, are one recording (paired sample
by sample as ``spinecoach sensors convert`` does). A file's placement is its device tag when
the tag is ``lumbar`` or ``sacrum``, else the row of ``placements.csv`` in the cohort folder
naming its tag or address. Any other export is one sensor, analysed as the lumbar sensor.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import xxhash

from spinecoach.errors import InputError
from spinecoach.sensors.files import FileFormat

__all__ = ["PLACEMENTS", "FoundRecording", "checksum", "find_recordings", "read_placements"]

SUFFIXES = (".csv", ".parquet")
SNIFF_BYTES = 4096
"""The start of a CSV file read to tell a canonical recording from a vendor export."""

PLACEMENTS = "placements.csv"
"""Optional file in the cohort folder: ``device,sensor`` rows, the device an Xsens DOT tag or
address (``D4CA6EF17860``), the sensor ``lumbar`` or ``sacrum``."""
_SENSORS = ("lumbar", "sacrum")
_XSENS_NAME = re.compile(r"^(?P<tag>[^_]+)_(?P<address>[0-9A-Fa-f]{12})_(?P<stamp>\d{8}_\d{6})$")

HASH_CHUNK_BYTES = 1 << 18
"""Bytes read at a time to hash a file: a chunk that stays in the core's cache while it is
hashed (hashing the benchmark cohort's files one after another, 256 KiB took 15-20 % less CPU
than 1 MiB or 4 MiB on the development machine; between analyses the gain is smaller)."""
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
    sacrum: str | None = None
    """For a pair of one-sensor exports: the sacrum sensor's file (``path`` is the lumbar's)."""

    @property
    def paths(self) -> tuple[str, ...]:
        """The file, or the lumbar and the sacrum file of a pair."""
        return (self.path,) if self.sacrum is None else (self.path, self.sacrum)


def find_recordings(folder: Path, exclude: Iterable[Path] = ()) -> list[FoundRecording]:
    """Every recording under ``folder`` (hidden files and folders skipped), largest first."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    root = folder.resolve()
    placements = read_placements(root / PLACEMENTS)
    skip = {str(p.resolve()) for p in exclude} | {str(root / PLACEMENTS)}
    found: list[FoundRecording] = []
    _walk(str(root), (), skip, found)
    found = _pair_exports(found, placements)
    found.sort(key=lambda f: (-f.size_bytes, f.recording))
    return found


def _walk(here: str, parts: tuple[str, ...], skip: set[str], found: list[FoundRecording]) -> None:
    """The recordings in ``here`` (``parts`` below the cohort folder) and its sub-folders, as
    :func:`os.walk` finds them (unreadable folders and links to folders are not entered), in
    plain strings: one ``stat`` a file and no path objects, so a large cohort starts sooner."""
    try:
        with os.scandir(here) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith(".") or entry.path in skip:
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            if not entry.is_symlink():
                _walk(entry.path, (*parts, name), skip, found)
        elif os.path.splitext(name)[1].lower() in SUFFIXES:
            found.append(_describe(entry, (*parts, name)))


def read_placements(path: Path) -> dict[str, str]:
    """Device tag or address (lower case) -> ``lumbar`` or ``sacrum``; empty without the file."""
    if not path.is_file():
        return {}
    placements: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = csv.DictReader(fh)
        if rows.fieldnames is None or not {"device", "sensor"} <= set(rows.fieldnames):
            raise InputError(f"{path}: needs the columns device,sensor")
        for line, row in enumerate(rows, start=2):
            device, sensor = (row["device"] or "").strip(), (row["sensor"] or "").strip().lower()
            if not device:
                raise InputError(f"{path} line {line}: device is empty")
            if sensor not in _SENSORS:
                raise InputError(f"{path} line {line}: sensor '{sensor}' is not lumbar or sacrum")
            placements[device.lower()] = sensor
    return placements


def _pair_exports(found: list[FoundRecording], placements: dict[str, str]) -> list[FoundRecording]:
    """Xsens DOT exports started together in one folder, one per placement, become one pair."""
    together: dict[tuple[str, str], dict[str, list[FoundRecording]]] = {}
    for f in found:
        name = _XSENS_NAME.match(Path(f.path).stem) if f.file_format == "xsens-dot" else None
        if name is None:
            continue
        tag, address = name["tag"].lower(), name["address"].lower()
        place = tag if tag in _SENSORS else placements.get(tag) or placements.get(address)
        if place is not None:
            group = together.setdefault((str(Path(f.path).parent), name["stamp"]), {})
            group.setdefault(place, []).append(f)
    pairs: dict[str, FoundRecording] = {}
    for group in together.values():
        lumbar, sacrum = group.get("lumbar", []), group.get("sacrum", [])
        if len(lumbar) != 1 or len(sacrum) != 1:
            continue  # none or several of one placement: each export alone
        (lower,) = sacrum
        pairs[lumbar[0].path] = replace(
            lumbar[0],
            recording=f"{lumbar[0].recording}+{Path(lower.path).name}",
            size_bytes=lumbar[0].size_bytes + lower.size_bytes,
            modified_ns=max(lumbar[0].modified_ns, lower.modified_ns),
            sacrum=lower.path,
        )
        pairs[lower.path] = pairs[lumbar[0].path]
    kept = [pairs.get(f.path, f) for f in found]
    return list({f.recording: f for f in kept}.values())


def _describe(entry: os.DirEntry[str], parts: tuple[str, ...]) -> FoundRecording:
    stat = entry.stat()
    return FoundRecording(
        path=entry.path,
        recording="/".join(parts),
        patient=parts[0] if len(parts) > 1 else os.path.splitext(parts[0])[0].split("_")[0],
        day=_day(parts),
        file_format=_sniff(entry.path),
        size_bytes=stat.st_size,
        modified_ns=stat.st_mtime_ns,
    )


def _day(parts: tuple[str, ...]) -> str | None:
    """The first valid date in the file name, then in the folders from the deepest up."""
    for part in reversed(parts):
        for match in _DATE.finditer(part):
            try:
                return dt.date(*(int(g) for g in match.groups())).isoformat()
            except ValueError:
                continue
    return None


def _sniff(path: str) -> FileFormat:
    """``xsens-dot`` for an Xsens DOT export (its ``PacketCounter`` header), else canonical."""
    if os.path.splitext(path)[1].lower() != ".csv":
        return "canonical"
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return "canonical"  # the reader will say what is wrong with it
    lines = head.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()
    if any(line.startswith("PacketCounter") for line in lines):
        return "xsens-dot"
    return "canonical"


_HASHING = threading.local()


def _hash_buffer() -> bytearray:
    """This thread's buffer for reading files to hash (a Dask worker may run several)."""
    buffer: bytearray | None = getattr(_HASHING, "buffer", None)
    if buffer is None:
        buffer = _HASHING.buffer = bytearray(HASH_CHUNK_BYTES)
    return buffer


def checksum(*paths: str | Path) -> str:
    """XXH3-128 of the files' bytes, one after the other (hex): a recording's identity across
    runs (a pair of exports: both files).

    A non-cryptographic hash is enough to tell a changed file (nobody forges recordings to
    skip their analysis), and XXH3 reads at memory speed, where SHA-256 would add a tenth to
    the analysis of every recording (bench/cohort.py). Each chunk is read into the thread's
    one buffer: new memory for every chunk (or every file) cost as much again in page faults,
    the analysis having just returned its arrays to the system.
    """
    digest = xxhash.xxh3_128()
    buffer = _hash_buffer()
    view = memoryview(buffer)
    for path in paths:
        with Path(path).open("rb", buffering=0) as fh:
            while size := fh.readinto(buffer):
                digest.update(view[:size])
    return digest.hexdigest()
