"""What the pages show, built from service results: exercise cards, version diffs, charts, words.

Pure functions over domain values (no request, no database); the routes call the services and
hand their results here.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spinecoach.exercises.catalogue import Catalogue, load_catalogue
from spinecoach.exercises.illustration import render_svg
from spinecoach.outcomes.adherence import AdherenceWeek
from spinecoach.outcomes.change import MEASURE_THRESHOLDS
from spinecoach.outcomes.timeline import OutcomeSummary
from spinecoach.prescription.handout import dose_in_words
from spinecoach.prescription.program import Program
from spinecoach.prescription.settings import AdaptationSettings
from spinecoach.sensors.posture import ZONES
from spinecoach.services import recordings
from spinecoach.store.records import RecordingRecord
from spinecoach.web import charts

__all__ = [
    "ChartView",
    "DiffRow",
    "ExerciseCard",
    "RecordingView",
    "care_charts",
    "catalogue",
    "data_uri",
    "exercise_cards",
    "outcome_charts",
    "progress_sentences",
    "recording_view",
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
    """A chart on a page: its title, the SVG as an image address, and the same facts in words
    (the text alternative shown under it)."""

    title: str
    src: str
    text: str = ""


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


@functools.lru_cache(maxsize=512)
def _drawn(kind: str, args: tuple[Any, ...]) -> str:
    """A chart of the sensor and adherence family as a data image, drawn once per distinct
    input (a record that did not change is not drawn again)."""
    if kind == "adherence":
        svg = charts.adherence_chart(args)
    elif kind == "posture":
        svg = charts.posture_zones_chart([(day, dict(zones)) for day, zones in args])
    elif kind == "stillness":
        points, limit = args
        svg = charts.stillness_chart(points, limit)
    elif kind == "trace":
        t, v, samples = args
        svg = charts.lumbar_trace_chart(t, v, samples=samples)
    elif kind == "reps":
        svg = charts.reps_chart([dict(r) for r in args])
    elif kind == "holds":
        holds, limit = args
        svg = charts.holds_chart([dict(h) for h in holds], limit)
    elif kind == "calibration":
        svg = charts.calibration_chart(*args)
    else:  # pragma: no cover - the kinds above are the only callers
        raise ValueError(kind)
    return data_uri(svg)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def _items(d: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, v) for k, v in d.items() if not isinstance(v, dict | list)))


PLAIN_CARE_TITLES = {
    "Adherence": "Sessions done each week",
    "Posture time in zones": "Time your back spent bent, each day you wore the sensors",
    "Stillness during holds": "How still your back stayed in the holds",
}
"""The care charts' titles on the patient's own pages (the same pictures, plain words)."""


def care_charts(
    weeks: Sequence[AdherenceWeek],
    posture_days: Sequence[tuple[dt.date, Mapping[str, float]]],
    stillness: Sequence[tuple[dt.date, float]],
    stillness_limit_deg: float | None,
    *,
    plain: bool = False,
) -> list[ChartView]:
    """Adherence over the weeks, posture time-in-zones by recorded day and stillness during
    holds over the recorded sessions; each chart once there is something to draw (``plain``:
    titled for the patient)."""
    found = _care_charts(weeks, posture_days, stillness, stillness_limit_deg)
    if not plain:
        return found
    return [ChartView(PLAIN_CARE_TITLES.get(c.title, c.title), c.src, c.text) for c in found]


def _care_charts(
    weeks: Sequence[AdherenceWeek],
    posture_days: Sequence[tuple[dt.date, Mapping[str, float]]],
    stillness: Sequence[tuple[dt.date, float]],
    stillness_limit_deg: float | None,
) -> list[ChartView]:
    found = []
    done = [w for w in weeks if w.ratio is not None]
    if done:
        words = ", ".join(
            f"week {w.week}: {w.sessions_done} of {w.sessions_prescribed}" for w in done
        )
        found.append(
            ChartView(
                "Adherence",
                _drawn("adherence", tuple(weeks)),
                f"Sessions done of those planned, by week: {words}.",
            )
        )
    if posture_days:
        days = tuple(
            (day, tuple((z, float(zones.get(z, 0.0))) for z in ZONES))
            for day, zones in sorted(posture_days)
        )
        words = "; ".join(
            f"{day.isoformat()}: " + ", ".join(f"{z} {_duration(seconds)}" for z, seconds in zones)
            for day, zones in days
        )
        found.append(
            ChartView(
                "Posture time in zones",
                _drawn("posture", days),
                f"Hours in each lumbar flexion zone per recorded day: {words}.",
            )
        )
    if stillness:
        points = tuple(sorted(stillness))
        words = ", ".join(f"{day.isoformat()}: {value:.2f} deg" for day, value in points)
        found.append(
            ChartView(
                "Stillness during holds",
                _drawn("stillness", (points, stillness_limit_deg)),
                f"Mean lumbar movement during holds (RMS), by recorded session: {words}.",
            )
        )
    return found


@dataclass(frozen=True)
class RecordingView:
    """A processed recording's charts and the facts beside them."""

    charts: list[ChartView]
    facts: list[tuple[str, str]]


