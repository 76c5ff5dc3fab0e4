"""What a progress report or a discharge summary says, as plain values for the templates.

Pure: a :class:`~spinecoach.interop.record.PatientRecord` and the catalogue in, a
:class:`Report` out (text, tables and SVG charts). Rendering to HTML and PDF lives in
:mod:`spinecoach.interop.reports.render`.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from spinecoach.exercises import Catalogue
from spinecoach.exercises.illustration import render_svg
from spinecoach.interop.record import PatientRecord
from spinecoach.outcomes.change import MEASURE_THRESHOLDS
from spinecoach.outcomes.timeline import OutcomeSummary, summarize_timeline
from spinecoach.prescription.handout import dose_in_words
from spinecoach.prescription.program import Program
from spinecoach.web import charts

__all__ = [
    "Chart",
    "HandoutExercise",
    "Report",
    "ReportKind",
    "Row",
    "build_report",
]

ReportKind = Literal["progress", "discharge", "handout"]
"""progress report and discharge summary for the clinic; handout: the patient's program only."""

TITLES: dict[str, str] = {
    "progress": "Progress report",
    "discharge": "Discharge summary",
    "handout": "My exercise program",
}

MEASURE_NAMES = {
    "odi": "Disability (ODI, %)",
    "rmdq": "Disability (RMDQ, 0-24)",
    "nprs": "Pain (NPRS, 0-10)",
    "psfs": "Function (PSFS mean, 0-10)",
    "fabq_pa": "Fear-avoidance, physical activity (FABQ-PA)",
    "fabq_w": "Fear-avoidance, work (FABQ-W)",
    "flexor_s": "Flexor endurance (s)",
    "extensor_s": "Extensor endurance (s)",
    "side_bridge_right_s": "Right side bridge (s)",
    "side_bridge_left_s": "Left side bridge (s)",
    "flexion_rom_deg": "Lumbar flexion (deg)",
    "extension_rom_deg": "Lumbar extension (deg)",
    "sway": "Standing sway (lower is steadier)",
}
_CLASS_WORDS = {
    "improved": "improved",
    "unchanged": "no important change",
    "worse": "worse",
    "not_classified": "no published threshold",
}
_PATHWAYS = {
    "self_management": "Self-management",
    "physio_led": "Physiotherapist-led",
    "psychologically_informed": "Psychologically informed physiotherapy",
}


@dataclass(frozen=True)
class Row:
    """One line of a two- or more-column table."""

    cells: tuple[str, ...]
    tone: str = ""
    """'good', 'bad' or '' (drawn as a coloured mark)."""


@dataclass(frozen=True)
class Chart:
    """An SVG chart with its caption, embedded as a data URI (pages and PDF alike)."""

    title: str
    svg: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


@dataclass(frozen=True)
class HandoutExercise:
    """One exercise as the patient's handout shows it."""

    number: int
    name: str
    picture: Chart | None
    dose: str
    minutes: float
    steps: tuple[str, ...]
    tips: str
    why: str
    reasons: tuple[str, ...]
    pinned: bool


@dataclass(frozen=True)
class Report:
    """Everything one report prints, in the order it prints it."""

    kind: ReportKind
    title: str
    clinic: str
    date: dt.date
    patient: tuple[Row, ...]
    assessment: tuple[Row, ...]
    findings: tuple[str, ...]
    red_flags: tuple[str, ...]
    outcome_rows: tuple[Row, ...]
    felt_better: str
    functioned_better: str
    outcome_notes: tuple[str, ...]
    outcome_charts: tuple[Chart, ...]
    adherence: tuple[Row, ...]
    adherence_alert: str | None
    adherence_chart: Chart | None
    sessions: tuple[Row, ...]
    sensors: tuple[Row, ...]
    sensor_charts: tuple[Chart, ...]
    program_title: str
    program_lines: tuple[str, ...]
    referral: str | None
    handout: tuple[HandoutExercise, ...]
    advice: tuple[str, ...] = field(default=())

    @property
    def charts(self) -> tuple[Chart, ...]:
        extra = (self.adherence_chart,) if self.adherence_chart else ()
        return (*self.outcome_charts, *extra, *self.sensor_charts)


def _yes_no(value: bool | None) -> str:
    return "not measured" if value is None else ("yes" if value else "no")


def _patient(record: PatientRecord) -> tuple[Row, ...]:
    p = record.intake.patient
    rows = [Row(("Patient", record.name or p.id)), Row(("Record", record.record_id))]
    if record.birth_date:
        rows.append(Row(("Born", record.birth_date.isoformat())))
    rows += [
        Row(("Age, sex", f"{p.age} y, {p.sex}")),
        Row(("Occupation", p.occupation.replace("_", " "))),
        Row(("First seen", record.intake_date.isoformat())),
    ]
    if p.goals:
        rows.append(Row(("Goals", "; ".join(p.goals))))
    return tuple(rows)


