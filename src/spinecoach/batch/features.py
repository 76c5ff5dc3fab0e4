"""The cohort's tables: one flat row of features per recording, one per failure, one per day.

A row is the :class:`~spinecoach.sensors.Analysis` of ``spinecoach sensors analyze`` flattened
into columns with units in their names, so a cohort can be read by any Parquet tool. Nothing
here analyses anything: every number is copied from the analysis or summed over a day.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from spinecoach.sensors.monitor import Analysis
from spinecoach.sensors.posture import ZONES

__all__ = [
    "DAY_INPUTS",
    "DAY_SCHEMA",
    "FAILURE_SCHEMA",
    "FEATURES_LAYOUT",
    "FEATURE_SCHEMA",
    "IDENTITY",
    "MEANS",
    "RESULT_SCHEMA",
    "daily_features",
    "feature_row",
]

FEATURES_LAYOUT = 1
"""Version of the column layout below; part of the analysis version, so a new layout re-runs."""

IDENTITY: list[tuple[str, pa.DataType]] = [
    ("patient", pa.string()),
    ("recording", pa.string()),
    ("day", pa.date32()),
    ("format", pa.string()),
    ("checksum", pa.string()),
    ("analysis_version", pa.string()),
    ("size_bytes", pa.int64()),
    ("modified_ns", pa.int64()),
]
"""Who, which file (path relative to the cohort folder), which day, and the resume key
(recording, checksum, analysis version; size and modification time spare re-reading a file
that has not been touched since)."""

_ROM = ("flexion", "extension", "lateral_right", "lateral_left", "rotation_left", "rotation_right")

MEASURES: list[tuple[str, pa.DataType]] = [
    ("duration_s", pa.float64()),
    ("sample_rate_hz", pa.float64()),
    ("samples", pa.int64()),
    ("sensors", pa.string()),
    ("fusion", pa.string()),
    ("heading_realignments", pa.int64()),
    ("calibration_grade", pa.string()),
    ("calibration_duration_s", pa.float64()),
    ("calibration_gyro_rms_deg_s", pa.float64()),
    ("mounting_tilt_max_deg", pa.float64()),
    *((f"time_{zone}_s", pa.float64()) for zone in ZONES),
    ("sustained_flexion_count", pa.int64()),
    ("sustained_flexion_s", pa.float64()),
    ("sitting_s", pa.float64()),
    ("slouch_s", pa.float64()),
    ("lifting_count", pa.int64()),
    ("exercise_bend_count", pa.int64()),
    ("posture_alert_count", pa.int64()),
    *((f"rom_{name}_deg", pa.float64()) for name in _ROM),
    ("movement_count", pa.int64()),
    ("rep_count", pa.int64()),
    ("set_count", pa.int64()),
    ("hold_count", pa.int64()),
    ("hold_time_s", pa.float64()),
    ("stillness_rms_deg", pa.float64()),
    ("quiet_stance_s", pa.float64()),
    ("sway_bouts", pa.int64()),
    ("sway_rms_ap_deg", pa.float64()),
    ("sway_rms_ml_deg", pa.float64()),
    ("sway_path_length_deg", pa.float64()),
    ("sway_mean_velocity_deg_s", pa.float64()),
    ("sway_ellipse95_area_deg2", pa.float64()),
    ("gap_count", pa.int64()),
    ("warnings", pa.list_(pa.string())),
]
"""Per-recording features (s, Hz, deg, deg/s, deg²); sway is that of the longest bout."""

OUTCOME: list[tuple[str, pa.DataType]] = [
    ("status", pa.string()),
    ("error", pa.string()),
    ("reason", pa.string()),
]

FEATURE_SCHEMA = pa.schema(IDENTITY + MEASURES)
FAILURE_SCHEMA = pa.schema([*IDENTITY, ("error", pa.string()), ("reason", pa.string())])
RESULT_SCHEMA = pa.schema(IDENTITY + OUTCOME + MEASURES)
"""What a worker returns and the run journal holds: a feature row or a failure, by ``status``."""


def feature_row(analysis: Analysis) -> dict[str, Any]:
    """The measure columns of one recording's analysis."""
    a = analysis
    longest = a.sway.longest
    fusions = {v.split(":")[0] for v in a.orientation.values()}
    row: dict[str, Any] = {
        "duration_s": a.duration_s,
        "sample_rate_hz": a.sample_rate_hz,
        "samples": a.samples,
        "sensors": ",".join(a.sensors),
        "fusion": "/".join(sorted(fusions)),
        "heading_realignments": a.heading_realignments,
        "calibration_grade": a.calibration.grade,
        "calibration_duration_s": a.calibration.duration_s,
        "calibration_gyro_rms_deg_s": a.calibration.gyro_rms_deg_s,
        "mounting_tilt_max_deg": max(a.calibration.mounting_tilt_deg.values(), default=None),
        **{f"time_{zone}_s": a.posture.time_in_zones_s.get(zone, 0.0) for zone in ZONES},
        "sustained_flexion_count": a.posture.sustained_flexion_count,
        "sustained_flexion_s": sum(e.duration_s for e in a.posture.sustained_flexion),
        "sitting_s": a.posture.sitting_s,
        "slouch_s": a.posture.slouch_s,
        "lifting_count": a.posture.lifting_count,
        "exercise_bend_count": a.posture.exercise_bend_count,
        "posture_alert_count": len(a.posture.alerts),
        **{f"rom_{name}_deg": a.rom_deg[name] for name in _ROM},
        "movement_count": a.movement_count,
        "rep_count": a.reps.rep_count,
        "set_count": a.reps.set_count,
        "hold_count": a.quality.hold_count,
        "hold_time_s": a.quality.hold_time_s,
        "stillness_rms_deg": a.quality.mean_stillness_rms_deg,
        "quiet_stance_s": a.sway.quiet_stance_s,
        "sway_bouts": a.sway.bouts,
        "sway_rms_ap_deg": longest.rms_ap_deg if longest else None,
        "sway_rms_ml_deg": longest.rms_ml_deg if longest else None,
        "sway_path_length_deg": longest.path_length_deg if longest else None,
        "sway_mean_velocity_deg_s": longest.mean_velocity_deg_s if longest else None,
        "sway_ellipse95_area_deg2": longest.ellipse95_area_deg2 if longest else None,
        "gap_count": len(a.gaps),
        "warnings": list(a.warnings),
    }
    return row


