"""Every chart of spinecoach, drawn server-side as SVG (Altair specs rendered by vl-convert).

Pure functions from domain values to SVG text: the same input gives the same bytes, nothing is
fetched at run time (vl-convert carries Vega and Vega-Lite), and pages and PDF reports embed
the same pictures. Dates are drawn in UTC so a chart does not move with the server's time zone.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import altair as alt
import vl_convert

from spinecoach.errors import InputError
from spinecoach.outcomes.adherence import ADHERENCE_TARGET, AdherenceWeek
from spinecoach.outcomes.change import MEASURE_THRESHOLDS
from spinecoach.sensors.posture import ZONES

__all__ = [
    "PROM_SCALES",
    "TRACE_MAX_POINTS",
    "adherence_chart",
    "calibration_chart",
    "downsample_trace",
    "endurance_chart",
    "holds_chart",
    "lumbar_trace_chart",
    "mcid_band",
    "posture_zones_chart",
    "prom_chart",
    "reps_chart",
    "rom_chart",
    "stillness_chart",
    "sway_chart",
]

Points = Sequence[tuple[dt.date, float]]
"""A measure over time: (date, value) pairs, oldest first."""

WIDTH: Final = 460
HEIGHT: Final = 200
TRACE_MAX_POINTS: Final = 800
"""A lumbar-angle trace is cut to at most this many points (min and max kept per bucket)."""

_BLUE: Final = "#1f4e79"
_BAND: Final = "#f3d98b"
_ZONE_COLOURS: Final = ("#4c9a6a", "#e3b448", "#e07b39", "#b83b3b")

PROM_SCALES: Final[dict[str, tuple[str, float, float]]] = {
    "odi": ("Disability, ODI (%)", 0, 100),
    "rmdq": ("Disability, RMDQ (0-24)", 0, 24),
    "nprs": ("Pain, NPRS (0-10)", 0, 10),
    "psfs": ("Function, PSFS mean (0-10)", 0, 10),
    "fabq_pa": ("Fear-avoidance, FABQ-PA (0-24)", 0, 24),
    "fabq_w": ("Fear-avoidance, FABQ-W (0-42)", 0, 42),
}
"""PROM -> axis title and the scale's full range."""

_ENDURANCE: Final = {
    "flexor_s": "Flexor",
    "extensor_s": "Extensor",
    "side_bridge_right_s": "Side bridge right",
    "side_bridge_left_s": "Side bridge left",
}
_ROM: Final = {"flexion_rom_deg": "Flexion", "extension_rom_deg": "Extension"}


def _svg(chart: alt.TopLevelMixin) -> str:
    """The chart as SVG with a ``<title>`` and ``<desc>`` (from its title and description), so
    the picture names itself wherever it is embedded (page, PDF report, saved file)."""
    spec = chart.to_dict()
    svg = str(vl_convert.vegalite_to_svg(spec))
    title = spec.get("title", {})
    name = title.get("text", "") if isinstance(title, dict) else str(title)
    desc = str(spec.get("description", name))
    head = svg.index(">", svg.index("<svg")) + 1
    return (
        f"{svg[:head]}<title>{html.escape(str(name))}</title><desc>{html.escape(desc)}</desc>"
        f"{svg[head:]}"
    )


def _rows(points: Points, **extra: Any) -> list[dict[str, Any]]:
    return [{"date": d.isoformat(), "value": float(v), **extra} for d, v in points]


def _date_axis() -> alt.X:
    return alt.X(
        "date:T",
        title="Date",
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%d %b", labelAngle=0, tickCount=5),
    )


def _titled(chart: alt.TopLevelMixin, title: str, subtitle: str) -> alt.TopLevelMixin:
    return chart.properties(
        title=alt.Title(title, subtitle=subtitle, anchor="start"),
        width=WIDTH,
        height=HEIGHT,
        description=f"{title}. {subtitle}",
    )


def mcid_band(measure: str, baseline: float) -> tuple[float, float]:
    """The values within one minimal important change of ``baseline`` (points or percent,
    whichever is smaller, as in :func:`spinecoach.outcomes.change.classify_change`)."""
    t = MEASURE_THRESHOLDS[measure]
    widths = []
    if t.points is not None:
        widths.append(t.points)
    if t.percent is not None and baseline:
        widths.append(abs(baseline) * t.percent / 100)
    if not widths:
        raise InputError(f"chart: {measure} has no change threshold to draw")
    width = min(widths)
    return baseline - width, baseline + width


