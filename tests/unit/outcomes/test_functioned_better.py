"""'Functioned better' is decided by what the patient reports; changes are told in words."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from spinecoach.outcomes import Timeline, render_summary, summarize_timeline


def _timeline(baseline: dict[str, Any], latest: dict[str, Any], **extra: Any) -> Timeline:
    return Timeline.model_validate(
        {
            "patient_id": "p1",
            "measurements": [
                {"date": dt.date(2026, 1, 5), **baseline},
                {"date": dt.date(2026, 3, 2), **latest},
            ],
            **extra,
        }
    )


def test_worse_proms_are_not_functioned_better_whatever_the_plank_time() -> None:
    summary = summarize_timeline(
        _timeline(
            {"odi": 20, "rmdq": 6, "nprs": 3, "psfs": 6, "endurance": {"extensor_s": 60}},
            {"odi": 40, "rmdq": 12, "nprs": 6, "psfs": 3, "endurance": {"extensor_s": 150}},
        )
    )
    assert summary.functioned_better is False
    assert summary.objective_better is True
    assert summary.felt_better is False
    text = render_summary(summary)
    assert "functioned better:         no" in text
    assert "odi                  20 -> 40  worse by 20 points" in text
    assert "extensor_s           60 -> 150  improved by 90 s" in text


def test_one_prom_improved_and_none_worse_is_functioned_better() -> None:
    summary = summarize_timeline(_timeline({"odi": 40, "psfs": 4}, {"odi": 25, "psfs": 4.5}))
    assert summary.functioned_better is True
    assert "odi                  40 -> 25  improved by 15 points (37.5 % of baseline)" in (
        render_summary(summary)
    )


def test_mixed_proms_are_not_functioned_better() -> None:
    summary = summarize_timeline(_timeline({"odi": 40, "rmdq": 5}, {"odi": 20, "rmdq": 12}))
    assert summary.functioned_better is False


def test_objective_measures_alone_do_not_decide() -> None:
    summary = summarize_timeline(
        _timeline({"endurance": {"extensor_s": 60}}, {"endurance": {"extensor_s": 150}})
    )
    assert (summary.functioned_better, summary.objective_better) == (None, True)


def test_more_sessions_than_a_week_can_hold_are_refused_not_100_percent() -> None:
    week = {"week": 1, "start": "2026-01-05", "sessions_prescribed": 4, "sessions_done": 40}
    with pytest.raises(ValidationError, match="sessions_done"):
        _timeline({"odi": 30}, {"odi": 20}, adherence=[week])


def test_more_sessions_than_prescribed_are_shown_not_hidden() -> None:
    weeks = [
        {"week": 1, "start": "2026-01-05", "sessions_prescribed": 4, "sessions_done": 6},
        {"week": 2, "start": "2026-01-12", "sessions_prescribed": 4, "sessions_done": 4},
    ]
    summary = summarize_timeline(_timeline({"odi": 30}, {"odi": 20}, adherence=weeks))
    assert summary.adherence is not None
    assert summary.adherence.over_weeks == [1]
    assert "more sessions than prescribed in week(s) 1" in render_summary(summary)
