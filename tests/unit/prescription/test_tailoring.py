"""Tailoring: work, activities, findings, endurance, age and goals shape the program."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from spinecoach.clinical import Assessment
from spinecoach.exercises import Catalogue
from spinecoach.prescription import prescribe
from spinecoach.prescription.program import Program

AssessFactory = Callable[..., Assessment]
MEDIUM_RISK = [1, 1, 1, 1, 0, 0, 0, 0, 0]


def _program(assess_intake: AssessFactory, catalogue: Catalogue, **sections: Any) -> Program:
    patient = {"minutes_per_session": 120, "equipment": ["mat", "chair", "wall", "step"]}
    patient.update(sections.pop("patient", {}))
    questionnaires = {"start_back": MEDIUM_RISK, "nprs": 5, "odi": [2] * 10}
    questionnaires.update(sections.pop("questionnaires", {}))
    assessment = assess_intake(patient=patient, questionnaires=questionnaires, **sections)
    return prescribe(assessment, assessment.patient, catalogue)


def _tagged(program: Program, catalogue: Catalogue, rule: str) -> list[set[str]]:
    """The catalogue tags of every program exercise carrying a reason with ``rule``."""
    return [
        set(catalogue.get(e.id).tags)
        for e in program.exercises
        if any(r.rule == rule for r in e.reasons)
    ]


@pytest.mark.parametrize(
    ("patient", "rule", "tags"),
    [
        ({"occupation": "desk"}, "tailor.desk", {"hip_flexor", "thoracic", "posture_break"}),
        ({"occupation": "manual"}, "tailor.manual", {"hinge", "lifting"}),
        ({"activities": ["running"]}, "tailor.running", {"single_leg", "gluteus_medius"}),
    ],
)
def test_occupation_and_activities_add_their_drills(
    assess_intake: AssessFactory,
    catalogue: Catalogue,
    patient: dict[str, Any],
    rule: str,
    tags: set[str],
) -> None:
    program = _program(assess_intake, catalogue, patient=patient)
    covered = set().union(*_tagged(program, catalogue, rule))
    assert covered & tags
    plain = _program(assess_intake, catalogue)
    assert not _tagged(plain, catalogue, rule)


def test_findings_add_hip_flexor_and_gluteal_work(
    assess_intake: AssessFactory, catalogue: Catalogue
) -> None:
    program = _program(
        assess_intake,
        catalogue,
        findings={"hip_flexor_tightness": True, "gluteal_weakness": True},
    )
    assert any(
        "hip_flexor" in t for t in _tagged(program, catalogue, "tailor.hip_flexor_tightness")
    )
    glutes = _tagged(program, catalogue, "tailor.gluteal_weakness")
    assert any(t & {"gluteus_maximus", "gluteus_medius"} for t in glutes)


def test_flexor_dominant_endurance_adds_extensor_work(
    assess_intake: AssessFactory, catalogue: Catalogue
) -> None:
    endurance = {
        "flexor_s": 150,
        "extensor_s": 100,
        "side_bridge_right_s": 60,
        "side_bridge_left_s": 60,
    }
    program = _program(assess_intake, catalogue, endurance=endurance)
    extensor = _tagged(program, catalogue, "tailor.extensor_endurance")
    assert extensor
    assert all("extensor_endurance" in t for t in extensor)


def test_goals_are_named_in_reasons_and_advice(
    assess_intake: AssessFactory, catalogue: Catalogue
) -> None:
    program = _program(
        assess_intake,
        catalogue,
        patient={"goals": ["lift my grandchild"]},
        questionnaires={"psfs": [{"activity": "climbing stairs", "score": 3}]},
    )
    texts = [r.text for e in program.exercises for r in e.reasons if r.rule == "tailor.goals"]
    assert any("lift my grandchild" in t for t in texts)
    assert any("climbing stairs" in t for t in texts)
    advice = next(r for r in program.advice if r.rule == "advice.goals")
    assert "climbing stairs" in advice.text
    assert "lift my grandchild" in advice.text


def test_older_adult_gets_supported_balance_work(
    assess_intake: AssessFactory, catalogue: Catalogue
) -> None:
    program = _program(
        assess_intake, catalogue, patient={"age": 78}, findings={"balance_impaired": True}
    )
    balance = [e for e in program.exercises if "balance" in catalogue.get(e.id).tags]
    assert balance
    for item in balance:
        assert "balance_impaired_unsupported" not in catalogue.get(item.id).contraindications


def test_lateral_shift_adds_side_glide_work(
    assess_intake: AssessFactory, catalogue: Catalogue
) -> None:
    program = _program(assess_intake, catalogue, findings={"lateral_shift": True})
    assert any("lateral_shift" in t for t in _tagged(program, catalogue, "select.lateral_shift"))


def test_low_frequency_advises_daily_activation(
    assess_intake: AssessFactory, catalogue: Catalogue
) -> None:
    program = _program(assess_intake, catalogue, patient={"sessions_per_week": 2})
    assert "advice.low_frequency" in {r.rule for r in program.advice}
    frequent = _program(assess_intake, catalogue, patient={"sessions_per_week": 4})
    assert "advice.low_frequency" not in {r.rule for r in frequent.advice}


def test_tbc_flexion_subgroup_adds_flexion_work_when_no_preference_was_tested(
    assess_intake: AssessFactory, catalogue: Catalogue
) -> None:
    program = _program(
        assess_intake, catalogue, patient={"age": 60}, findings={"imaging_stenosis": True}
    )
    flexion = _tagged(program, catalogue, "select.classification")
    assert flexion
    assert all("directional_flexion" in t for t in flexion)
    assert all(
        "extension" not in e.loads
        or "stenosis_extension" not in catalogue.get(e.id).contraindications
        for e in program.exercises
    )
