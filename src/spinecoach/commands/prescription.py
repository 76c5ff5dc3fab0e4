"""`spinecoach prescribe INTAKE`: intake -> assessment -> program (JSON or a readable handout)."""

from __future__ import annotations

import difflib
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from spinecoach.clinical import Intake, assess
from spinecoach.clinical.intake import PatientProfile
from spinecoach.commands._output import JsonOption, emit, json_from_format
from spinecoach.documents import load_document
from spinecoach.errors import InputError, UnknownItemError, shorten
from spinecoach.exercises import load_catalogue
from spinecoach.prescription import Overrides, prescribe, render_handout, render_program
from spinecoach.prescription.budget import check_minutes
from spinecoach.vocabulary import EQUIPMENT

__all__ = ["OutputFormat", "parse_equipment", "register", "with_options"]


class OutputFormat(StrEnum):
    """How the program is printed."""

    json = "json"
    text = "text"


def parse_equipment(text: str) -> list[str]:
    """A comma-separated equipment list ('mat,pulley'; 'none' for nothing), validated.

    An empty value is refused rather than read as "no equipment": say ``none`` for that.
    """
    if not text.strip():
        raise InputError("--equipment: empty; give a comma-separated list, or 'none' for nothing")
    given = [w.strip() for w in text.split(",")]
    if "" in given:
        raise InputError(f"--equipment: '{shorten(text)}' has an empty item between commas")
    words = sorted(set(given) - {"none"})
    for word in words:
        if word not in EQUIPMENT:
            close = difflib.get_close_matches(word, EQUIPMENT, n=3)
            hint = (
                f"did you mean: {', '.join(close)}"
                if close
                else f"choose from: {', '.join(EQUIPMENT)}"
            )
            raise UnknownItemError(f"--equipment: '{shorten(word)}' is unknown; {hint}")
    return words


def with_options(
    profile: PatientProfile, equipment: str | None, minutes: int | None
) -> PatientProfile:
    """A copy of ``profile`` with the command-line equipment and minutes, re-validated."""
    update: dict[str, object] = {}
    if equipment is not None:
        update["equipment"] = parse_equipment(equipment)
    if minutes is not None:
        check_minutes(minutes)
        update["minutes_per_session"] = minutes
    if not update:
        return profile
    try:
        return PatientProfile.model_validate({**profile.model_dump(), **update})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = "minutes" if err["loc"][:1] == ("minutes_per_session",) else str(err["loc"][0])
        raise InputError(f"{field}: {err['msg']}") from None


def register(app: typer.Typer) -> None:
    @app.command(name="prescribe")
    def prescribe_command(
        intake: Annotated[Path, typer.Argument(help="intake file (JSON or YAML)")],
        equipment: Annotated[
            str | None,
            typer.Option(
                "--equipment",
                help=f"equipment available, comma-separated, replaces the intake's "
                f"('none' for none): {', '.join(EQUIPMENT)}",
            ),
        ] = None,
        minutes: Annotated[
            int | None, typer.Option("--minutes", help="minutes per session (at least 5)")
        ] = None,
        overrides: Annotated[
            Path | None,
            typer.Option("--overrides", help="clinician overrides file (schema: overrides)"),
        ] = None,
        output: Annotated[
            OutputFormat | None,
            typer.Option(
                "--format",
                help="json, or text for a readable handout (default: json unless a terminal)",
            ),
        ] = None,
        handout: Annotated[
            bool,
            typer.Option(
                "--handout",
                help="with text output: the patient's handout in plain words (no rule ids, "
                "no risk labels, no list of what was left out)",
            ),
        ] = False,
        json_flag: JsonOption = None,
    ) -> None:
        """Prescribe a program from an intake: exercises, doses, reasons, advice."""
        document = load_document(intake, Intake)
        assessment = assess(document)
        profile = with_options(assessment.patient, equipment, minutes)
        changes = load_document(overrides, Overrides) if overrides is not None else None
        catalogue = load_catalogue()
        program = prescribe(assessment, profile, catalogue, changes)
        json_flag = json_from_format(
            None if output is None else output is OutputFormat.json, json_flag
        )
        render = render_handout if handout else render_program
        if handout and json_flag is None:
            json_flag = False  # the handout is text
        emit(program, lambda: render(program, catalogue), json_flag)
