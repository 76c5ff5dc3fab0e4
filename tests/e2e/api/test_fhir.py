"""The FHIR routes over HTTP: the Bundle of a patient in the store, a QuestionnaireResponse
from another system scored into the timeline, and bad responses named item by item."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.api.conftest import Clinic

from spinecoach.interop.fhir import bundle_problems, parse_bundle

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
ODI_RESPONSE = Path(__file__).resolve().parents[2] / "unit/interop/data/odi-public-example.json"


def _odi(**change: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(ODI_RESPONSE.read_text(encoding="utf-8"))
    doc.update(change)
    return doc


@pytest.fixture
def ann(clinic: Clinic) -> tuple[Any, str]:
    """dr_a's client and patient ann, with an intake submitted."""
    client = clinic.client("dr_a")
    pid = clinic.ids["patient:ann"]
    intake = json.loads((EXAMPLES / "desk-worker.intake.json").read_text(encoding="utf-8"))
    assert client.post(f"/api/patients/{pid}/intakes", json=intake).status_code == 201
    return client, pid


def test_everything_is_a_checked_fhir_bundle(clinic: Clinic, ann: tuple[Any, str]) -> None:
    client, pid = ann
    response = client.get(f"/api/fhir/Patient/{pid}/$everything")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    raw = response.json()
    assert raw["type"] == "collection"
    assert bundle_problems(raw) == []
    parse_bundle(raw)
    patients = [e["resource"] for e in raw["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert [p["id"] for p in patients] == [pid]
    tx = client.get(f"/api/fhir/Patient/{pid}/$everything", params={"type": "transaction"})
    assert tx.json()["type"] == "transaction"
    assert all(e["request"]["method"] == "PUT" for e in tx.json()["entry"])
    assert client.get(f"/api/fhir/Patient/{pid}/$everything?type=batch").status_code == 422
    # ann herself reads her own; before an intake there is nothing to export
    own = clinic.client("ann").get(f"/api/fhir/Patient/{pid}/$everything")
    assert own.status_code == 200
    bob = clinic.ids["patient:bob"]
    empty = clinic.client("dr_b").get(f"/api/fhir/Patient/{bob}/$everything")
    assert empty.status_code == 409
    assert "no intake yet" in empty.json()["detail"]


def test_imported_response_is_scored_onto_the_timeline(
    clinic: Clinic, ann: tuple[Any, str]
) -> None:
    client, pid = ann
    body = json.dumps(_odi(authored="2026-02-01T08:00:00Z"))
    response = client.post(
        f"/api/patients/{pid}/questionnaire-responses",
        content=body,
        headers={"content-type": "application/fhir+json"},
    )
    assert response.status_code == 201, response.text
    added = response.json()
    assert added["imported"]["instrument"] == "odi"
    assert added["imported"]["scores"]["odi"]["percent"] == 36.0  # the published score
    outcomes = client.get(f"/api/patients/{pid}/outcomes").json()
    by_date = {m["date"]: m for m in outcomes["timeline"]["measurements"]}
    assert by_date["2026-02-01"]["odi"] == 36.0
    assert any(e["source"] == "fhir_import" for e in outcomes["entries"])
    # the Bundle now carries the imported score as an ODI observation on that date
    bundle = client.get(f"/api/fhir/Patient/{pid}/$everything").json()
    odi = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and any(c.get("code") == "97909-6" for c in e["resource"]["code"]["coding"])
    ]
    assert any(o.get("effectiveDateTime", "").startswith("2026-02-01") for o in odi)


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"status": "in-progress"}, "QuestionnaireResponse.status 'in-progress'"),
        (
            {
                "questionnaire": "http://example.org/Questionnaire/SF-36",
                "item": [{"linkId": "sf36-1", "answer": [{"valueInteger": 3}]}],
            },
            "not a supported instrument",
        ),
        ({"resourceType": "Patient"}, "Patient field 'questionnaire'"),
        ({"authored": None}, "QuestionnaireResponse.authored"),
    ],
)
def test_bad_responses_are_422_naming_the_fault(
    clinic: Clinic, ann: tuple[Any, str], change: dict[str, Any], names: str
) -> None:
    client, pid = ann
    doc = {k: v for k, v in _odi(**change).items() if v is not None}
    response = client.post(f"/api/patients/{pid}/questionnaire-responses", json=doc)
    assert response.status_code == 422, response.text
    assert names in response.json()["detail"]


def test_an_answer_out_of_range_names_its_item(clinic: Clinic, ann: tuple[Any, str]) -> None:
    client, pid = ann
    doc = _odi()
    doc["item"][2]["answer"] = [{"valueInteger": 7}]
    response = client.post(f"/api/patients/{pid}/questionnaire-responses", json=doc)
    assert response.status_code == 422
    assert f"item '{doc['item'][2]['linkId']}'" in response.json()["detail"]
    malformed = client.post(
        f"/api/patients/{pid}/questionnaire-responses",
        content=b"{not json",
        headers={"content-type": "application/fhir+json"},
    )
    assert malformed.status_code == 422
    assert "malformed JSON" in malformed.json()["detail"]
    huge = client.post(
        f"/api/patients/{pid}/questionnaire-responses",
        content=b" " * (1024 * 1024 + 1),
        headers={"content-type": "application/fhir+json"},
    )
    assert huge.status_code == 422
    assert "limit" in huge.json()["detail"]
    entries = client.get(f"/api/patients/{pid}/outcomes").json()["entries"]
    assert {e["source"] for e in entries} == {"intake"}
