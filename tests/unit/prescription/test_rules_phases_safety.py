"""Rules as data, phase choice from pain/disability/endurance, and the exclusion rules."""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import pytest

from spinecoach.clinical import Assessment
from spinecoach.exercises import Catalogue
from spinecoach.prescription import prescribe
from spinecoach.prescription.index import index_catalogue
from spinecoach.prescription.phases import (
    PHASE1_NPRS_MIN,
    PHASE3_NPRS_MAX,
    choose_phase,
)
from spinecoach.prescription.rules import _RULE_LIST, POLICY_NOTE, RULES, reason
from spinecoach.prescription.safety import (
    exclusion_reasons,
    implied_contraindications,
    safety_context,
)

AssessFactory = Callable[..., Assessment]


def test_rule_ids_are_unique_and_texts_are_plain_sentences() -> None:
    assert len(RULES) == len(_RULE_LIST)
    for rule in _RULE_LIST:
        assert rule.id == rule.id.lower()
        assert " " not in rule.id
        fields = {f for _, f, _, _ in string.Formatter().parse(rule.text) if f}
        filled = reason(rule.id, **dict.fromkeys(fields, 0.5)) if fields else reason(rule.id)
        assert filled.text
        assert "{" not in filled.text


def test_policy_rules_say_they_are_policy() -> None:
    assert POLICY_NOTE in (reason("phase.1.unknown").source or "")
    assert POLICY_NOTE not in (reason("stratum.medium").source or "")
    assert "Hill" in (reason("stratum.medium").source or "")


@pytest.mark.parametrize(
    ("questionnaires", "findings", "phase", "rule"),
    [
        ({"nprs": PHASE1_NPRS_MIN}, {}, 1, "phase.1.pain"),
        ({"nprs": 4, "odi": [5, 5, 5, 5, 0, 0, 0, 0, 1, 1]}, {}, 1, "phase.1.odi"),
        ({"nprs": 4, "rmdq": [1] * 14 + [0] * 10}, {}, 1, "phase.1.rmdq"),
        ({}, {}, 1, "phase.1.unknown"),
        ({"nprs": 5, "odi": [2] * 10}, {}, 2, "phase.2.default"),
        ({"nprs": PHASE3_NPRS_MAX, "odi": [1] * 10}, {}, 3, "phase.3.entry"),
        ({"nprs": PHASE3_NPRS_MAX + 1, "odi": [1] * 10}, {}, 2, "phase.2.default"),
    ],
)
def test_phase_follows_pain_and_disability_thresholds(
    assess_intake: AssessFactory,
    questionnaires: dict[str, Any],
    findings: dict[str, Any],
    phase: int,
    rule: str,
) -> None:
    chosen, reasons = choose_phase(assess_intake(questionnaires=questionnaires, findings=findings))
    assert chosen == phase
    assert rule in {r.rule for r in reasons}


def test_low_endurance_holds_a_phase_3_candidate_in_phase_2(assess_intake: AssessFactory) -> None:
    weak = {"flexor_s": 10, "extensor_s": 20, "side_bridge_right_s": 5, "side_bridge_left_s": 5}
    assessment = assess_intake(questionnaires={"nprs": 2, "odi": [1] * 10}, endurance=weak)
    assert assessment.endurance.low_endurance
    phase, reasons = choose_phase(assessment)
    assert phase == 2
    assert reasons[0].rule == "phase.2.low_endurance"


def test_peripheralizing_direction_starts_phase_1(assess_intake: AssessFactory) -> None:
    assessment = assess_intake(
        questionnaires={"nprs": 2, "odi": [1] * 10}, movement_tests={"flexion": "peripheralizes"}
    )
    phase, reasons = choose_phase(assessment)
    assert phase == 1
    assert "phase.1.peripheralizing" in {r.rule for r in reasons}


def test_findings_imply_contraindications(assess_intake: AssessFactory) -> None:
    assessment = assess_intake(
        findings={"imaging_stenosis": True, "balance_impaired": True, "nerve_root_signs": True}
    )
    assert set(implied_contraindications(assessment)) == {
        "stenosis_extension",
        "balance_impaired_unsupported",
        "acute_radicular",
    }
    assert implied_contraindications(assess_intake()) == {}


def test_exclusion_names_each_reason(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    assessment = assess_intake(
        movement_tests={"extension": "peripheralizes", "flexion": "worse"},
        findings={"imaging_stenosis": True},
    )
    ctx = safety_context(assessment, assessment.patient)
    index = index_catalogue(small_catalogue)
    press_up = [r.rule for r in exclusion_reasons(index.by_id["press_up"], ctx)]
    assert press_up == ["safety.peripheralizing", "safety.contraindication"]
    curl = [r.rule for r in exclusion_reasons(index.by_id["curl"], ctx)]
    assert curl == ["safety.provoking_direction"]
    chop = [r.rule for r in exclusion_reasons(index.by_id["chop"], ctx)]
    assert chop == ["safety.equipment"]
    assert exclusion_reasons(index.by_id["breath"], ctx) == []


def test_directional_preference_exercise_is_included(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    assessment = assess_intake(
        questionnaires={"nprs": 5}, movement_tests={"extension": "centralizes", "flexion": "worse"}
    )
    program = prescribe(assessment, assessment.patient, small_catalogue)
    press_up = next(e for e in program.exercises if e.id == "press_up")
    assert press_up.reasons[0].rule == "select.directional_preference"
    assert "knee_hug" in {e.id for e in program.excluded}
    assert program.safety.directional_preference == "extension"
    assert program.safety.provoking == ["flexion"]


def test_missing_start_back_means_physio_led_with_a_reason(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    assessment = assess_intake(questionnaires={"nprs": 5})
    program = prescribe(assessment, assessment.patient, small_catalogue)
    assert program.care_pathway == "physio_led"
    assert program.advice[0].rule == "stratum.missing"


def test_review_level_red_flag_keeps_the_program_and_advises_review(
    assess_intake: AssessFactory, small_catalogue: Catalogue
) -> None:
    from spinecoach.clinical import RED_FLAGS

    review = sorted(i for i, flag in RED_FLAGS.items() if flag.urgency == "review")
    if not review:
        pytest.skip("no review-level red flag in the screen")
    assessment = assess_intake(questionnaires={"nprs": 5}, red_flags=[review[0]])
    program = prescribe(assessment, assessment.patient, small_catalogue)
    assert program.status == "active"
    assert program.exercises
    assert "red_flag.review" in {r.rule for r in program.advice}
