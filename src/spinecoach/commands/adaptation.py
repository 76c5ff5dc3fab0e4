"""`spinecoach adapt PROGRAM SESSIONS` and `spinecoach simulate course`.

``adapt`` reads a program and the session log done on it and prints the next program version
with every change and its reasons. ``simulate course`` runs a synthetic patient through weeks
of prescribe -> sessions -> adapt and prints (or writes) the whole course.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spinecoach.commands._output import JsonOption, emit
from spinecoach.commands.simulation import simulate_app
from spinecoach.documents import dump_json, load_document
from spinecoach.errors import InputError
from spinecoach.outputs import write_text_output
from spinecoach.prescription.adapt import Adaptation, adapt
from spinecoach.prescription.program import Program
from spinecoach.prescription.progression import describe_dose
from spinecoach.prescription.settings import AdaptationSettings
from spinecoach.sessions.model import SessionLog

__all__ = ["register", "render_adaptation"]


def render_adaptation(result: Adaptation) -> str:
    """Readable changes and alerts for the clinician who approves the new version: exercise
    names (not ids), the real before and after of each change, every reason with its rule."""
    p = result.program
    lines = [
        f"Program {p.patient_id} version {p.version}: status {p.status}, phase {p.phase}"
        + (" (needs clinician review before use)" if result.needs_clinician else ""),
    ]
    for alert in result.alerts:
        lines.append(f"  {'ESCALATE' if alert.escalate else 'ALERT'} {alert.text}")
    names = {e.id: e.name for e in p.exercises}
    for c in result.changes:
        move = ""
        if c.from_ is not None or c.to is not None:
            move = f": {_show(c.from_, names)} -> {_show(c.to, names)}"
        lines.append(f"  {c.action:<8} {c.name or c.exercise}{move}")
        lines.extend(f"           - {r.text} [{r.rule}]" for r in c.reasons)
    if p.referral is not None and p.status == "referral":
        lines.append(f"  referral ({p.referral.urgency}): {p.referral.patient_action}")
    return "\n".join(lines)


def _show(value: object, names: dict[str, str]) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        if value in names:
            return names[value]
        from spinecoach.exercises import load_catalogue

        catalogue = load_catalogue()
        return catalogue.get(value).name if value in catalogue else value
    from spinecoach.exercises.model import Dose

    return describe_dose(value) if isinstance(value, Dose) else str(value)


def register(app: typer.Typer) -> None:
    @app.command(name="adapt")
    def adapt_command(
        program: Annotated[Path, typer.Argument(help="program file (JSON or YAML)")],
        sessions: Annotated[Path, typer.Argument(help="session log done on that program")],
        settings: Annotated[
            Path | None,
            typer.Option("--settings", help="adaptation settings file (schema: settings)"),
        ] = None,
        json_flag: JsonOption = None,
    ) -> None:
        """Next program version from the sessions done: progress, hold or regress, with reasons."""
        current = load_document(program, Program)
        log = load_document(sessions, SessionLog)
        policy = load_document(settings, AdaptationSettings) if settings else None
        result = adapt(current, log, policy)
        emit(result, lambda: render_adaptation(result), json_flag)

    @simulate_app.command(name="course")
    def course_command(
        weeks: Annotated[int, typer.Option("--weeks", help="length of the course in weeks")] = 12,
        seed: Annotated[int, typer.Option("--seed", min=0, help="random seed of the patient")] = 0,
        intake: Annotated[
            Path | None, typer.Option("--intake", help="intake file instead of a random patient")
        ] = None,
        out: Annotated[
            Path | None, typer.Option("--out", help="write the whole course as JSON here")
        ] = None,
        pain_profile: Annotated[
            str,
            typer.Option(
                "--pain-profile",
                help="how the back responds: model (capacity and provoking loads), rises "
                "(pain rises after every session), goes_well",
            ),
        ] = "model",
        json_flag: JsonOption = None,
    ) -> None:
        """Run a synthetic patient through prescribe -> sessions -> adapt, week by week."""
        from spinecoach.clinical.intake import Intake
        from spinecoach.simulate.course import render_course, run_course

        if not 1 <= weeks <= 52:
            raise InputError(f"--weeks {weeks} is out of range; allowed: 1-52")
        from spinecoach.simulate.patient_model import PAIN_PROFILES

        profile = next((p for p in PAIN_PROFILES if p == pain_profile), None)
        if profile is None:
            raise InputError(
                f"--pain-profile '{pain_profile}' is unknown; choose from: {', '.join(PAIN_PROFILES)}"
            )
        given = load_document(intake, Intake) if intake else None
        course = run_course(given, weeks=weeks, seed=seed, pain_profile=profile)
        if out is not None:
            # the document goes to the file; stdout only says what was written, as for
            # `simulate recording --out`
            write_text_output(out, dump_json(course) + "\n", "--out")
            summary = {"patient_id": course.intake.patient.id, "weeks": weeks, "out": str(out)}
            emit(summary, lambda: f"{weeks}-week course -> {out}", json_flag)
            return
        emit(course, lambda: render_course(course), json_flag)
