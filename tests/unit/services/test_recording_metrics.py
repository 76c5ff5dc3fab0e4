"""What an exercise recording gives the session log: reps (or holds), quality and ROM."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinecoach.services.recordings import STILLNESS_SCALE_DEG, RecordingMetrics, hold_quality


def _metrics(**changes: object) -> RecordingMetrics:
    base: dict[str, object] = {
        "duration_s": 60.0,
        "sample_rate_hz": 100.0,
        "rep_count": 0,
        "hold_count": 0,
        "stillness_rms_deg": None,
        "quality": None,
        "rom_deg": {"flexion": 12.0, "extension": 3.0},
        "time_in_zones_s": {},
        "sway_rms_ap_deg": None,
        "sway_ellipse95_deg2": None,
        "warnings": [],
    }
    return RecordingMetrics.model_validate({**base, **changes})


def test_holds_count_as_repetitions_of_a_hold_exercise() -> None:
    assert _metrics(hold_count=6).sensor_metrics().rep_count == 6
    assert _metrics(rep_count=10, hold_count=2).sensor_metrics().rep_count == 10


def test_rom_is_the_largest_range_used() -> None:
    assert _metrics().sensor_metrics().rom_deg == pytest.approx(12.0)
    assert _metrics(rom_deg={}).sensor_metrics().rom_deg == 0.0


@given(st.floats(min_value=0, max_value=180, allow_nan=False))
def test_rom_stays_inside_the_session_log_bounds(rom: float) -> None:
    measured = _metrics(rom_deg={"flexion": rom}).sensor_metrics()
    assert measured.rom_deg is not None
    assert 0 <= measured.rom_deg <= 180


def test_hold_quality_follows_the_documented_scale() -> None:
    assert hold_quality(None) is None
    assert hold_quality(0.0) == 1.0
    assert hold_quality(0.3) == pytest.approx(0.94)
    assert hold_quality(2.0) == pytest.approx(0.6)
    assert hold_quality(STILLNESS_SCALE_DEG * 3) == 0.0


@given(st.floats(min_value=0, max_value=90, allow_nan=False), st.floats(0, 10, allow_nan=False))
def test_a_stiller_hold_never_scores_lower(rms: float, extra: float) -> None:
    steadier, shakier = hold_quality(rms), hold_quality(rms + extra)
    assert steadier is not None
    assert shakier is not None
    assert 0 <= shakier <= steadier <= 1
