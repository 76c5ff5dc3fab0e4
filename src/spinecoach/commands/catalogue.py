"""`spinecoach catalogue`: list and search the exercise catalogue, show one entry and its picture.

``spinecoach catalogue [--tag T ...] [--purpose P] [--equipment E ...]`` lists (the same as
``catalogue list``); ``spinecoach catalogue show ID [--svg-out FILE]`` shows one exercise and
can write its start/end illustration as SVG.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from spinecoach.commands._output import JsonOption, emit
from spinecoach.errors import InputError
from spinecoach.exercises import Catalogue, Exercise, load_catalogue
from spinecoach.exercises.illustration import render_svg
from spinecoach.exercises.model import Dose
from spinecoach.outputs import write_text_output

__all__ = ["catalogue_app", "describe_dose", "register"]

catalogue_app = typer.Typer(
    help="The exercise catalogue: list and search exercises, show one with its picture.",
)

TagOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        "-t",
        metavar="TAG",
        help="only exercises carrying this tag (repeat, or a comma list: all must match)",
    ),
]
PurposeOption = Annotated[
    str | None,
    typer.Option(
        metavar="PURPOSE",
        help="activation, endurance, strength, mobility, balance, aerobic, education",
    ),
]
EquipmentOption = Annotated[
    list[str] | None,
    typer.Option(
        "--equipment",
        "-e",
        metavar="EQUIPMENT",
        help="equipment available (repeat, or a comma list); exercises needing anything else "
        "are left out",
    ),
]
ModeOption = Annotated[str | None, typer.Option(metavar="MODE", help="static or dynamic")]
PhaseOption = Annotated[
    int | None,
    typer.Option("--phase-max", min=1, max=3, metavar="N", help="latest program phase (1-3)"),
]


@dataclass(frozen=True)
class _Filters:
    """What the user asked the list for; every filter given must match."""

    tags: list[str] | None
    purpose: str | None
    equipment: list[str] | None
    mode: str | None
    phase_max: int | None

    def given(self) -> bool:
        values = (self.tags, self.purpose, self.equipment, self.mode, self.phase_max)
        return any(v is not None for v in values)

    def apply(self, catalogue: Catalogue) -> list[Exercise]:
        return catalogue.search(
            tags=_words(self.tags or [], "--tag"),
            purpose=self.purpose,
            mode=self.mode,
            phase_max=self.phase_max,
            equipment=None if self.equipment is None else _words(self.equipment, "--equipment"),
        )


def _words(values: list[str], option: str) -> list[str]:
    """Repeated options and comma lists alike: ``--tag a --tag b`` = ``--tag a,b``."""
    words = [w.strip() for value in values for w in value.split(",")]
    if "" in words:
        raise InputError(f"{option}: an empty value; give a name, or a comma-separated list")
    return words


def _summary(exercise: Exercise) -> dict[str, Any]:
    return {
        "id": exercise.id,
        "name": exercise.name,
        "ladder": exercise.ladder,
        "level": exercise.level,
        "phase": exercise.phase,
        "purpose": exercise.purpose,
        "mode": exercise.mode,
        "position": exercise.position,
        "loads": dict(exercise.loads),
        "equipment": list(exercise.equipment),
        "tags": list(exercise.tags),
        "easier": exercise.easier,
        "harder": exercise.harder,
    }


def _loads_text(exercise: Exercise) -> str:
    return ", ".join(f"{direction} {amount}" for direction, amount in exercise.loads.items())


def _table(exercises: list[Exercise]) -> str:
    if not exercises:
        return "no exercises match"
    header = ("id", "name", "ladder", "lvl", "ph", "purpose", "mode", "loads")
    rows = [
        (e.id, e.name, e.ladder, str(e.level), str(e.phase), e.purpose, e.mode, _loads_text(e))
        for e in exercises
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)), row[-1]])
        for row in [header, *rows]
    ]
    lines.append(f"{len(rows)} exercise{'s' if len(rows) != 1 else ''}")
    return "\n".join(lines)


def describe_dose(dose: Dose) -> str:
    """The dose in words, e.g. '3 sets of 6, then 4, then 2 holds of 8 s, per side, rest 30 s'."""
    counts = ", then ".join(str(n) for n in dose.pyramid) if dose.pyramid else str(dose.reps or 1)
    sets = f"{dose.sets} set{'s' if dose.sets != 1 else ''}"
    if dose.duration_min is not None:
        work = f"{sets} of {dose.duration_min:g} min"
    elif dose.hold_s is not None:
        work = f"{sets} of {counts} hold{'s' if counts != '1' else ''} of {dose.hold_s:g} s"
    else:
        work = f"{sets} of {counts} reps"
    parts = [work]
    if dose.load_kg is not None:
        parts[0] += f" at {dose.load_kg:g} kg"
    if dose.per_side:
        parts.append("per side")
    if dose.rest_s:
        parts.append(f"rest {dose.rest_s} s")
    return ", ".join(parts)


def _details(exercise: Exercise) -> str:
    e = exercise
    steps = "\n".join(f"  {n}. {step}" for n, step in enumerate(e.instructions, start=1))
    cues = "\n".join(f"  - {cue}" for cue in e.cues) or "  -"
    increment = e.bounds.load_increment_kg
    lines = [
        f"{e.name}  ({e.id})",
        f"ladder {e.ladder}, level {e.level}; phase {e.phase}; {e.purpose}, {e.mode}",
        f"position: {e.position.replace('_', ' ')}; equipment: {', '.join(e.equipment) or 'none'}",
        f"loads: {_loads_text(e)}",
        f"muscles: {', '.join(e.muscles)}",
        f"dose: {describe_dose(e.dose)}"
        + (f" (load steps of {increment:g} kg)" if increment else ""),
        "how to do it:",
        steps,
        "tips:",
        cues,
        f"why it matters: {e.education}",
        f"not for: {', '.join(e.contraindications) or 'no listed contraindications'}",
        f"tags: {', '.join(e.tags)}",
        f"easier: {e.easier or '(bottom of the ladder)'}; harder: {e.harder or '(top of the ladder)'}",
    ]
    return "\n".join(lines)


def _write_svg(exercise: Exercise, path: Path) -> None:
    write_text_output(path, render_svg(exercise), "--svg-out")


@catalogue_app.callback(invoke_without_command=True)
def catalogue(
    ctx: typer.Context,
    *,
    tag: TagOption = None,
    purpose: PurposeOption = None,
    equipment: EquipmentOption = None,
    mode: ModeOption = None,
    phase_max: PhaseOption = None,
    json_flag: JsonOption = None,
) -> None:
    """List exercises (all, or those matching every filter given)."""
    filters = _Filters(tag, purpose, equipment, mode, phase_max)
    if ctx.invoked_subcommand is None:
        _list(filters, json_flag)
    elif filters.given():
        if ctx.invoked_subcommand == "list":
            raise InputError("filters go after 'catalogue list', not before it")
        raise InputError(
            f"filters only narrow a list: 'catalogue {ctx.invoked_subcommand}' takes none "
            "(use 'catalogue list --tag ...')"
        )


@catalogue_app.command("list")
def list_exercises(
    *,
    tag: TagOption = None,
    purpose: PurposeOption = None,
    equipment: EquipmentOption = None,
    mode: ModeOption = None,
    phase_max: PhaseOption = None,
    json_flag: JsonOption = None,
) -> None:
    """List exercises (all, or those matching every filter given)."""
    _list(_Filters(tag, purpose, equipment, mode, phase_max), json_flag)


def _list(filters: _Filters, json_flag: bool | None) -> None:
    found = filters.apply(load_catalogue())
    emit([_summary(e) for e in found], lambda: _table(found), json_flag)


@catalogue_app.command("show")
def show(
    exercise_id: Annotated[str, typer.Argument(metavar="ID", help="exercise id, e.g. bird_dog")],
    svg_out: Annotated[
        Path | None,
        typer.Option(
            "--svg-out", metavar="FILE", help="write the start/end illustration to this SVG file"
        ),
    ] = None,
    json_flag: JsonOption = None,
) -> None:
    """Show one exercise: steps, tips, dose, loads, why it matters, and its ladder neighbours."""
    exercise = load_catalogue().get(exercise_id)
    if svg_out is not None:
        _write_svg(exercise, svg_out)
    payload = exercise.model_dump(mode="json")
    if svg_out is not None:
        payload["illustration"] = str(svg_out)
    emit(payload, lambda: _details(exercise), json_flag)


def register(app: typer.Typer) -> None:
    app.add_typer(catalogue_app, name="catalogue")
