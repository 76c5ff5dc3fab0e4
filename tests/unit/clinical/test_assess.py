"""assess(): one explained assessment from one intake."""

from __future__ import annotations

from spinecoach.clinical import Intake, assess
from spinecoach.clinical.change_thresholds import MCID

INTAKE = Intake.model_validate(
    {
        "patient": {"id": "p1", "age": 35, "sex": "male", "occupation": "desk"},
        "questionnaires": {
            "start_back": [0, 0, 0, 0, 1, 1, 1, 1, 3],
            "odi": [2, 2, 2, 2, 2, 2, 1, 1, 1, 1],
            "rmdq": [1] * 6 + [0] * 18,
            "nprs": 6,
            "psfs": [{"activity": "sitting", "score": 3}],
            "fabq": [0, 4, 4, 4, 4] + [5] * 11,
        },
        "red_flags": ["night_pain"],
        "movement_tests": {"flexion": "peripheralizes", "extension": "centralizes"},
        "endurance": {
            "flexor_s": 150,
            "extensor_s": 100,
            "side_bridge_right_s": 60,
            "side_bridge_left_s": 70,
        },
        "findings": {"slr_deg": 95, "aberrant_movement": True, "prone_instability_test": False},
    }
)


def test_scores_flags_and_profiles() -> None:
    a = assess(INTAKE)
    s = a.scores
    assert s.start_back is not None
    assert s.start_back.stratum == "high"
    assert s.odi is not None
    assert s.odi.percent == 32.0
    assert s.rmdq is not None
    assert s.rmdq.score == 6
    assert s.nprs == 6
    assert s.psfs is not None
    assert s.psfs.mean == 3
    assert s.fabq is not None
    assert s.fabq.physical_activity_elevated
    assert s.fabq.work_elevated
    assert a.red_flags.urgency == "urgent"
    assert a.red_flags.exercise_blocked
    assert a.movement.directional_preference == "extension"
    assert a.endurance.markers == ["flexor_extensor_high", "side_asymmetry"]
    assert a.endurance.biering_sorensen_band == "at_risk"
    assert a.classification.hicks.count == 3
    assert a.classification.hicks.meets_rule
    assert a.examination == {
        "slr_deg": 95.0,
        "aberrant_movement": True,
        "prone_instability_test": False,
    }


def test_every_conclusion_is_a_finding_with_a_source() -> None:
    rules = {f.rule: f for f in assess(INTAKE).findings}
    for rule in (
        "red_flags.urgent",
        "red_flags.night_pain",
        "startback.stratum",
        "odi.band",
        "rmdq.score",
        "fabq.physical_activity_elevated",
        "fabq.work_elevated",
        "movement.directional_preference",
        "movement.provoking",
        "movement.peripheralizing",
        "endurance.flexor_extensor_high",
        "endurance.biering_sorensen",
        "classification.hicks",
    ):
        assert rule in rules, rule
        assert rules[rule].source, rule
    assert "high risk" in rules["startback.stratum"].text
    assert "32 %" in rules["odi.band"].text


def test_empty_intake_is_assessed() -> None:
    a = assess(Intake.model_validate({"patient": {"id": "x", "age": 70, "sex": "other"}}))
    assert a.scores.start_back is None
    assert a.scores.odi is None
    assert a.red_flags.urgency == "none"
    assert a.movement.responses == {}
    assert a.classification.tbc == []
    assert [f.rule for f in a.findings] == ["red_flags.not_screened", "classification.hicks"]


def test_score_names_match_the_change_thresholds() -> None:
    assert {"odi", "rmdq", "nprs", "psfs"} <= set(MCID)
