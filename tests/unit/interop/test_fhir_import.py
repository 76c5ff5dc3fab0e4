"""Import of QuestionnaireResponses: scored by our scorers; bad items are named."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from spinecoach.errors import InputError
from spinecoach.exercises import Catalogue
from spinecoach.interop import PatientRecord
from spinecoach.interop.fhir import export_bundle, import_questionnaire_response, resource_json

DATA = Path(__file__).resolve().parent / "data"


def _odi_example() -> dict[str, Any]:
    # Our own fixture, written from the answers of the public "Oswestry Disability Index
    # QuestionnaireResponse Example" (CMS ACCESS Model FHIR IG, github.com/DSACMS/cmmi-access-model,
    # QuestionnaireResponse-OswestryDisabilityIndexExample), whose published score is 36.
    data: dict[str, Any] = json.loads((DATA / "odi-public-example.json").read_text("utf-8"))
    return data


def test_public_odi_example_gives_its_published_score() -> None:
    result = import_questionnaire_response(_odi_example())
    # By hand: 2+1+2+1+2+2+1+2+3+2 = 18 of 50 -> 100 x 18 / 50 = 36 %
    assert result.instrument == "odi"
    assert result.answers == [2, 1, 2, 1, 2, 2, 1, 2, 3, 2]
    assert result.scores.odi is not None
    assert result.scores.odi.percent == 36.0
    assert result.reported_score == 36.0
    assert result.scores.odi.band == "moderate"
    assert result.measurement().odi == 36.0
    assert str(result.measurement().date) == "2026-01-15"


def test_a_skipped_section_lowers_the_denominator() -> None:
    raw = _odi_example()
    raw["item"] = [i for i in raw["item"] if i["linkId"] != "odi-8"]
    result = import_questionnaire_response(raw)
    # 18 - 2 = 16 of 45 -> 35.56 %
    assert result.scores.odi is not None
    assert result.scores.odi.percent == 35.56
    assert result.answers[7] is None


def test_every_exported_response_imports_to_the_intake_scores(
    record: PatientRecord, catalogue: Catalogue
) -> None:
    bundle = resource_json(export_bundle(record, catalogue))
    responses = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    scores = record.assessment.scores
    assert len(responses) == 5
    for response in responses:
        imported = import_questionnaire_response(json.dumps(response))
        key = imported.instrument
        assert getattr(imported.scores, key) == getattr(scores, key), key


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r["item"].append({"linkId": "odi-11", "answer": [{"valueInteger": 1}]}),
            r"item 'odi-11': not an item of the Oswestry",
        ),
        (
            lambda r: r["item"][2].update(answer=[{"valueDecimal": 7}]),
            r"item 'odi-3': answer 7 is outside 0-5",
        ),
        (
            lambda r: r["item"][0].update(answer=[{"valueDecimal": 2.5}]),
            r"item 'odi-1': 2.5 is not a whole-number code",
        ),
        (
            lambda r: r["item"][0].update(answer=[{"valueDate": "2026-01-01"}]),
            r"item 'odi-1': answer type valueDate cannot be scored",
        ),
        (lambda r: r.update(status="in-progress"), r"status 'in-progress'"),
        (
            lambda r: r.update(questionnaire="http://example.org/Questionnaire/PHQ9"),
            r"'http://example.org/Questionnaire/PHQ9': not a supported instrument",
        ),
        (lambda r: r.update(resourceType="Observation"), r"Observation"),
        (lambda r: r.update(status=5), r"QuestionnaireResponse field 'status'"),
    ],
)
def test_bad_responses_name_the_item_at_fault(change: Any, message: str) -> None:
    raw = copy.deepcopy(_odi_example())
    if "PHQ9" in message:  # linkIds of an unknown form, too
        for item in raw["item"]:
            item["linkId"] = item["linkId"].replace("odi", "phq")
    change(raw)
    with pytest.raises(InputError, match=message):
        import_questionnaire_response(raw)


def test_too_many_skipped_sections_is_an_input_error() -> None:
    raw = _odi_example()
    raw["item"] = raw["item"][:7]
    with pytest.raises(InputError, match="3 sections skipped"):
        import_questionnaire_response(raw)


def test_start_back_by_loinc_item_codes_and_psfs_groups() -> None:
    items = [
        {"linkId": code, "answer": [{"valueInteger": v}]}
        for code, v in zip(
            [
                "91340-0",
                "91341-8",
                "91342-6",
                "91343-4",
                "91344-2",
                "91345-9",
                "91346-7",
                "91347-5",
                "91348-3",
            ],
            [1, 1, 1, 1, 1, 1, 0, 0, 3],
            strict=True,
        )
    ]
    sbst = import_questionnaire_response(
        {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "questionnaire": "http://loinc.org/q/91349-1",
            "item": items,
        }
    )
    assert sbst.scores.start_back is not None
    # total 6 + bothersome (3 = very much -> 1) = 7; distress items 5-9: 1+1+0+0+1 = 3 -> medium
    assert (sbst.scores.start_back.total, sbst.scores.start_back.psychosocial) == (7, 3)
    assert sbst.scores.start_back.stratum == "medium"
    psfs = import_questionnaire_response(
        {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "questionnaire": "https://w3id.org/spinecoach/fhir/Questionnaire/psfs",
            "item": [
                {
                    "linkId": "psfs-1",
                    "item": [
                        {"linkId": "psfs-1.activity", "answer": [{"valueString": "gardening"}]},
                        {"linkId": "psfs-1.score", "answer": [{"valueInteger": 4}]},
                    ],
                },
                {
                    "linkId": "psfs-2",
                    "item": [
                        {"linkId": "psfs-2.activity", "answer": [{"valueString": "running"}]},
                        {"linkId": "psfs-2.score", "answer": [{"valueInteger": 7}]},
                    ],
                },
            ],
        }
    )
    assert psfs.activities == {"gardening": 4, "running": 7}
    assert psfs.scores.psfs is not None
    assert psfs.scores.psfs.mean == 5.5


def test_a_short_name_inside_another_word_is_not_an_instrument() -> None:
    raw = _odi_example()
    raw["questionnaire"] = "http://example.org/Questionnaire/periodic-health-check"
    for item in raw["item"]:
        item["linkId"] = item["linkId"].replace("odi", "q")
    with pytest.raises(InputError, match="periodic-health-check': not a supported instrument"):
        import_questionnaire_response(raw)
    raw["questionnaire"] = "http://example.org/Questionnaire/odi|2.1a"
    for item in raw["item"]:
        item["linkId"] = item["linkId"].replace("q-", "odi-")
    assert import_questionnaire_response(raw).instrument == "odi"