def recording_view(
    metrics: Mapping[str, Any] | None,
    detail: Mapping[str, Any] | None,
    stillness_limit_deg: float | None,
) -> RecordingView:
    """Lumbar flexion over time (downsampled), the reps with their amplitude, stillness during
    each hold and the calibration's quality, from what processing stored."""
    facts: list[tuple[str, str]] = []
    if metrics:
        facts.append(("Length", f"{float(metrics['duration_s']) / 60:.1f} min"))
        facts.append(("Sample rate", f"{float(metrics['sample_rate_hz']):g} Hz"))
        facts.append(("Repetitions", str(metrics["rep_count"])))
        facts.append(("Holds", str(metrics["hold_count"])))
        if metrics.get("stillness_rms_deg") is not None:
            facts.append(("Mean stillness", f"{float(metrics['stillness_rms_deg']):.2f} deg RMS"))
        for name, value in sorted(metrics.get("rom_deg", {}).items()):
            facts.append((f"Range, {name.replace('_', ' ')}", f"{float(value):.0f} deg"))
        facts.extend(("Warning", str(w)) for w in metrics.get("warnings", []))
    found: list[ChartView] = []
    if not detail:
        return RecordingView(found, facts)
    t = tuple(detail.get("trace_t_s", ()))
    v = tuple(detail.get("trace_flexion_deg", ()))
    if t:
        samples = int(detail.get("samples", len(t)))
        found.append(
            ChartView(
                "Lumbar flexion over time",
                _drawn("trace", (t, v, samples)),
                f"Flexion from {round(min(v)) + 0} to {round(max(v)) + 0} deg over "
                f"{t[-1] / 60:.1f} min "
                f"({len(t)} of {samples} samples drawn, each stretch's lowest and highest kept).",
            )
        )
    reps = tuple(_items(r) for r in detail.get("reps", ()))
    if reps:
        amplitudes = [float(r["amplitude_deg"]) for r in detail["reps"]]
        found.append(
            ChartView(
                "Repetitions",
                _drawn("reps", reps),
                f"{_count(len(amplitudes), 'repetition')}, amplitude "
                + ", ".join(f"{a:.0f}" for a in amplitudes)
                + " deg.",
            )
        )
    holds = tuple(_items(h) for h in detail.get("holds", ()))
    if holds:
        values = [float(h["stillness_rms_deg"]) for h in detail["holds"]]
        found.append(
            ChartView(
                "Stillness during holds",
                _drawn("holds", (holds, stillness_limit_deg)),
                f"{_count(len(values), 'hold')}, stillness "
                + ", ".join(f"{x:.2f}" for x in values)
                + " deg RMS"
                + (
                    f" (at most {stillness_limit_deg:g} deg allows progression)."
                    if stillness_limit_deg is not None
                    else "."
                ),
            )
        )
    calibration = detail.get("calibration") or {}
    if "gyro_rms_deg_s" in calibration:
        rms = float(calibration["gyro_rms_deg_s"])
        grade = str(calibration.get("grade", ""))
        found.append(
            ChartView(
                "Calibration quality",
                _drawn("calibration", (rms, grade)),
                f"Calibration {grade}: gyroscope RMS {rms:.1f} deg/s over "
                f"{float(calibration.get('duration_s', 0)):.1f} s of standing still "
                "(good below 3, fair below 6).",
            )
        )
    return RecordingView(found, facts)


def stillness_limit_deg() -> float:
    """The most lumbar movement during holds (RMS, deg) that still lets adaptation progress:
    hold quality is 1 - RMS / scale, and progression asks for the default minimum quality."""
    return round(recordings.STILLNESS_SCALE_DEG * (1 - AdaptationSettings().min_quality), 3)


def posture_days(entries: list[dict[str, Any]]) -> list[tuple[dt.date, dict[str, float]]]:
    """Seconds in each lumbar zone per recorded day, summed over the day's recordings."""
    days: dict[dt.date, dict[str, float]] = {}
    for entry in entries:
        zones = entry.get("posture_time_in_zones_s")
        if zones:
            day = dt.date.fromisoformat(str(entry["measurement"]["date"]))
            summed = days.setdefault(day, {})
            for zone, seconds in zones.items():
                summed[zone] = summed.get(zone, 0.0) + float(seconds)
    return sorted(days.items())


def stillness_points(recorded: list[RecordingRecord]) -> list[tuple[dt.date, float]]:
    """Mean stillness during holds (RMS, deg) of each processed exercise recording."""
    return [
        (r.recorded_on, float(r.metrics["stillness_rms_deg"]))
        for r in recorded
        if r.status == "processed" and r.metrics and r.metrics.get("stillness_rms_deg") is not None
    ]
