"""Outcomes against hand-worked examples with the published MCIDs (Ostelo 2008; PSFS MDC 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from spinecoach.documents import parse_document
from spinecoach.errors import DocumentError
from spinecoach.outcomes import (
    AdherenceWeek,
    ExerciseCompletion,
    Timeline,
    classify_change,
    summarize_adherence,
    summarize_timeline,
    weekly_adherence,
)
from spinecoach.outcomes.timeline import render_summary


@pytest.mark.parametrize(
    ("measure", "baseline", "latest", "expected"),
    [
        # ODI: MCID 10 points or 30 % (Ostelo 2008)
        ("odi", 40, 28, "improved"),  # 12 points
        ("odi", 20, 14, "improved"),  # 6 points but 30 %
        ("odi", 40, 32, "unchanged"),  # 8 points, 20 %
        ("odi", 30, 41, "worse"),  # 11 points worse
        # RMDQ: MCID 5 points or 30 %
        ("rmdq", 16, 11, "improved"),  # 5 points
        ("rmdq", 10, 7, "improved"),  # 3 points = 30 %
        ("rmdq", 16, 12, "unchanged"),  # 4 points, 25 %
        ("rmdq", 12, 17, "worse"),
        # NPRS: MCID 2 points or 30 %
        ("nprs", 6, 4, "improved"),
        ("nprs", 3, 2, "improved"),  # 1 point = 33 %
        ("nprs", 5, 4, "unchanged"),  # 1 point = 20 %
        ("nprs", 4, 6, "worse"),
        # PSFS (higher is better): MDC 2 points for the mean, no percent rule
        ("psfs", 4.0, 6.0, "improved"),
        ("psfs", 4.0, 5.5, "unchanged"),
        ("psfs", 6.0, 3.9, "worse"),
        # FABQ: no published MCID
        ("fabq_w", 30, 10, "not_classified"),
    ],
)
def test_change_from_baseline_against_published_thresholds(
    measure: str, baseline: float, latest: float, expected: str
) -> None:
    assert classify_change(measure, baseline, latest).classification == expected


def test_change_reports_points_and_percent_in_the_better_direction() -> None:
    odi = classify_change("odi", 40, 28)
    assert (odi.improvement, odi.percent_improvement) == (12, 30.0)
    psfs = classify_change("psfs", 4, 6)
    assert (psfs.improvement, psfs.percent_improvement) == (2, 50.0)
    assert "Ostelo" in odi.source


def test_extensor_endurance_uses_the_mdc_derived_from_latimer() -> None:
    assert classify_change("extensor_s", 60, 100).classification == "improved"  # +40 s
    assert classify_change("extensor_s", 60, 95).classification == "unchanged"  # +35 s


def _timeline(**extra: Any) -> dict[str, Any]:
    return {
        "patient_id": "p1",
        "measurements": [
            {
                "date": "2026-01-05",
                "odi": 32,
                "rmdq": 9,
                "nprs": 5,
                "endurance": {
                    "flexor_s": 95,
                    "extensor_s": 80,
                    "side_bridge_right_s": 42,
                    "side_bridge_left_s": 50,
                },
            },
            {"date": "2026-02-02", "nprs": 4},
            {
                "date": "2026-03-30",
                "odi": 30,
                "rmdq": 2,
                "nprs": 4,
                "endurance": {
                    "flexor_s": 95,
                    "extensor_s": 125,
                    "side_bridge_right_s": 60,
                    "side_bridge_left_s": 60,
                },
            },
        ],
        **extra,
    }


def test_functioned_better_without_feeling_better() -> None:
    summary = summarize_timeline(parse_document(_timeline(), Timeline))
    changes = {c.measure: c.classification for c in summary.changes}
    assert changes["nprs"] == "unchanged"  # 5 -> 4: 1 point, 20 %
    assert changes["rmdq"] == "improved"  # 9 -> 2: 7 points
    assert changes["extensor_s"] == "improved"  # +45 s
    assert summary.felt_better is False
    assert summary.functioned_better is True
    assert summary.recovered == {"rmdq": True, "nprs": False}  # RMDQ <= 2; NPRS 0 (Kamper)
    assert [p.value for p in summary.series["nprs"]] == [5, 4, 4]


def test_endurance_ratios_and_mcgill_markers() -> None:
    summary = summarize_timeline(parse_document(_timeline(), Timeline))
    base = summary.endurance_ratios["baseline"]
    assert base.flexor_extensor == pytest.approx(95 / 80, abs=1e-3)
    assert base.right_left == pytest.approx(42 / 50, abs=1e-3)
    assert base.markers == ["flexor_extensor_high", "side_asymmetry"]
    assert summary.endurance_ratios["latest"].markers == []


def test_a_single_measurement_has_no_change_and_nothing_classified() -> None:
    raw = _timeline()
    raw["measurements"] = raw["measurements"][:1]
    summary = summarize_timeline(parse_document(raw, Timeline))
    assert summary.changes == []
    assert summary.felt_better is None
    assert summary.functioned_better is None


def test_rmdq_baseline_outside_the_detectable_range_is_noted() -> None:
    raw = _timeline()
    raw["measurements"][0]["rmdq"] = 3
    summary = summarize_timeline(parse_document(raw, Timeline))
    assert any("not reliably detectable" in n for n in summary.notes)


def test_timeline_dates_must_increase() -> None:
    raw = _timeline()
    raw["measurements"][1]["date"] = "2026-01-05"
    with pytest.raises(DocumentError, match=r"measurements.*strictly increase"):
        parse_document(raw, Timeline)


def test_timeline_values_are_range_checked() -> None:
    raw = _timeline()
    raw["measurements"][0]["rmdq"] = 25
    with pytest.raises(DocumentError, match=r"measurements\.0\.rmdq"):
        parse_document(raw, Timeline)


# --- adherence ----------------------------------------------------------------------------


def test_weekly_adherence_counts_sessions_per_week() -> None:
    start = dt.date(2026, 1, 5)
    dates = [start, start + dt.timedelta(days=2), start + dt.timedelta(days=9)]
    weeks = weekly_adherence(dates, start, [3, 3])
    assert [(w.sessions_done, w.sessions_prescribed) for w in weeks] == [(2, 3), (1, 3)]
    assert weeks[1].start == dt.date(2026, 1, 12)


def _weeks(done: list[int], prescribed: int = 3) -> list[AdherenceWeek]:
    start = dt.date(2026, 1, 5)
    return [
        AdherenceWeek(
            week=i + 1,
            start=start + dt.timedelta(days=7 * i),
            sessions_prescribed=prescribed,
            sessions_done=d,
        )
        for i, d in enumerate(done)
    ]


def test_two_low_weeks_in_a_row_raise_the_non_adherence_alert() -> None:
    drifting = summarize_adherence(_weeks([3, 3, 2, 1, 1]))
    assert drifting.alert
    assert drifting.low_weeks == [4, 5]
    assert drifting.overall == pytest.approx(10 / 15, abs=1e-3)
    assert drifting.alert_text is not None
    assert "2 weeks in a row" in drifting.alert_text


def test_alert_counts_the_longest_run_and_lists_every_low_week() -> None:
    mixed = summarize_adherence(_weeks([1, 3, 1, 1, 1, 3, 1]))
    assert mixed.alert_text is not None
    assert "3 weeks in a row" in mixed.alert_text
    assert "all low weeks: 1, 3, 4, 5, 7" in mixed.alert_text


def test_isolated_low_weeks_do_not_alert() -> None:
    steady = summarize_adherence(_weeks([3, 1, 3, 1, 3]))
    assert not steady.alert
    assert steady.low_weeks == [2, 4]
    assert steady.adherent_weeks == 3


def test_completion_per_exercise_in_the_summary() -> None:
    raw = _timeline(
        adherence=[w.model_dump(mode="json") for w in _weeks([3, 3])],
        exercises=[{"id": "bird_dog", "sessions_due": 6, "sessions_completed": 3}],
    )
    summary = summarize_timeline(parse_document(raw, Timeline))
    assert summary.adherence is not None
    assert summary.adherence.exercises == [
        ExerciseCompletion(id="bird_dog", sessions_due=6, sessions_completed=3)
    ]
    assert summary.adherence.exercises[0].completion == 0.5
    text = render_summary(summary)
    assert "functioned better:         yes" in text
    assert "adherence: 100% of prescribed sessions" in text
