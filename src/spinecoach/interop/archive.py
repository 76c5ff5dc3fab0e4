"""The patient's archive: one zip of files and a ``manifest.json`` with each file's size and
SHA-256, the archive's schema version, when and by whom it was exported.

Writing goes to a ``.partial`` file renamed into place at the end, so a half-written archive is
never taken for a whole one. Opening checks everything before anything is read: the zip itself,
the manifest, every listed file present with its size and checksum, and no file that the
manifest does not list. The checksums find damage and a cut-short copy; they are no signature
(whoever rewrites a file can rewrite the manifest too).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spinecoach.documents import validation_message
from spinecoach.errors import InputError

__all__ = [
    "ARCHIVE_KIND",
    "MANIFEST",
    "SCHEMA_VERSION",
    "Archive",
    "ExportedBy",
    "Manifest",
    "ManifestFile",
    "Member",
    "manifest_bytes",
    "open_archive",
    "write_archive",
]

ARCHIVE_KIND = "spinecoach.patient-archive"
SCHEMA_VERSION = 1
"""Version of the archive's layout; an archive of a newer version is refused, not guessed at."""
MANIFEST = "manifest.json"
_CHUNK = 1024 * 1024

Member = tuple[str, bytes | Path]
"""A file of the archive: its path inside the zip and its content (or a file to copy)."""


class ManifestFile(BaseModel):
    """One file of the archive."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str = Field(min_length=1, max_length=300)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class ExportedBy(BaseModel):
    """Who exported the archive (as the exporting clinic's audit trail names them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_id: str
    username: str
    role: str


class Manifest(BaseModel):
    """What the archive holds and where it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    archive: Literal["spinecoach.patient-archive"] = "spinecoach.patient-archive"
    schema_version: int = Field(ge=1)
    spinecoach_version: str
    record_schema: str | None = Field(description="database revision of the exporting clinic")
    patient_id: str = Field(min_length=1, max_length=32)
    exported_at: dt.datetime
    exported_by: ExportedBy
    notes: list[str] = Field(default_factory=list)
    files: list[ManifestFile]

    def file(self, name: str) -> ManifestFile | None:
        """The manifest's entry for ``name``, if it lists one."""
        return next((f for f in self.files if f.file == name), None)


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        bool(name)
        and not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in name
        and name == path.as_posix()
    )


