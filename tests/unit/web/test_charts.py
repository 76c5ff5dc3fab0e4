"""The chart module: SVG with the expected axes, marks and titles, byte-for-byte reproducible."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET

import pytest

from spinecoach.errors import InputError
from spinecoach.outcomes.adherence import AdherenceWeek
from spinecoach.web import charts

SVG = "{http://www.w3.org/2000/svg}"
D = dt.date
ODI = [(D(2026, 1, 5), 31.11), (D(2026, 2, 2), 24.0), (D(2026, 3, 30), 16.0)]


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def _classes(root: ET.Element) -> list[str]:
    return [el.get("class", "") for el in root.iter() if el.get("class")]


def _texts(root: ET.Element, role: str) -> list[str]:
    return [
        "".join(el.itertext())
        for el in root.iter()
        if role in el.get("class", "").split() and el.tag == f"{SVG}g"
        for el in el.iter(f"{SVG}text")
    ]


def _marks(root: ET.Element, kind: str) -> int:
    return sum(1 for c in _classes(root) if c.startswith(f"mark-{kind} role-mark"))


def test_prom_chart_has_axes_title_band_and_one_point_per_visit() -> None:
    root = _parse(charts.prom_chart("odi", ODI))
    assert _classes(root).count("mark-group role-axis") == 4  # x and y, each with its grid
    assert _classes(root).count("mark-text role-axis-title") == 2
    assert "Disability, ODI (%)" in _texts(root, "role-title-text")
    assert any(
        "important change (10 points or 30 %)" in t for t in _texts(root, "role-title-subtitle")
    )
    assert {"Date", "Disability, ODI (%)"} <= set(_texts(root, "role-axis-title"))
    assert _marks(root, "rect") == 1  # the MCID band
    assert _marks(root, "line") == 1
    symbols = [el for el in root.iter() if el.get("class", "").startswith("mark-symbol role-mark")]
    assert len(list(symbols[0])) == len(ODI)


def test_mcid_band_is_the_smaller_of_points_and_percent() -> None:
    # ODI: 10 points or 30 % of 31.11 = 9.33 -> the band is +- 9.33
    low, high = charts.mcid_band("odi", 31.11)
    assert math.isclose(high - 31.11, 9.333, abs_tol=1e-3)
    assert math.isclose(31.11 - low, 9.333, abs_tol=1e-3)
    # NPRS at 8: 2 points beats 30 % (2.4)
    assert charts.mcid_band("nprs", 8) == (6, 10)


def test_a_measure_without_a_threshold_draws_no_band() -> None:
    root = _parse(charts.prom_chart("fabq_w", [(D(2026, 1, 5), 20), (D(2026, 3, 1), 12)]))
    assert _marks(root, "rect") == 0
    assert any("no published important change" in t for t in _texts(root, "role-title-subtitle"))


def test_charts_are_deterministic() -> None:
    assert charts.prom_chart("odi", ODI) == charts.prom_chart("odi", ODI)


def test_endurance_and_rom_draw_one_line_per_test_with_a_legend() -> None:
    series = {
        "flexor_s": [(D(2026, 1, 5), 95.0), (D(2026, 3, 30), 110.0)],
        "extensor_s": [(D(2026, 1, 5), 80.0), (D(2026, 3, 30), 132.0)],
    }
    root = _parse(charts.endurance_chart(series))
    assert "Trunk endurance" in _texts(root, "role-title-text")
    assert "Hold (s)" in _texts(root, "role-axis-title")
    legend = _texts(root, "role-legend-label")
    assert {"Flexor", "Extensor"} <= set(legend)
    rom = _parse(charts.rom_chart({"flexion_rom_deg": [(D(2026, 1, 5), 38.0)]}))
    assert "Range (deg)" in _texts(rom, "role-axis-title")


def test_adherence_bars_per_week_with_the_target_rule() -> None:
    weeks = [
        AdherenceWeek(
            week=i,
            start=D(2026, 1, 5) + dt.timedelta(days=7 * (i - 1)),
            sessions_prescribed=4,
            sessions_done=d,
        )
        for i, d in enumerate([4, 3, 1, 5], start=1)
    ]
    root = _parse(charts.adherence_chart(weeks))
    bars = next(el for el in root.iter() if el.get("class", "").startswith("mark-rect role-mark"))
    assert len(list(bars)) == 4
    assert _marks(root, "rule") == 1
    assert "Sessions done (%)" in _texts(root, "role-axis-title")


def test_posture_zones_stack_four_zones_per_day() -> None:
    days = [
        (D(2026, 1, 12), {"neutral": 19800.0, "mild": 6100.0, "moderate": 2200.0, "severe": 700.0}),
        (D(2026, 2, 9), {"neutral": 20400.0, "mild": 4900.0}),
    ]
    root = _parse(charts.posture_zones_chart(days))
    bars = next(el for el in root.iter() if el.get("class", "").startswith("mark-rect role-mark"))
    assert len(list(bars)) == 8
    assert {"neutral", "mild", "moderate", "severe"} <= set(_texts(root, "role-legend-label"))
    assert "Time (h)" in _texts(root, "role-axis-title")


def test_sway_chart_has_its_title() -> None:
    root = _parse(charts.sway_chart([(D(2026, 1, 5), 0.21), (D(2026, 3, 30), 0.18)]))
    assert "Standing sway" in _texts(root, "role-title-text")
    assert "Sway (deg RMS)" in _texts(root, "role-axis-title")


def test_long_traces_are_downsampled_keeping_the_peaks() -> None:
    n = 50_000
    t = [i / 100 for i in range(n)]
    angles = [10 * math.sin(i / 500) for i in range(n)]
    angles[31_337] = 75.0  # one spike must survive
    kept = charts.downsample_trace(t, angles, max_points=400)
    assert len(kept) <= 400
    assert max(v for _, v in kept) == 75.0
    assert [p[0] for p in kept] == sorted(p[0] for p in kept)
    root = _parse(charts.lumbar_trace_chart(t, angles, max_points=400))
    assert "Flexion (deg)" in _texts(root, "role-axis-title")
    assert any(f"of {n} samples" in s for s in _texts(root, "role-title-subtitle"))


def test_bad_input_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not a PROM"):
        charts.prom_chart("sway", ODI)
    with pytest.raises(InputError, match="no odi values"):
        charts.prom_chart("odi", [])
    with pytest.raises(InputError, match="3 times but 2 angles"):
        charts.downsample_trace([0, 1, 2], [0, 1])


def _symbols(root: ET.Element, kind: str) -> int:
    """Marks of ``kind`` drawn (one graphics symbol each; a line is one)."""
    return sum(
        1
        for group in root.iter(f"{SVG}g")
        if group.get("class", "").startswith(f"mark-{kind} role-mark")
        for el in group
        if el.get("role") == "graphics-symbol"
    )


def test_every_chart_names_itself_with_title_and_desc() -> None:
    root = _parse(charts.sway_chart([(D(2026, 1, 5), 1.2), (D(2026, 2, 2), 0.8)]))
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title"
    assert title.text == "Standing sway"
    assert desc.tag == f"{SVG}desc"
    assert "lower is steadier" in (desc.text or "")


def test_reps_chart_draws_one_bar_per_rep_by_direction() -> None:
    reps = [
        {"amplitude_deg": 40.0 + i, "direction": "flexion" if i % 2 else "extension"}
        for i in range(6)
    ]
    root = _parse(charts.reps_chart(reps))
    assert _symbols(root, "rect") == 6
    legend = " ".join(_texts(root, "role-legend"))
    assert "flexion" in legend
    assert "extension" in legend
    assert "mean amplitude 42 deg" in "".join(root.itertext())


def test_holds_chart_draws_one_bar_per_hold_and_the_progression_limit() -> None:
    holds = [{"stillness_rms_deg": x, "duration_s": 10.0} for x in (0.4, 1.9, 0.8)]
    root = _parse(charts.holds_chart(holds, 1.5))
    assert _symbols(root, "rect") == 3
    assert _symbols(root, "rule") == 1
    assert _symbols(_parse(charts.holds_chart(holds)), "rule") == 0


def test_stillness_over_sessions_draws_points_and_the_limit() -> None:
    points = [(D(2026, 1, 5), 2.0), (D(2026, 1, 12), 1.1), (D(2026, 1, 19), 0.7)]
    root = _parse(charts.stillness_chart(points, 1.5))
    assert _symbols(root, "symbol") == 3
    assert _symbols(root, "line") == 1
    assert _symbols(root, "rule") == 1


def test_calibration_chart_places_the_value_on_the_grade_bands() -> None:
    svg = charts.calibration_chart(4.2, "fair")
    assert svg.count('aria-roledescription="bar"') == 3
    assert svg.count('aria-roledescription="tick"') == 1
    assert "fair: 4.2 deg/s" in "".join(_parse(svg).itertext())
    # a value beyond the last band is drawn at its end, not off the chart
    assert charts.calibration_chart(50.0, "poor").count('aria-roledescription="tick"') == 1


def test_a_cut_trace_says_how_long_the_recording_was() -> None:
    t = [i / 10 for i in range(100)]
    text = "".join(_parse(charts.lumbar_trace_chart(t, [0.0] * 100, samples=9000)).itertext())
    assert "100 of 9000 samples drawn" in text


def test_new_charts_refuse_empty_input() -> None:
    with pytest.raises(InputError, match="repetitions"):
        charts.reps_chart([])
    with pytest.raises(InputError, match="holds"):
        charts.holds_chart([])
    with pytest.raises(InputError, match="stillness"):
        charts.stillness_chart([])
