"""Write output files all-or-nothing, with one-line errors that name the option.

A file is written beside its destination under a temporary name and renamed into place
only when complete, so an interrupted or failed write never leaves a half-written file
under the name the user asked for, and never clobbers an earlier good one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from spinecoach.errors import InputError

__all__ = ["atomic_output", "write_text_output"]


@contextmanager
def atomic_output(path: str | Path, option: str) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix); rename it into place on success.

    ``OSError`` while writing or renaming becomes an :class:`InputError` naming ``option``.
    """
    final = Path(path)
    temporary = final.with_name(f".{final.stem}.{os.getpid()}.partial{final.suffix}")
    try:
        yield temporary
        os.replace(temporary, final)
    except OSError as exc:
        reason = exc.strerror or str(exc).split("\n")[0] or type(exc).__name__
        raise InputError(f"{option} {final}: cannot write ({reason})") from None
    finally:
        with suppress(OSError):  # nothing to clean up, or the folder itself is unusable
            temporary.unlink()


def write_text_output(path: str | Path, text: str, option: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` all-or-nothing."""
    with atomic_output(path, option) as temporary:
        temporary.write_text(text, encoding="utf-8")
