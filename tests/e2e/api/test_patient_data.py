"""The patient's own data over HTTP: the patient downloads their archive, a clinician erases
a patient (the patient's login ends with it), a legal hold answers 409."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from tests.e2e.api.conftest import Clinic

from spinecoach.interop.archive import open_archive

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _intake() -> dict[str, object]:
    return dict(json.loads((EXAMPLES / "desk-worker.intake.json").read_text(encoding="utf-8")))


def test_the_patient_downloads_their_own_archive(clinic: Clinic, tmp_path: Path) -> None:
    pid = clinic.ids["patient:ann"]
    dr_a = clinic.client("dr_a")
    assert dr_a.post(f"/api/patients/{pid}/intakes", json=_intake()).status_code == 201
    ann = clinic.client("ann")
    response = ann.get(f"/api/patients/{pid}/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert f"spinecoach-patient-{pid}.zip" in response.headers["content-disposition"]
    path = tmp_path / "mine.zip"
    path.write_bytes(response.content)
    with open_archive(path) as archive:
        assert archive.manifest.exported_by.username == "ann"
        assert archive.read_json("record/patients.json")[0]["display_name"] == "Ann"
        assert "fhir/bundle.json" in archive.names()
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        assert "manifest.json" in zf.namelist()
    bob = clinic.ids["patient:bob"]
    assert ann.get(f"/api/patients/{bob}/export").status_code == 404
    events = clinic.client("admin").get("/api/audit", params={"action": "patient.export"})
    assert [e["username"] for e in events.json()["data"]] == ["ann"]


def test_a_clinician_erases_their_patient_unless_held(clinic: Clinic) -> None:
    pid = clinic.ids["patient:ann"]
    dr_a = clinic.client("dr_a")
    ann = clinic.client("ann")
    assert dr_a.post(f"/api/patients/{pid}/intakes", json=_intake()).status_code == 201
    held = dr_a.put(f"/api/patients/{pid}/legal-hold", json={"reason": "claim 2026-17"})
    assert held.status_code == 200, held.text
    assert held.json()["held"] is True
    refused = dr_a.delete(f"/api/patients/{pid}", params={"confirm": pid})
    assert refused.status_code == 409
    assert "legal hold" in refused.json()["detail"]
    unconfirmed = dr_a.delete(f"/api/patients/{pid}")
    assert unconfirmed.status_code == 422
    assert "confirm" in unconfirmed.json()["detail"]
    assert dr_a.delete(f"/api/patients/{pid}/legal-hold").json() == {
        "held": False, "reason": None, "placed_at": None, "placed_by": None,
    }  # fmt: skip
    erased = dr_a.delete(f"/api/patients/{pid}", params={"confirm": pid})
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["rows"]["patients"] == 1
    assert body["rows"]["users"] == 1
    assert dr_a.get(f"/api/patients/{pid}").status_code == 404
    assert ann.get("/api/auth/me").status_code == 401  # the patient's login went with it
    trail = clinic.client("admin").get("/api/audit", params={"patient_id": body["reference"]})
    actions = {e["action"] for e in trail.json()["data"]}
    assert {"patient.erase", "legal_hold.place", "legal_hold.release"} <= actions
    assert pid not in json.dumps(trail.json())
