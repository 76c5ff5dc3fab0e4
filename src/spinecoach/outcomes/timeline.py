"""The outcome timeline document and its summary: did the patient feel and function better?

A :class:`Timeline` (`spinecoach schema timeline`) lists re-measurements over the course (the
first is the baseline) and the weekly adherence. :func:`summarize_timeline` classifies each
change from baseline against its MCID / MDC, separates "felt better" (pain) from "functioned
better", applies the recovery cut-offs (RMDQ <= 2 and NPRS 0, Kamper et al., Eur Spine J 2010)
and raises the non-adherence alert.

"Functioned better" is decided by what the patient reports about function (ODI, RMDQ, PSFS):
yes when at least one of them improved by its threshold and none got worse by its threshold;
a better plank time does not outweigh a worse ODI. Objective measures (endurance, range of
motion, sway) are reported beside it, as ``objective_better``, and never decide it. This rule
is clinic policy: the MCIDs are published (Ostelo 2008), the way they are combined is not.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator

from spinecoach.outcomes.adherence import (
    AdherenceSummary,
    AdherenceWeek,
    ExerciseCompletion,
    summarize_adherence,
)
from spinecoach.outcomes.change import MeasureChange, classify_change, measure_unit

__all__ = [
    "FELT_MEASURES",
    "FUNCTION_MEASURES",
    "OBJECTIVE_MEASURES",
    "EnduranceRatios",
    "EnduranceTimes",
    "Measurement",
    "OutcomeSummary",
    "RangeOfMotion",
    "SeriesPoint",
    "Timeline",
    "render_summary",
    "summarize_timeline",
]

RMDQ_RECOVERED_MAX = 2  # "recovered": RMDQ <= 2 (Kamper et al., Eur Spine J 2010)
NPRS_RECOVERED = 0  # "recovered": NPRS 0 (Kamper et al., Eur Spine J 2010)
RMDQ_DETECTABLE = (4, 20)  # change not reliably detectable outside 4..20 (Stratford et al.)

FELT_MEASURES = ("nprs",)
"""What the patient feels: pain."""
FUNCTION_MEASURES = ("odi", "rmdq", "psfs")
"""What the patient reports about function: these decide "functioned better"."""
OBJECTIVE_MEASURES = (
    "flexor_s",
    "extensor_s",
    "side_bridge_right_s",
    "side_bridge_left_s",
    "flexion_rom_deg",
    "extension_rom_deg",
    "sway",
)
"""Measured function (endurance, range of motion, sway): reported beside, never deciding."""


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EnduranceTimes(_Doc):
    """McGill torso endurance battery, hold times to form failure in seconds."""

    flexor_s: float | None = Field(default=None, ge=0, le=1200)
    extensor_s: float | None = Field(default=None, ge=0, le=240, description="capped at 240 s")
    side_bridge_right_s: float | None = Field(default=None, ge=0, le=600)
    side_bridge_left_s: float | None = Field(default=None, ge=0, le=600)


class RangeOfMotion(_Doc):
    """Lumbar range of motion from the sensors, degrees (flexion forward, extension back)."""

    flexion_deg: float | None = Field(default=None, ge=0, le=180)
    extension_deg: float | None = Field(default=None, ge=0, le=90)


class Measurement(_Doc):
    """One re-measurement: questionnaire scores and physical tests on one date."""

    date: dt.date
    odi: float | None = Field(default=None, ge=0, le=100, description="ODI percent")
    rmdq: int | None = Field(default=None, ge=0, le=24)
    nprs: int | None = Field(default=None, ge=0, le=10)
    psfs: float | None = Field(default=None, ge=0, le=10, description="mean activity score")
    fabq_pa: int | None = Field(default=None, ge=0, le=24)
    fabq_w: int | None = Field(default=None, ge=0, le=42)
    endurance: EnduranceTimes = Field(default_factory=EnduranceTimes)
    rom: RangeOfMotion = Field(default_factory=RangeOfMotion)
    sway: float | None = Field(
        default=None,
        ge=0,
        description="standing sway from the sensors, RMS in degrees; lower is steadier",
    )

    def values(self) -> dict[str, float]:
        """Every measure present, flattened to the names used in classification."""
        flat: dict[str, float | None] = {
            "odi": self.odi,
            "rmdq": self.rmdq,
            "nprs": self.nprs,
            "psfs": self.psfs,
            "fabq_pa": self.fabq_pa,
            "fabq_w": self.fabq_w,
            **self.endurance.model_dump(),
            "flexion_rom_deg": self.rom.flexion_deg,
            "extension_rom_deg": self.rom.extension_deg,
            "sway": self.sway,
        }
        return {k: float(v) for k, v in flat.items() if v is not None}


class Timeline(_Doc):
    """A patient's measurements over the course (first = baseline) and weekly adherence."""

    patient_id: str = Field(min_length=1)
    measurements: list[Measurement] = Field(min_length=1)
    adherence: list[AdherenceWeek] = Field(default_factory=list)
    exercises: list[ExerciseCompletion] = Field(default_factory=list)

    @model_validator(mode="after")
    def _in_order(self) -> Timeline:
        for i in range(1, len(self.measurements)):
            if self.measurements[i].date <= self.measurements[i - 1].date:
                raise ValueError(
                    f"measurements.{i}.date {self.measurements[i].date} is not after "
                    f"{self.measurements[i - 1].date}; dates must strictly increase"
                )
        for i, week in enumerate(self.adherence):
            if week.week != i + 1:
                raise ValueError(f"adherence.{i}.week is {week.week}; weeks must run 1, 2, 3 ...")
        return self


