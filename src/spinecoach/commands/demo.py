"""`spinecoach demo`: placeholder walk-through until the clinical parts arrive."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def demo() -> None:
        """Walk an example patient from intake to assessment."""
        typer.echo("spinecoach demo")

    @app.command()
    def version() -> None:
        """Print the spinecoach version."""
        from spinecoach import __version__

        typer.echo(__version__)