def _assessment(record: PatientRecord) -> tuple[Row, ...]:
    a = record.assessment
    s = a.scores
    rows: list[Row] = []
    if s.start_back:
        sb = s.start_back
        rows.append(
            Row(
                (
                    "STarT Back",
                    f"{sb.stratum} risk (total {sb.total}/9, psychosocial {sb.psychosocial}/5)",
                )
            )
        )
    if s.odi:
        rows.append(Row(("ODI", f"{s.odi.percent:g} % ({s.odi.band} disability)")))
    if s.rmdq:
        rows.append(Row(("RMDQ", f"{s.rmdq.score}/24")))
    if s.nprs is not None:
        rows.append(Row(("Pain (NPRS)", f"{s.nprs}/10")))
    if s.psfs:
        acts = ", ".join(f"{k} {v}" for k, v in s.psfs.activities.items())
        rows.append(Row(("PSFS", f"mean {s.psfs.mean:g}/10 ({acts})")))
    if s.fabq:
        rows.append(
            Row(("FABQ", f"physical activity {s.fabq.physical_activity}/24, work {s.fabq.work}/42"))
        )
    m = a.movement
    if m.directional_preference:
        rows.append(Row(("Directional preference", m.directional_preference.replace("_", " "))))
    if m.provoking:
        rows.append(Row(("Provoking", ", ".join(d.replace("_", " ") for d in m.provoking))))
    e = a.endurance
    if e.percent_of_norm:
        norms = ", ".join(f"{k.replace('_', ' ')} {v:g} %" for k, v in e.percent_of_norm.items())
        rows.append(Row(("Endurance vs norms", norms)))
    current = record.current_program
    if current is not None and current.program.safety.contraindications:
        rows.append(Row(("Precautions", ", ".join(current.program.safety.contraindications))))
    return tuple(rows)


def _outcomes(summary: OutcomeSummary | None) -> tuple[tuple[Row, ...], tuple[str, ...]]:
    if summary is None:
        return (), ()
    rows = []
    for c in summary.changes:
        tone = {"improved": "good", "worse": "bad"}.get(c.classification, "")
        pct = f" ({c.percent_improvement:+g} %)" if c.percent_improvement is not None else ""
        policy = " (clinic policy)" if MEASURE_THRESHOLDS[c.measure].policy else ""
        rows.append(
            Row(
                (
                    MEASURE_NAMES.get(c.measure, c.measure),
                    f"{c.baseline:g}",
                    f"{c.latest:g}",
                    f"{c.improvement:+g}{pct}",
                    _CLASS_WORDS[c.classification],
                    c.threshold + policy,
                ),
                tone,
            )
        )
    recovered = [
        f"Recovered by {k.upper()}: {'yes' if v else 'no'} (Kamper et al., 2010)"
        for k, v in summary.recovered.items()
    ]
    # measures without a threshold already say so in the table
    notes = [n for n in summary.notes if not n.endswith("change reported, not classified")]
    return tuple(rows), (*recovered, *notes)


def _outcome_charts(summary: OutcomeSummary | None, kind: ReportKind) -> tuple[Chart, ...]:
    if summary is None:
        return ()
    series = {k: [(p.date, p.value) for p in v] for k, v in summary.series.items()}
    found: list[Chart] = []
    for measure in ("odi", "rmdq", "nprs", "psfs"):
        if len(series.get(measure, ())) > 1:
            found.append(
                Chart(charts.PROM_SCALES[measure][0], charts.prom_chart(measure, series[measure]))
            )
    if any(
        k in series for k in ("flexor_s", "extensor_s", "side_bridge_right_s", "side_bridge_left_s")
    ):
        found.append(Chart("Trunk endurance", charts.endurance_chart(series)))
    if kind == "progress":
        if any(k in series for k in ("flexion_rom_deg", "extension_rom_deg")):
            found.append(Chart("Lumbar range of motion", charts.rom_chart(series)))
        if len(series.get("sway", ())) > 1:
            found.append(Chart("Standing sway", charts.sway_chart(series["sway"])))
    return tuple(found)


def _adherence(
    record: PatientRecord, summary: OutcomeSummary | None
) -> tuple[tuple[Row, ...], str | None, Chart | None]:
    if summary is None or summary.adherence is None or record.timeline is None:
        return (), None, None
    a = summary.adherence
    weeks = record.timeline.adherence
    rows = [
        Row(
            (
                "Sessions done",
                "n/a" if a.overall is None else f"{a.overall:.0%} of those prescribed",
            )
        ),
        Row(("Weeks on target", f"{a.adherent_weeks} of {len(weeks)}")),
    ]
    for e in a.exercises:
        done = "n/a" if e.completion is None else f"{e.completion:.0%}"
        rows.append(Row((f"Completed: {e.id.replace('_', ' ')}", done)))
    chart = Chart("Adherence", charts.adherence_chart(weeks)) if weeks else None
    return tuple(rows), a.alert_text, chart


