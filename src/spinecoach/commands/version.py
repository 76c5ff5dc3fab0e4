"""`spinecoach version`: kept apart so that printing the version imports nothing heavy."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

import spinecoach

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command()
    def version(
        json_flag: Annotated[
            bool | None,
            typer.Option(
                "--json/--text",
                help="JSON output (default when stdout is not a terminal) or readable text.",
            ),
        ] = None,
    ) -> None:
        """Print the spinecoach version."""
        # the same rule as every command (commands._output.wants_json), without importing
        # pydantic and the document layer for one line
        as_json = json_flag if json_flag is not None else not sys.stdout.isatty()
        if as_json:
            typer.echo(json.dumps({"version": spinecoach.__version__}))
        else:
            typer.echo(spinecoach.__version__)
