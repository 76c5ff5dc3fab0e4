"""`spinecoach outcomes TIMELINE`: change from baseline, recovery and adherence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spinecoach.commands._output import JsonOption, emit
from spinecoach.documents import load_document
from spinecoach.outcomes.timeline import Timeline, render_summary, summarize_timeline

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command()
    def outcomes(
        timeline: Annotated[Path, typer.Argument(help="timeline file (JSON or YAML)")],
        json_flag: JsonOption = None,
    ) -> None:
        """Summarise a patient's outcomes: felt vs functioned better, MCIDs, adherence."""
        summary = summarize_timeline(load_document(timeline, Timeline))
        emit(summary, lambda: render_summary(summary), json_flag)
