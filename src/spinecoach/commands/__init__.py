"""CLI command groups; each module registers its commands on the Typer app in ``cli.py``."""
