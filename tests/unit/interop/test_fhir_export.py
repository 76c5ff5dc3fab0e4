"""The FHIR export: every resource validates (R4B models + our checks) and round-trips."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest

from spinecoach.errors import InputError
from spinecoach.exercises import Catalogue
from spinecoach.interop import PatientRecord
from spinecoach.interop.fhir import (
    bundle_problems,
    check_bundle,
    export_bundle,
    parse_resource,
    resource_json,
)
from spinecoach.interop.fhir.codes import EXERCISE_THERAPY, LOINC

EXPECTED_TYPES = {
    "Organization",
    "Patient",
    "Questionnaire",
    "QuestionnaireResponse",
    "Observation",
    "Condition",
    "Flag",
    "CarePlan",
    "ServiceRequest",
    "Goal",
}


def _bundle(
    record: PatientRecord, catalogue: Catalogue, kind: str = "collection"
) -> dict[str, Any]:
    return resource_json(export_bundle(record, catalogue, kind))  # type: ignore[arg-type]


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize("kind", ["collection", "transaction"])
def test_every_resource_type_is_emitted_and_passes_our_checks(
    flagged_record: PatientRecord, catalogue: Catalogue, kind: str
) -> None:
    bundle = _bundle(flagged_record, catalogue, kind)
    assert bundle["type"] == kind
    types = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    assert set(types) == EXPECTED_TYPES
    assert bundle_problems(bundle) == []
    # one ServiceRequest per exercise of the program, one Questionnaire per instrument filled in
    program = flagged_record.programs[0].program
    assert types["ServiceRequest"] == len(program.exercises)
    filled = [k for k, v in flagged_record.intake.questionnaires.model_dump().items() if v]
    assert types["Questionnaire"] == types["QuestionnaireResponse"] == len(filled)
    if kind == "transaction":
        for entry in bundle["entry"]:
            resource = entry["resource"]
            assert entry["request"] == {
                "method": "PUT",
                "url": f"{resource['resourceType']}/{resource['id']}",
            }


def test_each_resource_round_trips_through_its_model(
    flagged_record: PatientRecord, catalogue: Catalogue
) -> None:
    bundle = _bundle(flagged_record, catalogue)
    seen: set[str] = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        parsed = parse_resource(copy.deepcopy(resource))
        assert parsed.get_resource_type() == resource["resourceType"]
        assert resource_json(parsed) == resource
        seen.add(resource["resourceType"])
    assert seen == EXPECTED_TYPES


def test_export_is_reproducible(record: PatientRecord, catalogue: Catalogue) -> None:
    assert _bundle(record, catalogue) == _bundle(record, catalogue)


def test_the_program_follows_the_physical_activity_pattern(
    record: PatientRecord, catalogue: Catalogue
) -> None:
    bundle = _bundle(record, catalogue)
    (plan,) = _resources(bundle, "CarePlan")
    plan_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] == plan)
    assert plan["status"] == "active"
    assert plan["intent"] == "plan"
    requests = _resources(bundle, "ServiceRequest")
    assert [a["reference"]["reference"] for a in plan["activity"]] == [
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ServiceRequest"
    ]
    goals = {e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal"}
    assert {g["reference"] for g in plan["goal"]} == goals
    exercise_ids = [e.id for e in record.programs[0].program.exercises]
    for request, exercise_id in zip(requests, exercise_ids, strict=True):
        codes = {(c["system"], c["code"]) for c in request["code"]["coding"]}
        assert (EXERCISE_THERAPY.system, "229065009") in codes
        assert any(code == exercise_id for _, code in codes)
        assert request["basedOn"] == [{"reference": plan_url}]
        assert request["occurrenceTiming"]["repeat"]["periodUnit"] == "wk"
        assert "Why:" in request["patientInstruction"]
        pertains = {x["valueReference"]["reference"] for x in request["extension"]}
        assert pertains == goals


def test_scores_carry_loinc_codes_and_point_to_their_response(
    record: PatientRecord, catalogue: Catalogue
) -> None:
    bundle = _bundle(record, catalogue)
    responses = {
        e["fullUrl"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    }
    odi = [
        o
        for o in _resources(bundle, "Observation")
        if any(c["system"] == LOINC and c["code"] == "97909-6" for c in o["code"]["coding"])
    ]
    # the intake score (derived from its response) and each later re-measurement
    dates = [o["effectiveDateTime"] for o in odi]
    assert dates == ["2026-01-05", "2026-02-02", "2026-03-30"]
    first = odi[0]
    assert first["valueQuantity"]["value"] == record.assessment.scores.odi.percent  # type: ignore[union-attr]
    assert first["valueQuantity"]["code"] == "%"
    assert responses[first["derivedFrom"][0]["reference"]]["questionnaire"].endswith("/odi")


def test_red_flags_become_flags(flagged_record: PatientRecord, catalogue: Catalogue) -> None:
    flags = _resources(_bundle(flagged_record, catalogue), "Flag")
    raised = {f for log in flagged_record.sessions for s in log.sessions for f in s.red_flags}
    assert raised
    assert {f["code"]["coding"][0]["code"] for f in flags} == {f"red_flag.{f}" for f in raised}


def test_our_checks_catch_what_the_models_allow(
    record: PatientRecord, catalogue: Catalogue
) -> None:
    good = _bundle(record, catalogue)
    broken = copy.deepcopy(good)
    obs = next(
        e["resource"] for e in broken["entry"] if e["resource"]["resourceType"] == "Observation"
    )
    obs["code"]["coding"][0]["code"] = "12345-6"
    parse_resource(broken)  # the model accepts any code ...
    with pytest.raises(InputError, match=r"12345-6 is not in the LOINC table"):
        check_bundle(broken)  # ... our checks do not
    dangling = copy.deepcopy(good)
    dangling["entry"] = [e for e in dangling["entry"] if e["resource"]["resourceType"] != "Goal"]
    assert any("does not resolve" in p for p in bundle_problems(dangling))
    no_unit = copy.deepcopy(good)
    q = next(
        e["resource"]["valueQuantity"] for e in no_unit["entry"] if "valueQuantity" in e["resource"]
    )
    del q["system"]
    assert any("UCUM" in p for p in bundle_problems(no_unit))
    wrong_answer = copy.deepcopy(good)
    qr = next(
        e["resource"]
        for e in wrong_answer["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    )
    qr["item"][0]["answer"][0]["valueInteger"] = 99
    assert any("outside" in p for p in bundle_problems(wrong_answer))


def test_each_session_exports_its_pain_and_next_morning_check_in(
    record: PatientRecord, catalogue: Catalogue
) -> None:
    bundle = _bundle(record, catalogue)
    sessions = [
        o
        for o in _resources(bundle, "Observation")
        if o["code"]["coding"][0]["code"] == "session.pain"
    ]
    logged = [s for log in record.sessions for s in log.sessions]
    assert len(sessions) == len(logged)
    for obs, session in zip(sessions, logged, strict=True):
        values = {
            c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in obs["component"]
        }
        assert obs["effectiveDateTime"] == session.date.isoformat()
        assert values["session.pain_before"] == session.pain_before
        assert values["session.pain_after"] == session.pain_after
        assert values.get("session.next_morning_pain") == session.next_morning_pain
