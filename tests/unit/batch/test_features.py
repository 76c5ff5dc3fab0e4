"""The cohort's feature rows are the analysis, flattened; the day table sums them correctly."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from spinecoach.batch.features import (
    DAY_INPUTS,
    DAY_SCHEMA,
    FEATURE_SCHEMA,
    MEASURES,
    daily_features,
    feature_row,
)
from spinecoach.sensors import analyze
from spinecoach.simulate.recording import simulate_recording


@pytest.fixture(scope="module")
def bends() -> Any:
    return analyze(simulate_recording("forward-bends", seed=1).recording)


def test_a_feature_row_copies_the_analysis(bends: Any) -> None:
    row = feature_row(bends)
    assert list(row) == [name for name, _ in MEASURES]
    assert row["rep_count"] == bends.reps.rep_count > 0
    assert row["rom_flexion_deg"] == bends.rom_deg["flexion"]
    assert row["time_neutral_s"] == bends.posture.time_in_zones_s["neutral"]
    assert row["samples"] == bends.samples
    assert row["sensors"] == "sacrum,lumbar"
    assert row["fusion"] == "6D"
    assert row["calibration_grade"] == bends.calibration.grade
    assert row["sway_rms_ap_deg"] == bends.sway.longest.rms_ap_deg
    identity = {
        "patient": "P1",
        "recording": "P1/a.csv",
        "day": dt.date(2026, 11, 2),
        "format": "canonical",
        "checksum": "ab",
        "analysis_version": "v",
        "size_bytes": 10,
    }
    table = pa.Table.from_pylist([identity | row], schema=FEATURE_SCHEMA)  # types fit
    assert table.num_rows == 1


def _recording(patient: str, day: str | None, **values: Any) -> dict[str, Any]:
    row = dict.fromkeys(name for name, _ in MEASURES)
    row.update(
        {"duration_s": 0.0, "hold_time_s": 0.0, "quiet_stance_s": 0.0, "warnings": []}
        | {f"rom_{n}_deg": 0.0 for n in ("flexion", "extension")}
        | {"calibration_grade": "good"}
    )
    row.update(values)
    return {"patient": patient, "day": None if day is None else dt.date.fromisoformat(day), **row}


def test_a_day_sums_times_keeps_the_largest_rom_and_weights_the_means() -> None:
    features = pa.Table.from_pylist(
        [
            _recording(
                "P1",
                "2026-11-02",
                duration_s=600.0,
                rep_count=10,
                rom_flexion_deg=40.0,
                hold_time_s=30.0,
                stillness_rms_deg=1.0,
                warnings=["a"],
            ),
            _recording(
                "P1",
                "2026-11-02",
                duration_s=300.0,
                rep_count=5,
                rom_flexion_deg=55.0,
                hold_time_s=10.0,
                stillness_rms_deg=3.0,
                calibration_grade="fair",
            ),
            _recording("P1", "2026-11-02", duration_s=60.0, hold_time_s=0.0),
            _recording("P1", None, duration_s=100.0, warnings=["b", "c"]),
            _recording("P2", "2026-11-02", duration_s=50.0, calibration_grade="poor"),
        ],
        schema=pa.schema(
            [FEATURE_SCHEMA.field(n) for n in ["patient", "day", *(m for m, _ in MEASURES)]]
        ),
    )
    table = daily_features(features)
    assert table.schema == DAY_SCHEMA
    assert daily_features(features.select(DAY_INPUTS)).equals(table)  # all it reads
    flat = table.to_pandas()
    assert list(zip(flat["patient"], flat["day"], strict=True)) == [
        ("P1", dt.date(2026, 11, 2)),
        ("P1", None),
        ("P2", dt.date(2026, 11, 2)),
    ]  # by patient, then day, the undated last
    days = flat.set_index(["patient", "day"])
    p1 = days.loc[("P1", dt.date(2026, 11, 2))]
    assert p1["recordings"] == 3
    assert p1["duration_s"] == 960.0
    assert p1["rep_count"] == 15
    assert p1["rom_flexion_deg"] == 55.0
    assert p1["stillness_rms_deg"] == pytest.approx((30 * 1.0 + 10 * 3.0) / 40)
    assert p1["calibration_worst"] == "fair"
    assert p1["warning_count"] == 1
    undated = flat[(flat["patient"] == "P1") & flat["day"].isna()].iloc[0]
    assert undated["duration_s"] == 100.0
    assert undated["warning_count"] == 2
    assert pd.isna(undated["stillness_rms_deg"])  # no holds that day: no stillness, not zero
    assert days.loc[("P2", dt.date(2026, 11, 2)), "calibration_worst"] == "poor"
    assert len(days) == 3


def test_no_features_no_days() -> None:
    days = daily_features(FEATURE_SCHEMA.empty_table())
    assert days.num_rows == 0
    assert days.schema == DAY_SCHEMA