def prom_chart(measure: str, points: Points) -> str:
    """A PROM over time with the band of no important change around the baseline."""
    if measure not in PROM_SCALES:
        raise InputError(f"chart: '{measure}' is not a PROM ({', '.join(PROM_SCALES)})")
    if not points:
        raise InputError(f"chart: no {measure} values to draw")
    title, low, high = PROM_SCALES[measure]
    t = MEASURE_THRESHOLDS[measure]
    baseline = float(points[0][1])
    layers: list[alt.Chart] = []
    subtitle = "higher is better" if t.higher_is_better else "lower is better"
    try:
        lo, hi = mcid_band(measure, baseline)
    except InputError:
        subtitle += "; no published important change"
    else:
        band = {"lo": max(lo, low), "hi": min(hi, high)}
        layers.append(
            alt.Chart(alt.InlineData(values=[band]))
            .mark_rect(color=_BAND, opacity=0.45)
            .encode(y="lo:Q", y2="hi:Q")
        )
        subtitle += f"; shaded: within the important change ({_threshold(measure)}) of baseline"
    y = alt.Y("value:Q", title=title, scale=alt.Scale(domain=[low, high]))
    line = alt.Chart(alt.InlineData(values=_rows(points))).encode(x=_date_axis(), y=y)
    layers.append(
        alt.Chart(alt.InlineData(values=[{"baseline": baseline}]))
        .mark_rule(color=_BLUE, strokeDash=[4, 3], opacity=0.6)
        .encode(y="baseline:Q")
    )
    layers.append(line.mark_line(color=_BLUE, point=alt.OverlayMarkDef(color=_BLUE, size=50)))
    return _svg(_titled(alt.layer(*layers), title, subtitle))


def _threshold(measure: str) -> str:
    t = MEASURE_THRESHOLDS[measure]
    parts = []
    if t.points is not None:
        parts.append(f"{t.points:g} points")
    if t.percent is not None:
        parts.append(f"{t.percent:g} %")
    return " or ".join(parts)


def _multi_series(
    series: Mapping[str, Points], names: Mapping[str, str], title: str, y_title: str, note: str
) -> str:
    rows = [row for key, label in names.items() for row in _rows(series.get(key, ()), series=label)]
    if not rows:
        raise InputError(f"chart: nothing to draw for {title.lower()}")
    colour = alt.Color(
        "series:N",
        title=None,
        sort=list(names.values()),
        scale=alt.Scale(domain=list(names.values())),
        legend=alt.Legend(orient="bottom"),
    )
    chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_line(point=True)
        .encode(x=_date_axis(), y=alt.Y("value:Q", title=y_title), color=colour)
    )
    return _svg(_titled(chart, title, note))


def endurance_chart(series: Mapping[str, Points]) -> str:
    """McGill endurance holds (s) over time, one line per test."""
    return _multi_series(
        series, _ENDURANCE, "Trunk endurance", "Hold (s)", "hold time to form failure"
    )


def rom_chart(series: Mapping[str, Points]) -> str:
    """Lumbar range of motion from the sensors (deg) over time."""
    return _multi_series(
        series, _ROM, "Lumbar range of motion", "Range (deg)", "measured by the sensors"
    )


def sway_chart(points: Points, unit: str = "deg RMS") -> str:
    """Standing sway over time (lower is steadier); the timeline's sway is RMS in degrees."""
    if not points:
        raise InputError("chart: no sway values to draw")
    chart = (
        alt.Chart(alt.InlineData(values=_rows(points)))
        .mark_line(color=_BLUE, point=True)
        .encode(
            x=_date_axis(),
            y=alt.Y(
                "value:Q", title=f"Sway{f' ({unit})' if unit else ''}", scale=alt.Scale(zero=True)
            ),
        )
    )
    return _svg(_titled(chart, "Standing sway", "lower is steadier"))


def adherence_chart(weeks: Sequence[AdherenceWeek]) -> str:
    """Sessions done over prescribed per week (%), with the adherence target."""
    rows = [
        {"week": w.week, "percent": round(100 * min(w.ratio, 1.0), 1)}
        for w in weeks
        if w.ratio is not None
    ]
    if not rows:
        raise InputError("chart: no adherence weeks to draw")
    target = 100 * ADHERENCE_TARGET
    bars = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_bar(color=_BLUE)
        .encode(
            x=alt.X("week:O", title="Week", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("percent:Q", title="Sessions done (%)", scale=alt.Scale(domain=[0, 100])),
        )
    )
    rule = (
        alt.Chart(alt.InlineData(values=[{"target": target}]))
        .mark_rule(color="#b83b3b", strokeDash=[4, 3])
        .encode(y="target:Q")
    )
    return _svg(
        _titled(
            alt.layer(bars, rule), "Adherence", f"dashed: the {target:.0f} % target (clinic policy)"
        )
    )