_SUMMED = [
    "duration_s",
    "samples",
    *(f"time_{zone}_s" for zone in ZONES),
    "sustained_flexion_count",
    "sustained_flexion_s",
    "sitting_s",
    "slouch_s",
    "lifting_count",
    "exercise_bend_count",
    "posture_alert_count",
    "movement_count",
    "rep_count",
    "set_count",
    "hold_count",
    "hold_time_s",
    "quiet_stance_s",
]
_LARGEST = [f"rom_{name}_deg" for name in _ROM]
_GRADE_ORDER = pa.array(["good", "fair", "poor"])
"""Calibration grades, best first: the worst of a day is the largest index."""


MEANS = {
    "stillness_rms_deg": "hold_time_s",
    "sway_rms_ap_deg": "quiet_stance_s",
    "sway_rms_ml_deg": "quiet_stance_s",
}
"""Columns averaged over a day, each weighted by the time it was measured over."""
DAY_INPUTS = ["patient", "day", "calibration_grade", "warnings", *_SUMMED, *_LARGEST, *MEANS]
"""The feature columns the days table is made from (the others need not be read)."""


DAY_SCHEMA = pa.schema(
    [
        ("patient", pa.string()),
        ("day", pa.date32()),
        ("recordings", pa.int64()),
        *((name, FEATURE_SCHEMA.field(name).type) for name in _SUMMED),
        *((name, pa.float64()) for name in _LARGEST),
        *((name, pa.float64()) for name in MEANS),
        ("calibration_worst", pa.string()),
        ("warning_count", pa.int64()),
    ]
)
"""The days table: one row per patient and day."""

_KEEP_ZERO = pc.ScalarAggregateOptions(skip_nulls=True, min_count=0)
"""A sum over nothing (or only missing values) is 0, as a day's time in a zone is."""


def daily_features(features: pa.Table) -> pa.Table:
    """One row per patient and day: times and counts summed, ROM the largest of the day,
    stillness and sway the time-weighted mean, the calibration the worst of the day.

    Recordings without a day in their name form one row per patient with an empty day.
    Rows sorted by patient, then day (the undated last). One grouping for all of it.
    """
    keys = ["patient", "day"]
    columns: dict[str, pa.Array | pa.ChunkedArray] = {k: features.column(k) for k in keys}
    aggregations: list[tuple[str, str] | tuple[str, str, pc.FunctionOptions]] = [
        ("patient", "count", pc.CountOptions(mode="all"))
    ]
    for name in _SUMMED:
        columns[name] = features.column(name)
        aggregations.append((name, "sum", _KEEP_ZERO))
    for name in _LARGEST:
        columns[name] = features.column(name).cast(pa.float64())
        aggregations.append((name, "max"))
    for value, weight in MEANS.items():
        w = features.column(weight)
        valid = pc.and_(pc.is_valid(features.column(value)), pc.greater(w, 0.0))
        w = pc.if_else(valid, w, 0.0)
        columns[f"_{value}_vw"] = pc.multiply(pc.if_else(valid, features.column(value), 0.0), w)
        columns[f"_{value}_w"] = w
        aggregations += [(f"_{value}_vw", "sum", _KEEP_ZERO), (f"_{value}_w", "sum", _KEEP_ZERO)]
    columns["_grade"] = pc.index_in(features.column("calibration_grade"), value_set=_GRADE_ORDER)
    columns["_warnings"] = pc.list_value_length(features.column("warnings"))
    aggregations += [("_grade", "max"), ("_warnings", "sum", _KEEP_ZERO)]
    grouped = (
        pa.table(columns)
        .group_by(keys, use_threads=False)
        .aggregate(aggregations)
        .sort_by([("patient", "ascending", "at_end"), ("day", "ascending", "at_end")])
    )
    out: dict[str, pa.Array | pa.ChunkedArray] = {k: grouped.column(k) for k in keys}
    out["recordings"] = grouped.column("patient_count")
    for name in _SUMMED:
        out[name] = grouped.column(f"{name}_sum")
    for name in _LARGEST:
        out[name] = grouped.column(f"{name}_max")
    for value in MEANS:  # missing where there is no weight: no holds that day is not zero
        w = grouped.column(f"_{value}_w_sum")
        out[value] = pc.divide(
            grouped.column(f"_{value}_vw_sum"), pc.if_else(pc.greater(w, 0.0), w, None)
        )
    out["calibration_worst"] = pc.take(_GRADE_ORDER, grouped.column("_grade_max"))
    out["warning_count"] = grouped.column("_warnings_sum")
    return pa.table(out).cast(DAY_SCHEMA)