class SeriesPoint(_Doc):
    date: dt.date
    value: float


class EnduranceRatios(_Doc):
    """McGill's balance ratios; markers name the ones beyond his proposed limits."""

    flexor_extensor: float | None = None
    side_bridge_extensor: float | None = None
    right_left: float | None = None
    markers: list[str] = Field(default_factory=list)


class OutcomeSummary(_Doc):
    """Change from baseline per measure, felt vs functioned better, recovery and adherence."""

    patient_id: str
    baseline_date: dt.date
    latest_date: dt.date
    changes: list[MeasureChange]
    felt_better: bool | None = Field(description="pain improved by its MCID; null: not measured")
    functioned_better: bool | None = Field(
        description="patient-reported function (ODI, RMDQ, PSFS): one improved by its MCID and "
        "none worse by it; null: none measured twice"
    )
    objective_better: bool | None = Field(
        default=None,
        description="measured function (endurance, range of motion, sway): one improved beyond "
        "its threshold and none worse; reported beside functioned_better, never deciding it",
    )
    recovered: dict[str, bool] = Field(description="RMDQ <= 2, NPRS 0 (Kamper 2010)")
    endurance_ratios: dict[str, EnduranceRatios]
    series: dict[str, list[SeriesPoint]]
    adherence: AdherenceSummary | None = None
    notes: list[str] = Field(default_factory=list)


def summarize_timeline(timeline: Timeline) -> OutcomeSummary:
    """Classify every measure's change from its first to its latest value."""
    series = _series(timeline)
    changes = [
        classify_change(name, points[0].value, points[-1].value)
        for name, points in series.items()
        if len(points) > 1
    ]
    by_name = {c.measure: c for c in changes}
    latest = {name: points[-1].value for name, points in series.items()}
    recovered: dict[str, bool] = {}
    if "rmdq" in latest:
        recovered["rmdq"] = latest["rmdq"] <= RMDQ_RECOVERED_MAX
    if "nprs" in latest:
        recovered["nprs"] = latest["nprs"] == NPRS_RECOVERED
    adherence = None
    if timeline.adherence or timeline.exercises:
        adherence = summarize_adherence(timeline.adherence, timeline.exercises)
    first, last = timeline.measurements[0], timeline.measurements[-1]
    return OutcomeSummary(
        patient_id=timeline.patient_id,
        baseline_date=first.date,
        latest_date=last.date,
        changes=changes,
        felt_better=_better(by_name, FELT_MEASURES),
        functioned_better=_better(by_name, FUNCTION_MEASURES),
        objective_better=_better(by_name, OBJECTIVE_MEASURES),
        recovered=recovered,
        endurance_ratios={"baseline": _ratios(first), "latest": _ratios(last)},
        series=series,
        adherence=adherence,
        notes=_notes(by_name),
    )


def _series(timeline: Timeline) -> dict[str, list[SeriesPoint]]:
    series: dict[str, list[SeriesPoint]] = {}
    for m in timeline.measurements:
        for name, value in m.values().items():
            series.setdefault(name, []).append(SeriesPoint(date=m.date, value=value))
    return series


