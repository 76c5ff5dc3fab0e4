"""Shared CLI plumbing: JSON-or-text output and the common ``--json/--text`` option."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from spinecoach.documents import dump_json

__all__ = ["JsonOption", "emit", "wants_json"]

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
    return not sys.stdout.isatty()


def emit(
    payload: BaseModel | dict[str, Any] | list[Any],
    text: Callable[[], str] | None,
    json_flag: bool | None,
) -> None:
    """Print ``payload`` as JSON, or the readable rendering ``text()`` on a terminal."""
    if text is None or wants_json(json_flag):
        sys.stdout.write(dump_json(payload) + "\n")
    else:
        sys.stdout.write(text().rstrip("\n") + "\n")