def _sessions(record: PatientRecord) -> tuple[Row, ...]:
    sessions = [s for log in record.sessions for s in log.sessions]
    if not sessions:
        return ()
    before = sum(s.pain_before for s in sessions) / len(sessions)
    after = sum(s.pain_after for s in sessions) / len(sessions)
    mornings = [s.next_morning_pain for s in sessions if s.next_morning_pain is not None]
    flags = sorted({f for s in sessions for f in s.red_flags})
    rows = [
        Row(("Sessions logged", f"{len(sessions)} ({sessions[0].date} to {sessions[-1].date})")),
        Row(("Pain before / after (mean)", f"{before:.1f} / {after:.1f}")),
        Row(
            (
                "Next-morning pain (mean)",
                f"{sum(mornings) / len(mornings):.1f} ({len(mornings)} check-ins)"
                if mornings
                else "no check-ins",
            )
        ),
    ]
    if flags:
        rows.append(Row(("Red flags at check-in", ", ".join(flags)), "bad"))
    return tuple(rows)


def _sensors(record: PatientRecord) -> tuple[tuple[Row, ...], tuple[Chart, ...]]:
    if not record.sensors:
        return (), ()
    rows = []
    for s in record.sensors:
        total = sum(s.time_in_zones_s.values()) or 1.0
        neutral = s.time_in_zones_s.get("neutral", 0.0) / total
        rom = ", ".join(f"{k} {v:g}°" for k, v in s.rom_deg.items()) or "-"
        sway = "-" if s.sway_mean_velocity_deg_s is None else f"{s.sway_mean_velocity_deg_s:g} °/s"
        lifts = "-" if s.lifting_count is None else str(s.lifting_count)
        rows.append(
            Row(
                (
                    s.date.isoformat(),
                    f"{s.duration_s / 3600:.1f} h",
                    f"{neutral:.0%}",
                    rom,
                    sway,
                    lifts,
                )
            )
        )
    found = [Chart("Posture time in zones", charts.posture_zones_chart(record.posture_by_day()))]
    traces = [s for s in record.sensors if s.lumbar_flexion_trace]
    if traces:
        t, v = zip(*traces[-1].lumbar_flexion_trace, strict=True)
        found.append(Chart("Lumbar flexion", charts.lumbar_trace_chart(t, v)))
    return tuple(rows), tuple(found)


def _handout(program: Program, catalogue: Catalogue) -> tuple[HandoutExercise, ...]:
    items = []
    for number, item in enumerate(program.exercises, start=1):
        exercise = catalogue.get(item.id) if item.id in catalogue else None
        items.append(
            HandoutExercise(
                number=number,
                name=item.name,
                picture=Chart(item.name, render_svg(exercise)) if exercise else None,
                dose=dose_in_words(item.dose),
                minutes=round(item.minutes),
                steps=tuple(exercise.instructions) if exercise else (),
                tips=" ".join(exercise.cues) if exercise else "",
                why=item.education,
                reasons=tuple(r.text.rstrip(". ") for r in item.reasons),
                pinned=item.pinned,
            )
        )
    return tuple(items)


def build_report(record: PatientRecord, kind: ReportKind, catalogue: Catalogue) -> Report:
    """The report's content from the record (pure; charts are SVG text)."""
    wants_outcomes = kind != "handout" and record.timeline is not None
    summary = summarize_timeline(record.timeline) if wants_outcomes and record.timeline else None
    outcome_rows, notes = _outcomes(summary)
    adherence, alert, adherence_chart = _adherence(record, summary)
    sensor_rows, sensor_charts = _sensors(record) if kind == "progress" else ((), ())
    current = record.current_program
    program_lines: tuple[str, ...] = ()
    referral = None
    handout: tuple[HandoutExercise, ...] = ()
    advice: tuple[str, ...] = ()
    title = "No program yet"
    if current is not None:
        p = current.program
        title = f"Exercise program, version {p.version} ({current.status})"
        program_lines = (
            f"{_PATHWAYS[p.care_pathway]}; phase {p.phase}; dosing {p.dosing.replace('_', '-')}",
            f"{p.sessions_per_week} sessions a week, about {p.total_minutes:.0f} of "
            f"{p.minutes_per_session} minutes each",
            *((f"Approved by {p.approved_by}",) if p.approved_by else ()),
        )
        if p.status == "referral" and p.referral is not None:
            referral = (
                f"No exercise for now: {p.referral.urgency} medical care is needed. "
                f"{p.referral.patient_action}"
            )
        handout = _handout(p, catalogue)
        advice = tuple(r.text for r in p.advice)
    return Report(
        kind=kind,
        title=TITLES[kind],
        clinic=record.clinic_name,
        date=record.as_of,
        patient=_patient(record),
        assessment=_assessment(record),
        findings=tuple(f.text for f in record.assessment.findings),
        red_flags=tuple(h.question for h in record.assessment.red_flags.hits),
        outcome_rows=outcome_rows,
        felt_better=_yes_no(summary.felt_better) if summary else "not measured",
        functioned_better=_yes_no(summary.functioned_better) if summary else "not measured",
        outcome_notes=notes,
        outcome_charts=_outcome_charts(summary, kind),
        adherence=adherence,
        adherence_alert=alert,
        adherence_chart=adherence_chart,
        sessions=_sessions(record),
        sensors=sensor_rows,
        sensor_charts=sensor_charts,
        program_title=title,
        program_lines=program_lines,
        referral=referral,
        handout=handout,
        advice=advice,
    )