def _better(changes: dict[str, MeasureChange], names: tuple[str, ...]) -> bool | None:
    """One improved beyond its threshold and none worse beyond it; None when none classified."""
    classified = [
        changes[n] for n in names if n in changes and changes[n].classification != "not_classified"
    ]
    if not classified:
        return None
    kinds = {c.classification for c in classified}
    return "improved" in kinds and "worse" not in kinds


def _ratios(m: Measurement) -> EnduranceRatios:
    """McGill balance ratios: flexor/extensor > 1.0, side bridge/extensor > 0.75, R/L 1 +- 0.05."""
    e = m.endurance
    fe = _div(e.flexor_s, e.extensor_s)
    sides = (
        (e.side_bridge_right_s + e.side_bridge_left_s) / 2
        if e.side_bridge_right_s is not None and e.side_bridge_left_s is not None
        else None
    )
    se = _div(sides, e.extensor_s)
    rl = _div(e.side_bridge_right_s, e.side_bridge_left_s)
    markers = []
    if fe is not None and fe > 1.0:  # McGill: flexion/extension > 1.0 (matassessment.com)
        markers.append("flexor_extensor_high")
    if se is not None and se > 0.75:  # McGill: side bridge/extension > 0.75 (matassessment.com)
        markers.append("side_bridge_extensor_high")
    if rl is not None and abs(rl - 1) > 0.05:  # R/L within 0.05 of 1 (McGill; the 0.05 is [U])
        markers.append("side_asymmetry")
    return EnduranceRatios(
        flexor_extensor=fe, side_bridge_extensor=se, right_left=rl, markers=markers
    )


def _div(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def _notes(changes: dict[str, MeasureChange]) -> list[str]:
    notes: list[str] = []
    rmdq = changes.get("rmdq")
    low, high = RMDQ_DETECTABLE
    if rmdq is not None and not low <= rmdq.baseline <= high:
        notes.append(
            f"RMDQ baseline {rmdq.baseline:g} is outside {low}-{high}: change is not reliably "
            "detectable (Stratford et al.)"
        )
    for c in changes.values():
        if c.classification == "not_classified":
            notes.append(f"{c.measure}: no published threshold; change reported, not classified")
    return notes


def render_summary(summary: OutcomeSummary) -> str:
    """A readable outcome summary for the clinician."""
    lines = [
        f"Outcomes for {summary.patient_id}: {summary.baseline_date} -> {summary.latest_date}",
        f"  felt better (pain):        {_yes_no(summary.felt_better)}",
        f"  functioned better:         {_yes_no(summary.functioned_better)} "
        "(decided by ODI, RMDQ, PSFS)",
        f"  measured function better:  {_yes_no(summary.objective_better)} "
        "(endurance, range of motion, sway; beside, not deciding)",
    ]
    for name, ok in summary.recovered.items():
        lines.append(f"  recovered by {name.upper():<13}{'yes' if ok else 'no'}")
    lines.append("  change from baseline:")
    for c in summary.changes:
        lines.append(
            f"    {c.measure:<20} {c.baseline:g} -> {c.latest:g}  {_direction(c)}  "
            f"[{c.classification.replace('_', ' ')}; threshold {c.threshold}]"
        )
    if summary.adherence is not None:
        a = summary.adherence
        overall = f"{a.overall:.0%}" if a.overall is not None else "n/a"
        lines.append(f"  adherence: {overall} of prescribed sessions")
        if a.over_weeks:
            weeks = ", ".join(str(w) for w in a.over_weeks)
            lines.append(f"  more sessions than prescribed in week(s) {weeks} (counted as 100 %)")
        if a.alert_text:
            lines.append(f"  ALERT {a.alert_text}")
    lines.extend(f"  note: {n}" for n in summary.notes)
    return "\n".join(lines)


def _direction(c: MeasureChange) -> str:
    """The change in words: 'improved by 15 points (30 %)', 'worse by 2 points', 'no change'."""
    if c.improvement == 0:
        return "no change"
    unit = measure_unit(c.measure)
    word = "improved" if c.improvement > 0 else "worse"
    pct = (
        f" ({abs(c.percent_improvement):g} % of baseline)"
        if c.percent_improvement is not None
        else ""
    )
    return f"{word} by {abs(c.improvement):g} {unit}{pct}"


def _yes_no(value: bool | None) -> str:
    return "not measured" if value is None else ("yes" if value else "no")
