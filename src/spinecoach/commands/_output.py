"""Shared CLI plumbing: JSON-or-text output and the common ``--json/--text`` option.

Readable text never carries terminal control codes: free text from a document (a patient id,
an activity, a goal) could otherwise move the cursor, recolour or retitle the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from spinecoach.documents import dump_json
from spinecoach.errors import InputError

__all__ = ["JsonOption", "emit", "json_from_format", "printable", "wants_json", "write_stdout"]

JsonOption = Annotated[
    bool | None,
    typer.Option(
        "--json/--text",
        help="JSON output (default when stdout is not a terminal) or readable text.",
    ),
]


def wants_json(json_flag: bool | None) -> bool:
    """JSON when asked for, or by default when stdout is not a terminal."""
    if json_flag is not None:
        return json_flag
    return sys.stdout is None or not sys.stdout.isatty()


def json_from_format(format_is_json: bool | None, json_flag: bool | None) -> bool | None:
    """Combine ``--format json|text`` with ``--json/--text``; a contradiction is an error."""
    if format_is_json is None:
        return json_flag
    if json_flag is not None and json_flag != format_is_json:
        given = "json" if format_is_json else "text"
        other = "--json" if json_flag else "--text"
        raise InputError(f"--format {given} contradicts {other}; give one of them")
    return format_is_json


def printable(text: str) -> str:
    """``text`` with control characters other than newline and tab shown as escapes."""
    return "".join(
        c if c.isprintable() or c in "\n\t" else repr(c)[1:-1].replace("'", "") for c in text
    )


def write_stdout(text: str) -> None:
    """Write to standard output, or a one-line error when it was closed."""
    if sys.stdout is None:
        raise InputError("standard output is closed; redirect it to a file or a pipe")
    sys.stdout.write(text)
    sys.stdout.flush()


def emit(
    payload: BaseModel | dict[str, Any] | list[Any],
    text: Callable[[], str] | None,
    json_flag: bool | None,
) -> None:
    """Print ``payload`` as JSON, or the readable rendering ``text()`` on a terminal."""
    if text is None or wants_json(json_flag):
        write_stdout(dump_json(payload) + "\n")  # JSON escapes control characters itself
    else:
        write_stdout(printable(text().rstrip("\n")) + "\n")
