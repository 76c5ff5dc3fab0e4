"""`spinecoach version`: kept apart so that printing the version imports nothing heavy."""

from __future__ import annotations

import typer

import spinecoach

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command()
    def version() -> None:
        """Print the spinecoach version."""
        typer.echo(spinecoach.__version__)