def posture_zones_chart(days: Sequence[tuple[dt.date, Mapping[str, float]]]) -> str:
    """Time in each lumbar flexion zone per day (hours), stacked."""
    rows = [
        {
            "date": day.isoformat(),
            "zone": zone,
            "order": i,
            "hours": round(s.get(zone, 0.0) / 3600, 3),
        }
        for day, s in days
        for i, zone in enumerate(ZONES)
    ]
    if not rows:
        raise InputError("chart: no posture days to draw")
    chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_bar()
        .encode(
            x=alt.X("date:O", title="Day", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("hours:Q", title="Time (h)", stack="zero"),
            color=alt.Color(
                "zone:N",
                title="Flexion zone",
                sort=list(ZONES),
                scale=alt.Scale(domain=list(ZONES), range=list(_ZONE_COLOURS)),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("order:Q"),
        )
    )
    return _svg(_titled(chart, "Posture time in zones", "lumbar flexion zones per recorded day"))


def downsample_trace(
    t_s: Sequence[float], values: Sequence[float], max_points: int = TRACE_MAX_POINTS
) -> list[tuple[float, float]]:
    """Cut a long trace to at most ``max_points`` points, keeping each bucket's min and max
    (in time order), so peaks stay visible."""
    if len(t_s) != len(values):
        raise InputError(f"trace: {len(t_s)} times but {len(values)} angles")
    pairs = [(float(t), float(v)) for t, v in zip(t_s, values, strict=True) if math.isfinite(v)]
    if len(pairs) <= max_points:
        return pairs
    buckets = max(max_points // 2, 1)
    size = len(pairs) / buckets
    kept: list[tuple[float, float]] = []
    for b in range(buckets):
        chunk = pairs[int(b * size) : int((b + 1) * size)]
        if not chunk:
            continue
        low = min(chunk, key=lambda p: p[1])
        high = max(chunk, key=lambda p: p[1])
        kept.extend(sorted({low, high}))
    return kept


def lumbar_trace_chart(
    t_s: Sequence[float],
    flexion_deg: Sequence[float],
    max_points: int = TRACE_MAX_POINTS,
    *,
    samples: int | None = None,
) -> str:
    """Lumbar flexion (deg, forward positive) over a recording, downsampled; ``samples``: the
    recording's length when ``t_s`` was already cut from it."""
    points = downsample_trace(t_s, flexion_deg, max_points)
    if not points:
        raise InputError("chart: the trace is empty")
    rows = [{"t": round(t / 60, 4), "deg": round(v, 2)} for t, v in points]
    chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_line(color=_BLUE, strokeWidth=1)
        .encode(
            x=alt.X("t:Q", title="Time (min)"),
            y=alt.Y("deg:Q", title="Flexion (deg)"),
        )
    )
    return _svg(
        _titled(
            chart,
            "Lumbar flexion",
            f"{len(points)} of {max(samples or 0, len(t_s))} samples drawn (min and max kept)",
        )
    )


def stillness_chart(points: Points, limit_deg: float | None = None) -> str:
    """Lumbar stillness during holds over the recorded sessions (mean RMS, deg; lower is
    stiller), with the stillness the program asks for to progress when given."""
    if not points:
        raise InputError("chart: no stillness values to draw")
    line = (
        alt.Chart(alt.InlineData(values=_rows(points)))
        .mark_line(color=_BLUE, point=alt.OverlayMarkDef(color=_BLUE, size=50))
        .encode(
            x=_date_axis(),
            y=alt.Y("value:Q", title="Stillness (deg RMS)", scale=alt.Scale(zero=True)),
        )
    )
    note = "mean lumbar movement (RMS), lower is stiller"
    layers: list[alt.Chart] = [line]
    if limit_deg is not None:
        layers.append(_limit_rule(limit_deg))
        note = f"lower is stiller; dashed: {limit_deg:g} deg, the limit to progress"
    return _svg(_titled(alt.layer(*layers), "Stillness during holds", note))


def _limit_rule(value: float) -> alt.Chart:
    rule: alt.Chart = (
        alt.Chart(alt.InlineData(values=[{"limit": value}]))
        .mark_rule(color="#b83b3b", strokeDash=[4, 3])
        .encode(y="limit:Q")
    )
    return rule


def reps_chart(reps: Sequence[Mapping[str, Any]]) -> str:
    """Every repetition of a recording, in order, with its amplitude (peak angle from neutral,
    deg), coloured by direction; ``reps`` carry ``amplitude_deg``, ``direction``, ``start_s``."""
    rows = [
        {
            "rep": i + 1,
            "amplitude": round(float(r["amplitude_deg"]), 2),
            "direction": str(r.get("direction", "")),
            "start": round(float(r.get("start_s", 0.0)), 1),
        }
        for i, r in enumerate(reps)
    ]
    if not rows:
        raise InputError("chart: no repetitions to draw")
    chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_bar(size=28)
        .encode(
            x=alt.X("rep:O", title="Repetition", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("amplitude:Q", title="Amplitude (deg)", scale=alt.Scale(zero=True)),
            color=alt.Color("direction:N", title="Direction", legend=alt.Legend(orient="bottom")),
        )
    )
    amplitudes = [float(r["amplitude_deg"]) for r in reps]
    mean = sum(amplitudes) / len(amplitudes)
    return _svg(
        _titled(
            chart,
            "Repetitions",
            f"{len(rows)} reps, mean amplitude {mean:.0f} deg (peak angle from neutral)",
        )
    )


def holds_chart(holds: Sequence[Mapping[str, Any]], limit_deg: float | None = None) -> str:
    """Lumbar stillness (RMS, deg) of every hold of a recording, with the stillness the program
    asks for to progress when given; ``holds`` carry ``stillness_rms_deg``, ``duration_s``."""
    rows = [
        {
            "hold": i + 1,
            "rms": round(float(h["stillness_rms_deg"]), 3),
            "seconds": round(float(h.get("duration_s", 0.0)), 1),
        }
        for i, h in enumerate(holds)
    ]
    if not rows:
        raise InputError("chart: no holds to draw")
    bars = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_bar(color=_BLUE, size=28)
        .encode(
            x=alt.X("hold:O", title="Hold", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("rms:Q", title="Stillness (deg RMS)", scale=alt.Scale(zero=True)),
        )
    )
    layers: list[alt.Chart] = [bars]
    note = f"{len(rows)} hold{'' if len(rows) == 1 else 's'}; lower is stiller"
    if limit_deg is not None:
        layers.append(_limit_rule(limit_deg))
        note += f"; dashed: {limit_deg:g} deg, the limit for progression"
    return _svg(_titled(alt.layer(*layers), "Stillness during holds", note))


CALIBRATION_GRADES: Final = (("good", 0.0, 3.0), ("fair", 3.0, 6.0), ("poor", 6.0, 10.0))
"""Gyroscope RMS bands (deg/s) of the standing calibration, as graded in
:func:`spinecoach.sensors.calibration.calibrate` (clinic policy); 10 deg/s is refused."""


def calibration_chart(gyro_rms_deg_s: float, grade: str) -> str:
    """How still the standing calibration was (gyroscope RMS, deg/s) on the good / fair / poor
    bands: the neutral reference every angle is measured from is only as good as this."""
    bands = [
        {"grade": g, "lo": lo, "hi": hi, "order": i}
        for i, (g, lo, hi) in enumerate(CALIBRATION_GRADES)
    ]
    top = CALIBRATION_GRADES[-1][2]
    value = min(max(float(gyro_rms_deg_s), 0.0), top)
    band = (
        alt.Chart(alt.InlineData(values=bands))
        .mark_bar(opacity=0.55, height=36)
        .encode(
            x=alt.X(
                "lo:Q",
                title="Gyroscope RMS while standing (deg/s)",
                scale=alt.Scale(domain=[0, top]),
            ),
            x2="hi:Q",
            color=alt.Color(
                "grade:N",
                title="Calibration",
                sort=[g for g, _, _ in CALIBRATION_GRADES],
                scale=alt.Scale(
                    domain=[g for g, _, _ in CALIBRATION_GRADES],
                    range=[_ZONE_COLOURS[0], _ZONE_COLOURS[1], _ZONE_COLOURS[3]],
                ),
                legend=alt.Legend(orient="bottom"),
            ),
        )
    )
    mark = (
        alt.Chart(alt.InlineData(values=[{"value": value}]))
        .mark_tick(color=_BLUE, thickness=4, size=52)
        .encode(x="value:Q")
    )
    chart = alt.layer(band, mark).properties(
        title=alt.Title(
            "Calibration quality",
            subtitle=f"{grade}: {gyro_rms_deg_s:.1f} deg/s while standing still",
            anchor="start",
        ),
        width=WIDTH,
        height=60,
        description=f"Calibration quality. {grade}: gyroscope RMS {gyro_rms_deg_s:.1f} deg/s "
        "while standing still (good below 3, fair below 6)",
    )
    return _svg(chart)
