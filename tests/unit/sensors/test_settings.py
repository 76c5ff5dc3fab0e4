"""Sensor settings: defaults, a clinic's overrides, and errors naming the setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinecoach.cli import main
from spinecoach.errors import InputError
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings


def test_defaults_are_the_documented_policy() -> None:
    assert DEFAULT_SETTINGS.zone_edges_deg == (20.0, 40.0, 60.0)
    assert DEFAULT_SETTINGS.calibration_s == 5.0
    assert (DEFAULT_SETTINGS.min_rate_hz, DEFAULT_SETTINGS.max_rate_hz) == (25.0, 1000.0)


def test_mapping_overrides_and_converts_lists_and_whole_numbers() -> None:
    s = SensorSettings.from_mapping({"zone_edges_deg": [15, 30, 50], "sustained_min_s": 45})
    assert s.zone_edges_deg == (15.0, 30.0, 50.0)
    assert s.sustained_min_s == 45.0


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ({"sustained_min_s": "45"}, r"field 'sustained_min_s': Input should be a valid number"),
        ({"sustained_min_s": True}, r"field 'sustained_min_s': Input should be a valid number"),
        ({"sustained_min_s": -5}, r"setting 'sustained_min_s': -5 must be above 0"),
        ({"sustained_min_s": float("nan")}, r"setting 'sustained_min_s'|'sustained_min_s'"),
        ({"lift_trunk_deg": 1000}, r"setting 'lift_trunk_deg': 1000 deg is beyond 180 deg"),
        ({"sit_pelvic_tilt_deg": 8}, r"setting 'sit_pelvic_tilt_deg': 8 must be below 0"),
        ({"split_gap_s": 1e9}, r"setting 'split_gap_s': 1e\+09 s is beyond 86400 s"),
        ({"rep_min_s": 20}, r"setting 'rep_min_s' \(20\) must be below 'rep_max_s' \(15\)"),
    ],
)
def test_settings_are_strict_and_range_checked(raw: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        SensorSettings.from_mapping(raw, where="clinic.yaml")


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ({"sustained_minutes": 3}, "setting 'sustained_minutes' is unknown"),
        ({"sustained_min_s": "long"}, "field 'sustained_min_s'"),
        ({"zone_edges_deg": [40, 20, 60]}, "zone_edges_deg must be increasing"),
        ({"rep_enter_deg": 5, "rep_exit_deg": 7}, "rep_exit_deg must be below rep_enter_deg"),
        ([1, 2], "expected a mapping"),
    ],
)
def test_bad_settings_name_the_setting(raw: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        SensorSettings.from_mapping(raw)


def test_settings_file_changes_the_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = tmp_path / "sit.csv"
    assert main(["simulate", "recording", "--scenario", "sit-stand", "--out", str(rec)]) == 0
    capsys.readouterr()
    assert main(["sensors", "analyze", str(rec)]) == 0
    default = json.loads(capsys.readouterr().out)["posture"]
    cfg = tmp_path / "clinic.yaml"
    cfg.write_text("zone_edges_deg: [10, 30, 50]\nslouch_alert_s: 30\n")
    assert main(["sensors", "analyze", str(rec), "--settings", str(cfg)]) == 0
    custom = json.loads(capsys.readouterr().out)["posture"]
    assert custom["zone_edges_deg"] == [10.0, 30.0, 50.0]
    assert custom["time_in_zones_s"]["mild"] > default["time_in_zones_s"]["mild"]
    assert any(a["kind"] == "slouch" for a in custom["alerts"])
    assert not any(a["kind"] == "slouch" for a in default["alerts"])
    cfg.write_text("lowpass: 3\n")
    assert main(["sensors", "analyze", str(rec), "--settings", str(cfg)]) == 2
    assert "setting 'lowpass' is unknown" in capsys.readouterr().err
