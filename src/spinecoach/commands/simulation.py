"""`spinecoach simulate ...`: the group that synthetic-data commands attach to.

Other command modules add their subcommands to :data:`simulate_app` (``course``, ``recording``,
``device``).
"""

from __future__ import annotations

import typer

__all__ = ["register", "simulate_app"]

simulate_app = typer.Typer(
    help="Synthetic patients, courses and IMU recordings with ground truth.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(simulate_app, name="simulate")
