"""Backup and restore of an embedded (SQLite) clinic: the database, the raw recordings, a manifest.

The database is copied with SQLite's online backup API (consistent while the service runs); the
recordings folder is copied file by file; ``manifest.json`` lists every file with its size and
SHA-256, and restore verifies all of them before it replaces anything. A PostgreSQL clinic is
backed up with ``pg_dump`` (see the README) plus this command's ``--recordings-only``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from spinecoach.errors import InputError

__all__ = ["MANIFEST", "backup", "restore", "verify"]

MANIFEST = "manifest.json"
DATABASE = "spinecoach.db"
FORMAT = 1


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise InputError("database_url: an in-memory database cannot be backed up")
    return Path(parsed.database)


def backup(
    url: str, recordings_dir: Path, out: Path, *, recordings_only: bool = False
) -> dict[str, Any]:
    """Write a backup folder ``out`` (must not exist); returns the manifest."""
    if out.exists():
        raise InputError(f"OUT {out}: already exists; give a new folder")
    database = _sqlite_file(url)
    if database is None and not recordings_only:
        raise InputError(
            "database_url: PostgreSQL is backed up with pg_dump (see README, section clinic); "
            "add --recordings-only to back up the recordings folder"
        )
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        if database is not None and not recordings_only:
            if not database.is_file():
                raise InputError(f"database {database}: not found; nothing to back up")
            source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
            target = sqlite3.connect(partial / DATABASE)
            try:
                with target:
                    source.backup(target)
            finally:
                source.close()
                target.close()
        if recordings_dir.is_dir():
            for path in sorted(recordings_dir.rglob("*")):
                if path.is_file() and path.parent.name != "incoming":
                    dest = partial / "recordings" / path.relative_to(recordings_dir)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, dest)
        files = [
            {
                "path": p.relative_to(partial).as_posix(),
                "bytes": p.stat().st_size,
                "sha256": _sha256(p),
            }
            for p in sorted(partial.rglob("*"))
            if p.is_file()
        ]
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "database": "sqlite" if database is not None and not recordings_only else None,
            "files": files,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def verify(folder: Path) -> dict[str, Any]:
    """The backup's manifest after checking every file's size and checksum (InputError names the
    first file that is missing or damaged)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"BACKUP {folder}: no {MANIFEST}; not a spinecoach backup") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"BACKUP {folder / MANIFEST}: malformed JSON ({exc.msg})") from None
    if manifest.get("format") != FORMAT:
        raise InputError(f"{MANIFEST}: format {manifest.get('format')!r} is not {FORMAT}")
    for entry in manifest.get("files", []):
        path = folder / entry["path"]
        if not path.is_file():
            raise InputError(f"{entry['path']}: listed in the manifest but missing")
        if path.stat().st_size != entry["bytes"] or _sha256(path) != entry["sha256"]:
            raise InputError(f"{entry['path']}: checksum does not match the manifest (damaged)")
    return dict(manifest)


def restore(folder: Path, url: str, recordings_dir: Path, *, force: bool = False) -> dict[str, Any]:
    """Put a verified backup in place: the SQLite database (replaced only with ``force`` when one
    exists) and the recordings (missing files added; content-addressed, so never overwritten)."""
    manifest = verify(folder)
    if manifest.get("database") == "sqlite":
        database = _sqlite_file(url)
        if database is None:
            raise InputError(
                "database_url: this backup holds a SQLite database; restore it to a SQLite URL"
            )
        if database.exists() and not force:
            raise InputError(f"database {database}: exists; add --force to replace it")
        database.parent.mkdir(parents=True, exist_ok=True)
        staged = database.with_name(database.name + ".restoring")
        shutil.copy2(folder / DATABASE, staged)
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.replace(staged, database)
    for entry in manifest["files"]:
        if entry["path"].startswith("recordings/"):
            dest = recordings_dir / Path(entry["path"]).relative_to("recordings")
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(folder / entry["path"], dest)
    return manifest
