"""Raw files kept as they came: written whole and fsynced under a temporary name, hashed on the
way, then renamed to their content address, so a crash leaves either nothing or the whole file.

Uploads (recordings, questionnaire responses) and recordings brought in from an archive all
land through here before anything reads them.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["CHUNK_BYTES", "Spooled", "chunks_of", "place", "spooled"]

CHUNK_BYTES = 1024 * 1024
"""Files are read and written a megabyte at a time: memory stays flat with the file's size."""


@dataclass(frozen=True)
class Spooled:
    """A file written whole and fsynced under a temporary name, with its SHA-256 and size."""

    path: Path
    sha256: str
    size: int


def chunks_of(source: IO[bytes] | bytes) -> Iterable[bytes]:
    """The content of ``source`` a chunk at a time (bytes are one chunk)."""
    if isinstance(source, bytes):
        return [source]
    return iter(lambda: source.read(CHUNK_BYTES), b"")


@contextmanager
def spooled(
    chunks: Iterable[bytes],
    spool: Path,
    *,
    limit: int | None = None,
    too_large: Callable[[int], Exception] | None = None,
) -> Iterator[Spooled]:
    """Write ``chunks`` to a new file in ``spool`` (fsynced), hashing them on the way.

    Past ``limit`` bytes the writing stops with ``too_large(limit)``. The temporary file is
    removed when the block ends unless :func:`place` moved it to its address.
    """
    spool.mkdir(parents=True, exist_ok=True)
    partial = spool / f"{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if limit is not None and size > limit:
                    raise (too_large or _too_large)(limit)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        yield Spooled(partial, digest.hexdigest(), size)
    finally:
        partial.unlink(missing_ok=True)


def place(file: Spooled, final: Path) -> bool:
    """Move a spooled file to ``final`` (atomic rename); False when a file is there already
    (content-addressed: the same content), and the spooled copy is then dropped."""
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        return False
    os.replace(file.path, final)
    return True


def _too_large(limit: int) -> Exception:
    return ValueError(f"larger than the limit of {limit} bytes")
