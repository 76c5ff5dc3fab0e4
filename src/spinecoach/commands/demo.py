"""`spinecoach demo` (the `make run` job): walk an example patient through the whole loop.

Intake -> assessment -> prescribed program -> a simulated 12-week course of sessions, weekly
adaptation and outcomes.

The example comes from the repository's ``examples/`` when running from a checkout, or from the
copy of ``desk-worker.intake.json`` shipped inside the package otherwise.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

import spinecoach
from spinecoach.clinical import Intake, assess
from spinecoach.commands._output import printable
from spinecoach.commands.clinical import render_assessment
from spinecoach.documents import load_document, parse_document
from spinecoach.exercises import load_catalogue
from spinecoach.prescription import prescribe, render_program
from spinecoach.simulate.course import render_course, run_course

__all__ = ["DEMO_EXAMPLE", "DEMO_SEED", "demo_intake", "intake_summary", "register"]

DEMO_EXAMPLE = "desk-worker.intake.json"
DEMO_SEED = 1
"""Seed of the simulated course, so the demo prints the same course every time."""


def _checkout_examples() -> Path:
    """``examples/`` beside ``src/`` in a source checkout (may not exist when installed)."""
    return Path(spinecoach.__file__).resolve().parents[2] / "examples"


def demo_intake(path: Path | None = None) -> tuple[Intake, str]:
    """The intake to walk through and where it came from."""
    if path is not None:
        return load_document(path, Intake), str(path)
    checkout = _checkout_examples() / DEMO_EXAMPLE
    if checkout.is_file():
        return load_document(checkout, Intake), str(checkout)
    shipped = resources.files("spinecoach.clinical").joinpath("examples", DEMO_EXAMPLE)
    raw = json.loads(shipped.read_text(encoding="utf-8"))
    return parse_document(raw, Intake, where=DEMO_EXAMPLE), f"package copy of {DEMO_EXAMPLE}"


def intake_summary(intake: Intake) -> str:
    """What the clinic recorded, in a few lines."""
    p = intake.patient
    q = intake.questionnaires
    filled = [name for name, value in q.model_dump().items() if value not in (None, [])]
    tested = intake.movement_tests.tested()
    holds = {k: v for k, v in intake.endurance.model_dump().items() if v is not None}
    return "\n".join(
        [
            f"Patient {p.id}: {p.age} y, {p.sex}, {p.occupation}; activities: "
            f"{', '.join(p.activities) or 'none'}",
            f"Time: {p.minutes_per_session} min x {p.sessions_per_week} per week; equipment: "
            f"{', '.join(p.equipment) or 'none'}",
            f"Goals: {'; '.join(p.goals) or 'none stated'}",
            f"Questionnaires: {', '.join(filled) or 'none'}",
            "Red flags: not screened"
            if intake.red_flags is None
            else f"Red flags reported: {', '.join(intake.red_flags) or 'none'}",
            f"Movement tests: {len(tested)} directions; endurance tests: {len(holds)}",
        ]
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        intake: Annotated[
            Path | None, typer.Option(help="intake document to walk through instead")
        ] = None,
        weeks: Annotated[int, typer.Option(min=1, max=52, help="weeks of simulated course")] = 12,
        seed: Annotated[int, typer.Option(min=0, help="seed of the simulated course")] = DEMO_SEED,
    ) -> None:
        """Walk an example patient through intake, assessment, program and a simulated course."""
        value, origin = demo_intake(intake)
        console = Console(highlight=False, soft_wrap=True)
        console.rule("[bold]1. Intake")
        console.print(printable(f"(from {origin})\n"), markup=False)
        console.print(printable(intake_summary(value)), markup=False)
        console.print()
        console.rule("[bold]2. Assessment")
        assessment = assess(value)
        console.print(printable(render_assessment(assessment)), markup=False)
        console.print()
        console.rule("[bold]3. Program")
        catalogue = load_catalogue()
        program = prescribe(assessment, value.patient, catalogue)
        console.print(printable(render_program(program, catalogue)), markup=False)
        console.print()
        console.rule(f"[bold]4. A simulated {weeks}-week course")
        course = run_course(value, weeks=weeks, seed=seed, catalogue=catalogue)
        console.print(printable(render_course(course)), markup=False)
