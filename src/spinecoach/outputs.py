"""Write output files all-or-nothing, with one-line errors that name the option.

A file is written beside its destination under a temporary name and renamed into place
only when complete, so an interrupted or failed write never leaves a half-written file
under the name the user asked for, and never clobbers an earlier good one.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from spinecoach.errors import InputError

__all__ = ["RECORDING_SUFFIXES", "atomic_output", "check_outputs", "write_text_output"]

RECORDING_SUFFIXES = (".csv", ".parquet")
"""What a recording may be written as; anything else would be written as CSV under a false name."""


def _same(a: Path, b: Path) -> bool:
    """True when two paths name one file (existing or not yet)."""
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def check_outputs(
    inputs: Mapping[str, Path | None],
    outputs: Mapping[str, Path | None],
    *,
    csv_only: Collection[str] = (),
    recording: Collection[str] = (),
) -> None:
    """Refuse, before any work, an output that would overwrite an input or another output, or
    whose suffix promises a format the command does not write. Keys are the option names."""
    given_out = [(o, p) for o, p in outputs.items() if p is not None]
    for option, path in given_out:
        for source, original in inputs.items():
            if original is not None and _same(path, original):
                raise InputError(
                    f"{option} {path} is the same file as {source}; it would overwrite the "
                    "input: choose another name"
                )
        suffix = path.suffix.lower()
        if option in csv_only and suffix != ".csv":
            raise InputError(f"{option} {path}: this file is written as CSV; name it .csv")
        if option in recording and suffix not in RECORDING_SUFFIXES:
            raise InputError(
                f"{option} {path}: a recording is written as .csv or .parquet; name it so"
            )
    for i, (option, path) in enumerate(given_out):
        for other, second in given_out[i + 1 :]:
            if _same(path, second):
                raise InputError(f"{option} and {other} name the same file {path}")


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
