"""The public surface of the sensor package and the shape of the analysis report."""

from __future__ import annotations

import json

from spinecoach import sensors
from spinecoach.commands.schema import document_schema
from spinecoach.sensors.monitor import analyze
from spinecoach.simulate.recording import SyntheticRecording


def test_exported_names() -> None:
    assert set(sensors.__all__) == {
        "Analysis", "Calibration", "CalibrationQuality", "LumbarMonitor", "MagnetometerTrust",
        "OrientationFilter", "Recording", "SensorSamples", "SensorSettings", "analyze",
        "calibrate", "magnetometer_trust", "orient", "recording_schema",
    }  # fmt: skip


def test_report_has_what_the_clinic_reads(forward_bends: SyntheticRecording) -> None:
    report = json.loads(analyze(forward_bends.recording).model_dump_json())
    for key in ("duration_s", "sample_rate_hz", "calibration", "rom_deg", "posture", "reps",
                "quality", "sway", "warnings"):  # fmt: skip
        assert key in report
    assert report["duration_s"] == 53.0
    assert report["sample_rate_hz"] == 100.0
    assert set(report["rom_deg"]) == {
        "flexion", "extension", "lateral_right", "lateral_left", "rotation_left", "rotation_right"
    }  # fmt: skip
    assert report["orientation"] == {
        "sacrum": "6D: no magnetometer columns",
        "lumbar": "6D: no magnetometer columns",
    }


def test_recording_schema_lists_every_column_with_its_unit() -> None:
    schema = document_schema("recording")
    props = schema["properties"]
    assert len(props) == 1 + 2 * 9
    assert {p["unit"] for name, p in props.items() if "_mag_" in name} == {"uT"}
    assert schema["additionalProperties"] is False
