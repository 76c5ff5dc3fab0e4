"""The adaptive loop end to end through a real uvicorn server and an HTTP client.

intake -> approved program -> 2 weeks of sessions, each with an uploaded recording processed off
the request path -> a proposed version whose changes cite the sensor quality -> approval ->
outcomes; then a check-in with a cauda equina answer -> emergency text, alert, program stopped.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.api.conftest import PASSWORD
from tests.serving import served

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
FIRST_DAY = dt.date.today() - dt.timedelta(days=15)


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, clinic_factory: Any) -> Iterator[Any]:
    """The clinic served by uvicorn, on SQLite and on PostgreSQL."""
    clinic = clinic_factory(request.param)
    with served(clinic.app) as url:
        yield clinic, url


def _login(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    response = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _session_for(program: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """Every prescribed exercise done at its dose, pain steady at 3."""
    exercises = []
    for e in program["exercises"]:
        dose = e["dose"]
        done = {"id": e["id"], "sets": dose["sets"], "completed": True, "rpe": 3}
        for key in ("reps", "hold_s"):
            if dose.get(key) is not None:
                done[key] = dose[key]
        exercises.append(done)
    return {
        "date": day.isoformat(),
        "pain_before": 3,
        "pain_after": 3,
        "next_morning_pain": 3,
        "exercises": exercises,
    }


@pytest.fixture(scope="module")
def wobbly_bird_dog(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A simulated bird-dog hold whose lumbar stillness is below the progression threshold."""
    from spinecoach.sensors.files import write_recording
    from spinecoach.simulate.recording import simulate_recording

    path = tmp_path_factory.mktemp("rec") / "bird-dog.csv"
    write_recording(simulate_recording("bird-dog-wobbly", seed=3).recording, path)
    return path.read_bytes()


@pytest.mark.slow
def test_the_loop_through_the_api(live: Any, wobbly_bird_dog: bytes) -> None:
    clinic, url = live
    doctor = _login(url, "dr_a")
    patient_id = clinic.ids["patient:ann"]

    # intake -> assessment -> proposed first program -> approved
    intake = json.loads((EXAMPLES / "desk-worker.intake.json").read_text(encoding="utf-8"))
    submitted = _ok(doctor.post(f"/api/patients/{patient_id}/intakes", json=intake), 201)
    v1 = submitted["version"]
    assert v1["status"] == "proposed"
    v1 = _ok(doctor.post(f"/api/program-versions/{v1['id']}/approve", json={"note": "ok"}))
    assert v1["status"] == "approved"
    program = v1["document"]
    assert "bird_dog" in [e["id"] for e in program["exercises"]]

    # two weeks of sessions, each with a recording of the bird dog, logged by the patient
    patient = _login(url, "ann")
    per_week = program["sessions_per_week"]
    days = [FIRST_DAY + dt.timedelta(days=round(i * 7 / per_week)) for i in range(2 * per_week)]
    uploads = []
    for day in days:
        logged = _ok(patient.post(f"/api/patients/{patient_id}/sessions", json=_session_for(program, day)), 201)  # fmt: skip
        uploaded = patient.post(
            f"/api/patients/{patient_id}/recordings",
            files={"file": ("bird-dog.csv", wobbly_bird_dog, "text/csv")},
            data={"kind": "exercise", "session_id": logged["id"], "exercise_id": "bird_dog"},
        )
        assert uploaded.status_code == 202, uploaded.text  # stored; processing goes on elsewhere
        uploads.append(uploaded.json()["id"])

    deadline = time.monotonic() + 300
    pending = set(uploads)
    while pending and time.monotonic() < deadline:
        for rid in list(pending):
            status = _ok(doctor.get(f"/api/recordings/{rid}"))["recording"]["status"]
            assert status != "failed"
            if status == "processed":
                pending.discard(rid)
        time.sleep(0.5)
    assert not pending, f"recordings not processed in time: {pending}"

    sessions = _ok(doctor.get(f"/api/patients/{patient_id}/sessions", params={"limit": 50}))
    assert sessions["count"] == len(days)
    filled = [
        e["sensor"]
        for s in sessions["data"]
        for e in s["document"]["exercises"]
        if e["id"] == "bird_dog"
    ]
    assert all(f is not None and f["quality"] < 0.7 for f in filled)

    # the next version holds the bird dog back because of the sensor-measured quality
    v2 = _ok(doctor.post(f"/api/patients/{patient_id}/program-versions"), 201)
    assert (v2["version"], v2["status"]) == (2, "proposed")
    citing = [c for c in v2["changes"] if "sensor-measured" in json.dumps(c)]
    assert citing, v2["changes"]
    assert any("bird_dog" in json.dumps(c) for c in citing)
    v2 = _ok(doctor.post(f"/api/program-versions/{v2['id']}/approve"))
    assert v2["status"] == "approved"
    versions = _ok(doctor.get(f"/api/patients/{patient_id}/program-versions"))["data"]
    assert [(v["version"], v["status"]) for v in versions] == [(1, "superseded"), (2, "approved")]

    outcomes = _ok(doctor.get(f"/api/patients/{patient_id}/outcomes"))
    assert outcomes["timeline"] is not None
    assert outcomes["summary"] is not None

    # a cauda equina answer at the next-morning check-in: emergency text, alert, program stopped
    last = sessions["data"][-1]["id"]
    answer = {"next_morning_pain": 6, "red_flags": ["ces_saddle_anaesthesia"]}
    checked = _ok(patient.post(f"/api/sessions/{last}/checkin", json=answer), 201)
    assert checked["program_stopped"] is True
    assert "emergency" in checked["emergency_text"].lower()
    alerts = _ok(doctor.get("/api/alerts"))["data"]
    assert (alerts[0]["kind"], alerts[0]["severity"]) == ("red_flag", "emergency")
    assert alerts[0]["patient_id"] == patient_id
    refused = patient.post(
        f"/api/patients/{patient_id}/sessions",
        json=_session_for(program, dt.date.today()),
    )
    assert refused.status_code == 409
    assert "stopped" in refused.json()["detail"] or "referral" in refused.json()["detail"]