def write_archive(
    out: Path,
    members: Sequence[Member],
    *,
    patient_id: str,
    exported_at: dt.datetime,
    exported_by: ExportedBy,
    spinecoach_version: str,
    record_schema: str | None,
    notes: Sequence[str] = (),
) -> Manifest:
    """Write the zip at ``out`` (replaced if present) with the manifest last; returns it."""
    names = [name for name, _ in members]
    if len(set(names)) != len(names) or MANIFEST in names:
        raise ValueError("archive members must be unique and not named manifest.json")
    for name in names:
        if not _safe(name):
            raise ValueError(f"unsafe archive path {name!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    stamp = exported_at.astimezone(dt.UTC).timetuple()[:6]
    listed: list[ManifestFile] = []
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, content in members:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                digest = hashlib.sha256()
                size = 0
                with zf.open(info, "w") as target:
                    for chunk in _chunks(content):
                        digest.update(chunk)
                        size += len(chunk)
                        target.write(chunk)
                listed.append(ManifestFile(file=name, size=size, sha256=digest.hexdigest()))
            manifest = Manifest(
                schema_version=SCHEMA_VERSION,
                spinecoach_version=spinecoach_version,
                record_schema=record_schema,
                patient_id=patient_id,
                exported_at=exported_at,
                exported_by=exported_by,
                notes=list(notes),
                files=listed,
            )
            info = zipfile.ZipInfo(MANIFEST, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, manifest.model_dump_json(indent=2) + "\n")
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _chunks(content: bytes | Path) -> Iterator[bytes]:
    if isinstance(content, bytes):
        yield content
        return
    with content.open("rb") as source:
        yield from iter(lambda: source.read(_CHUNK), b"")


class Archive:
    """An archive whose every file matched its manifest when opened (use as a context manager)."""

    def __init__(self, path: Path, zf: zipfile.ZipFile, manifest: Manifest) -> None:
        self.path = path
        self.manifest = manifest
        self._zf = zf

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._zf.close()

    def names(self, folder: str = "") -> list[str]:
        """The files listed in the manifest, under ``folder`` when given."""
        return [f.file for f in self.manifest.files if f.file.startswith(folder)]

    def read(self, name: str) -> bytes:
        """A listed file's content."""
        if self.manifest.file(name) is None:
            raise InputError(f"{name}: not in this archive")
        return self._zf.read(name)

    def read_json(self, name: str) -> Any:
        """A listed JSON file, parsed (the message names the file when it is not JSON)."""
        try:
            return json.loads(self.read(name))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{name}: not JSON ({exc})") from None

    def open(self, name: str) -> IO[bytes]:
        """A listed file as a stream (for large recordings)."""
        if self.manifest.file(name) is None:
            raise InputError(f"{name}: not in this archive")
        return self._zf.open(name)


def open_archive(path: Path) -> Archive:
    """Open and verify the archive at ``path``; InputError names the first problem found."""
    if not path.is_file():
        raise InputError(f"ARCHIVE {path}: file not found")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise InputError(
            f"ARCHIVE {path.name}: not a readable zip archive, damaged or cut short ({exc})"
        ) from None
    try:
        manifest = _manifest(zf, path)
        _verify(zf, manifest)
    except BaseException:
        zf.close()
        raise
    return Archive(path, zf, manifest)


def _manifest(zf: zipfile.ZipFile, path: Path) -> Manifest:
    try:
        raw = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise InputError(
            f"ARCHIVE {path.name}: no {MANIFEST}; not a spinecoach patient archive"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{MANIFEST}: not JSON ({exc})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise InputError(f"{MANIFEST}: damaged in the zip ({exc})") from None
    if isinstance(raw, dict) and raw.get("archive") not in (None, ARCHIVE_KIND):
        raise InputError(f"{MANIFEST}: archive {raw.get('archive')!r} is not {ARCHIVE_KIND!r}")
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise InputError(
            f"{MANIFEST}: schema_version {version} is newer than this "
            f"spinecoach reads ({SCHEMA_VERSION}); upgrade spinecoach first"
        )
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        raise InputError(validation_message(exc, MANIFEST)) from None


def _verify(zf: zipfile.ZipFile, manifest: Manifest) -> None:
    listed = [f.file for f in manifest.files]
    if len(set(listed)) != len(listed):
        raise InputError(f"{MANIFEST}: files: a file is listed twice")
    present = {i.filename: i for i in zf.infolist() if not i.is_dir()}
    for entry in manifest.files:
        if not _safe(entry.file):
            raise InputError(f"{entry.file}: not a safe path inside an archive")
        info = present.get(entry.file)
        if info is None:
            raise InputError(
                f"{entry.file}: listed in the manifest but missing from the archive "
                "(partial archive)"
            )
        if info.file_size != entry.size:
            raise InputError(
                f"{entry.file}: {info.file_size} bytes, the manifest says {entry.size} "
                "(damaged or altered)"
            )
        digest = hashlib.sha256()
        try:
            with zf.open(info) as source:
                for chunk in iter(lambda: source.read(_CHUNK), b""):
                    digest.update(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise InputError(f"{entry.file}: damaged in the zip ({exc})") from None
        if digest.hexdigest() != entry.sha256:
            raise InputError(
                f"{entry.file}: checksum does not match the manifest (damaged or altered)"
            )
    extra = sorted(set(present) - set(listed) - {MANIFEST})
    if extra:
        raise InputError(f"{extra[0]}: in the archive but not listed in the manifest")


def manifest_bytes(manifest: Manifest) -> bytes:
    """The manifest as written into an archive (for tests that rebuild one)."""
    return (manifest.model_dump_json(indent=2) + "\n").encode()
