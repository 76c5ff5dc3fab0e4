"""What the pages show, built from service results: exercise cards, version diffs, charts, words.

Pure functions over domain values (no request, no database); the routes call the services and
hand their results here.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from typing import Any

from spinecoach.exercises.catalogue import Catalogue, load_catalogue
from spinecoach.exercises.illustration import render_svg
from spinecoach.outcomes.change import MEASURE_THRESHOLDS
from spinecoach.outcomes.timeline import OutcomeSummary
from spinecoach.prescription.handout import dose_in_words
from spinecoach.prescription.program import Program
from spinecoach.web import charts

__all__ = [
    "ChartView",
    "DiffRow",
    "ExerciseCard",
    "catalogue",
    "data_uri",
    "exercise_cards",
    "outcome_charts",
    "progress_sentences",
    "version_diff",
]

_WORDS = {
    "odi": "disability (ODI)",
    "rmdq": "disability (RMDQ)",
    "nprs": "pain",
    "psfs": "everyday activities (PSFS)",
    "fabq_pa": "worry about activity",
    "fabq_w": "worry about work",
}


@functools.cache
def catalogue() -> Catalogue:
    return load_catalogue()


def data_uri(svg: str) -> str:
    """An SVG as an image address (a picture, not markup, in the page: nothing runs)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@functools.cache
def _picture(exercise_id: str) -> str | None:
    book = catalogue()
    if exercise_id not in book:
        return None
    return data_uri(render_svg(book.get(exercise_id)))


@dataclass(frozen=True)
class ExerciseCard:
    """One exercise as a page shows it."""

    id: str
    name: str
    picture: str | None
    dose: str
    sets: int
    reps: int | None
    hold_s: float | None
    minutes: float
    steps: tuple[str, ...]
    why: str
    reasons: tuple[str, ...]
    pinned: bool


def exercise_cards(program: Program) -> list[ExerciseCard]:
    book = catalogue()
    cards = []
    for item in program.exercises:
        exercise = book.get(item.id) if item.id in book else None
        cards.append(
            ExerciseCard(
                id=item.id,
                name=item.name,
                picture=_picture(item.id),
                dose=dose_in_words(item.dose),
                sets=item.dose.sets,
                reps=item.dose.reps,
                hold_s=item.dose.hold_s,
                minutes=round(item.minutes),
                steps=tuple(exercise.instructions) if exercise else (),
                why=item.education,
                reasons=tuple(r.text for r in item.reasons),
                pinned=item.pinned,
            )
        )
    return cards


@dataclass(frozen=True)
class DiffRow:
    """One exercise in two versions side by side: 'same', 'changed', 'added' or 'removed'."""

    name: str
    before: str
    after: str
    state: str


def version_diff(before: Program | None, after: Program) -> list[DiffRow]:
    """Exercises and doses of ``after`` against ``before`` (its parent), in ``after``'s order."""
    old = {e.id: e for e in before.exercises} if before else {}
    rows = []
    for item in after.exercises:
        dose = dose_in_words(item.dose)
        if item.id not in old:
            rows.append(DiffRow(item.name, "", dose, "added"))
        else:
            was = dose_in_words(old[item.id].dose)
            rows.append(DiffRow(item.name, was, dose, "same" if was == dose else "changed"))
    new_ids = {e.id for e in after.exercises}
    rows.extend(
        DiffRow(e.name, dose_in_words(e.dose), "", "removed")
        for e in (before.exercises if before else [])
        if e.id not in new_ids
    )
    return rows


def change_lines(changes: list[dict[str, Any]]) -> list[str]:
    """A version's recorded changes in one line each: exercise, what was done, why."""
    lines = []
    for change in changes:
        reasons = "; ".join(r.get("text", "") for r in change.get("reasons", []))
        what = change.get("action", "changed")
        param = f" ({change['parameter']})" if change.get("parameter") else ""
        lines.append(f"{change.get('exercise', '')}: {what}{param}. {reasons}".strip())
    return lines


@dataclass(frozen=True)
class ChartView:
    title: str
    src: str


def _series(summary: OutcomeSummary) -> dict[str, list[tuple[Any, float]]]:
    return {k: [(p.date, p.value) for p in v] for k, v in summary.series.items()}


Series = tuple[tuple[Any, float], ...]


@functools.lru_cache(maxsize=1024)
def _chart(kind: str, series: tuple[tuple[str, Series], ...]) -> str:
    """One chart as a data image; drawing is pure, so a record that did not change is not
    drawn again (vl-convert takes about 0.1 s a chart)."""
    data = dict(series)
    if kind == "endurance":
        svg = charts.endurance_chart(data)
    elif kind == "rom":
        svg = charts.rom_chart(data)
    elif kind == "sway":
        svg = charts.sway_chart(data["sway"])
    else:
        svg = charts.prom_chart(kind, data[kind])
    return data_uri(svg)


def _frozen(
    series: dict[str, list[tuple[Any, float]]], keys: tuple[str, ...]
) -> tuple[tuple[str, Series], ...]:
    return tuple((k, tuple(series[k])) for k in keys if k in series)


def outcome_charts(summary: OutcomeSummary | None, *, plain: bool = False) -> list[ChartView]:
    """PROMs over time with the MCID band, endurance, ROM and sway (from the chart module);
    a measure is drawn once it has been measured twice."""
    if summary is None:
        return []
    series = {k: v for k, v in _series(summary).items() if len(v) > 1}
    found = []
    for measure in ("nprs", "odi", "rmdq", "psfs"):
        if measure in series:
            title = f"Your {_WORDS[measure]}" if plain else charts.PROM_SCALES[measure][0]
            found.append(ChartView(title, _chart(measure, _frozen(series, (measure,)))))
    endurance = _frozen(
        series, ("flexor_s", "extensor_s", "side_bridge_right_s", "side_bridge_left_s")
    )
    if endurance:
        title = "How long you can hold" if plain else "Trunk endurance"
        found.append(ChartView(title, _chart("endurance", endurance)))
    rom = _frozen(series, ("flexion_rom_deg", "extension_rom_deg"))
    if not plain and rom:
        found.append(ChartView("Lumbar range of motion", _chart("rom", rom)))
    if not plain and "sway" in series:
        found.append(ChartView("Standing sway", _chart("sway", _frozen(series, ("sway",)))))
    return found


def progress_sentences(summary: OutcomeSummary | None) -> list[str]:
    """The patient's progress in plain words (no rule ids, no risk labels)."""
    if summary is None:
        return ["We will show your progress after your first check of how you are doing."]
    lines = []
    for change in summary.changes:
        word = _WORDS.get(change.measure)
        if word is None or change.measure not in MEASURE_THRESHOLDS:
            continue
        if change.classification == "improved":
            verdict = "that is a real improvement"
        elif change.classification == "worse":
            verdict = "that is worse; your physiotherapist will look at it with you"
        else:
            verdict = "not a clear change yet"
        lines.append(f"Your {word} went from {change.baseline:g} to {change.latest:g}: {verdict}.")
    if summary.adherence is not None and summary.adherence.overall is not None:
        lines.append(
            f"You did {round(summary.adherence.overall * 100)} % of your planned sessions."
        )
    return lines or ["Not enough measurements yet to compare."]
