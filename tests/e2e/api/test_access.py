"""The access table: every route x every role x own / other patient's data -> expected status.

``OK`` means the caller was let through (2xx, or the service judged the request itself: 409/422
on a state or document question); 403 is a role that may not do this; 404 is data that is not the
caller's to know of. "Own" is data of patient ann (dr_a's patient; ann's own account), "other"
that of bob (dr_b's patient). Anonymous callers get 401 everywhere but at login.

A route added to the app without a row here fails :func:`test_every_route_has_a_row`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.e2e.api.conftest import PASSWORD, Clinic, build_clinic

from spinecoach.services import accounts, devices, intake, programs, recordings, sessions
from spinecoach.services.accounts import AccessPolicy
from spinecoach.services.actors import SYSTEM, Role

OK = "ok"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
ODI_RESPONSE = Path(__file__).resolve().parents[2] / "unit/interop/data/odi-public-example.json"
START = dt.datetime(2026, 1, 4, 18, 0, tzinfo=dt.UTC)

ADMIN_ONLY = {"admin": (OK, OK), "clinician": (403, 403), "patient": (403, 403)}
EVERYONE = {"admin": (OK, OK), "clinician": (OK, OK), "patient": (OK, OK)}
READ = {"admin": (404, 404), "clinician": (OK, 404), "patient": (OK, 404)}
"""Clinical data: its clinician and the patient themself; an admin reads none of it."""
WRITE_BY_PATIENT_OR_CLINICIAN = READ
DECIDE = {"admin": (404, 404), "clinician": (OK, 404), "patient": (403, 404)}
"""Decisions only the patient's clinician makes; the patient learns they may not (403)."""
OWN_THING = {"admin": (OK, OK), "clinician": (OK, 404), "patient": (OK, 404)}
MANAGE = {"admin": (OK, OK), "clinician": (OK, 404), "patient": (403, 404)}
"""Erasure and the legal hold: an admin (the register) or the patient's clinician."""

TABLE: dict[tuple[str, str], dict[str, tuple[Any, Any]]] = {
    # auth
    ("POST", "/api/auth/login"): EVERYONE,
    ("POST", "/api/auth/logout"): EVERYONE,
    ("GET", "/api/auth/me"): EVERYONE,
    ("POST", "/api/auth/password"): EVERYONE,
    ("GET", "/api/auth/tokens"): EVERYONE,
    ("POST", "/api/auth/tokens"): EVERYONE,
    ("DELETE", "/api/auth/tokens/{token_id}"): OWN_THING,
    ("POST", "/api/auth/totp"): EVERYONE,
    ("POST", "/api/auth/totp/confirm"): EVERYONE,
    # users
    ("GET", "/api/users"): ADMIN_ONLY,
    ("POST", "/api/users"): ADMIN_ONLY,
    ("GET", "/api/users/{user_id}"): ADMIN_ONLY,
    ("PATCH", "/api/users/{user_id}"): ADMIN_ONLY,
    ("POST", "/api/users/{user_id}/revoke-sessions"): ADMIN_ONLY,
    ("PUT", "/api/users/{clinician_id}/patients/{patient_id}"): ADMIN_ONLY,
    ("DELETE", "/api/users/{clinician_id}/patients/{patient_id}"): ADMIN_ONLY,
    # patients
    ("GET", "/api/patients"): EVERYONE,
    ("POST", "/api/patients"): {"admin": (OK, OK), "clinician": (OK, OK), "patient": (403, 403)},
    ("GET", "/api/patients/{patient_id}"): {
        "admin": (OK, OK),  # the register only (name, status, clinicians)
        "clinician": (OK, 404),
        "patient": (OK, 404),
    },
    # clinical record
    ("GET", "/api/patients/{patient_id}/intakes"): READ,
    ("POST", "/api/patients/{patient_id}/intakes"): WRITE_BY_PATIENT_OR_CLINICIAN,
    ("GET", "/api/patients/{patient_id}/assessments"): READ,
    ("GET", "/api/assessments/{assessment_id}"): READ,
    ("GET", "/api/patients/{patient_id}/program-versions"): READ,
    ("POST", "/api/patients/{patient_id}/program-versions"): DECIDE,
    ("GET", "/api/program-versions/{version_id}"): READ,
    ("POST", "/api/program-versions/{version_id}/approve"): DECIDE,
    ("POST", "/api/program-versions/{version_id}/reject"): DECIDE,
    ("POST", "/api/program-versions/{version_id}/edit"): DECIDE,
    ("GET", "/api/patients/{patient_id}/sessions"): READ,
    ("POST", "/api/patients/{patient_id}/sessions"): WRITE_BY_PATIENT_OR_CLINICIAN,
    ("GET", "/api/sessions/{session_id}"): READ,
    ("POST", "/api/sessions/{session_id}/checkin"): WRITE_BY_PATIENT_OR_CLINICIAN,
    ("GET", "/api/patients/{patient_id}/recordings"): READ,
    ("POST", "/api/patients/{patient_id}/recordings"): WRITE_BY_PATIENT_OR_CLINICIAN,
    ("GET", "/api/recordings/{recording_id}"): READ,
    ("POST", "/api/recordings/{recording_id}/reprocess"): DECIDE,
    ("GET", "/api/patients/{patient_id}/devices"): READ,
    ("POST", "/api/patients/{patient_id}/devices"): WRITE_BY_PATIENT_OR_CLINICIAN,
    ("DELETE", "/api/devices/{device_id}"): WRITE_BY_PATIENT_OR_CLINICIAN,
    # live feedback (the gateways' WebSocket takes device tokens, tested in the live tests)
    ("GET", "/api/live/patients/{patient_id}/feedback"): READ,
    ("GET", "/api/live/patients/{patient_id}/state"): READ,
    ("PUT", "/api/live/patients/{patient_id}/exercise"): WRITE_BY_PATIENT_OR_CLINICIAN,
    ("GET", "/api/patients/{patient_id}/outcomes"): READ,
    ("POST", "/api/patients/{patient_id}/outcomes"): DECIDE,
    ("GET", "/api/fhir/Patient/{patient_id}/$everything"): READ,
    ("POST", "/api/patients/{patient_id}/questionnaire-responses"): DECIDE,
    ("GET", "/api/alerts"): EVERYONE,
    ("POST", "/api/alerts/{alert_id}/resolve"): DECIDE,
    # catalogue, audit, settings
    ("GET", "/api/catalogue"): EVERYONE,
    ("GET", "/api/catalogue/{exercise_id}"): EVERYONE,
    ("GET", "/api/audit"): ADMIN_ONLY,
    ("GET", "/api/settings"): EVERYONE,
    ("PATCH", "/api/settings"): ADMIN_ONLY,
    # the patient's own data (erasure without ?confirm= answers 422 after the access check)
    ("GET", "/api/patients/{patient_id}/export"): READ,
    ("DELETE", "/api/patients/{patient_id}"): MANAGE,
    ("GET", "/api/patients/{patient_id}/legal-hold"): MANAGE,
    ("PUT", "/api/patients/{patient_id}/legal-hold"): MANAGE,
    ("DELETE", "/api/patients/{patient_id}/legal-hold"): MANAGE,
}

USERNAMES = {"admin": "admin", "clinician": "dr_a", "patient": "ann"}
GRANTED = {200, 201, 202, 204, 409, 422}


def _example(name: str) -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / name).read_text(encoding="utf-8")))


def test_every_route_has_a_row(access_clinic: World) -> None:
    """The OpenAPI document lists every route of the app (it is the contract)."""
    paths = access_clinic.clinic.app.openapi()["paths"]
    routes = {(method.upper(), path) for path, item in paths.items() for method in item}
    missing = sorted(routes - TABLE.keys())
    stale = sorted(TABLE.keys() - routes)
    assert len(routes) > 40
    assert not missing, f"routes without a row in the access table: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


class World:
    """A clinic where ann and bob each have an intake, an approved program, a session, a
    recording and an alert; one logged-in client per role."""

    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic
        self.clients = {role: clinic.client(name) for role, name in USERNAMES.items()}
        self.values: dict[str, dict[str, str]] = {"own": {}, "other": {}}
        uow = clinic.uow
        ids = clinic.ids
        for case, patient, doctor in (("own", "ann", "dr_a"), ("other", "bob", "dr_b")):
            clinician = accounts.get_user(uow(), SYSTEM, ids[doctor]).actor()
            pid = ids[f"patient:{patient}"]
            result = intake.submit_intake(
                uow(), clinician, pid, _example("desk-worker.intake.json"), now=START
            )
            programs.approve_version(uow(), clinician, result.version.id, now=START)
            session = sessions.log_session(
                uow(), clinician, pid, _example("desk-worker.sessions.json")["sessions"][0],
                now=START + dt.timedelta(days=1),
            )  # fmt: skip
            recording = recordings.upload_recording(
                uow(), clinician, clinic.settings, pid, b"t,x\n0,1\n", filename="r.csv",
                session_id=session.id, exercise_id="bird_dog",
            )  # fmt: skip
            with uow() as u:
                alert = u.alerts.find(patient_ids=[pid], open_only=False, limit=1)[0]
            device = devices.pair_device(uow(), clinician, pid, "phone")
            self._stream_live(device.token)
            spare = accounts.create_user(
                uow(), SYSTEM, username=f"spare_{case}", password=PASSWORD,
                roles={Role.CLINICIAN},
            )  # fmt: skip
            self.values[case] = {
                "patient_id": pid,
                "assessment_id": result.assessment.id,
                "version_id": result.version.id,
                "session_id": session.id,
                "recording_id": recording.id,
                "alert_id": alert.id,
                "user_id": spare.id,
                "clinician_id": spare.id,
                "exercise_id": "bird_dog",
                "device_id": device.device.id,
            }
        # each role's own token, and a token of someone else
        for role, name in USERNAMES.items():
            actor = accounts.get_user(uow(), SYSTEM, ids[name]).actor()
            token = accounts.create_token(
                uow(), actor, name="t", scopes=["read"], expires_in_days=1, policy=AccessPolicy()
            )
            self.values["own"][f"token:{role}"] = token.info.id
        dr_b = accounts.get_user(uow(), SYSTEM, ids["dr_b"]).actor()
        others = accounts.create_token(
            uow(), dr_b, name="t", scopes=["read"], expires_in_days=1, policy=AccessPolicy()
        )
        self.values["other"]["token"] = others.info.id

    def _stream_live(self, token: str) -> None:
        """A running live session for the patient (its start frame, as a gateway sends it)."""
        start = {"type": "start", "rate_hz": 100, "sensors": ["lumbar"]}
        self.clinic.app.state.live.service.open(token, json.dumps(start))

    def path(self, template: str, case: str, role: str) -> str:
        values = dict(self.values[case])
        values["token_id"] = (
            self.values["own"][f"token:{role}"] if case == "own" else self.values["other"]["token"]
        )
        return template.format(**values)

    def client_for(self, role: str, method: str, template: str) -> TestClient:
        """The role's client, or a fresh login for routes that end or change the session."""
        if template in {"/api/auth/logout", "/api/auth/password"}:
            return self.clinic.client(USERNAMES[role])
        if template == "/api/auth/login":  # would replace the shared client's session
            return TestClient(self.clinic.app)
        return self.clients[role]


def _body(method: str, template: str) -> dict[str, Any]:
    """A valid request for each write route (the access check must not hide behind a 422)."""
    unique = uuid.uuid4().hex[:8]
    bodies: dict[str, dict[str, Any]] = {
        "/api/auth/login": {"json": {"username": "dr_b", "password": PASSWORD}},
        "/api/auth/password": {
            "json": {"current_password": "not the password", "new_password": "x" * 20}
        },
        "/api/auth/tokens": {"json": {"name": "n", "scopes": ["read"]}},
        "/api/auth/totp/confirm": {"json": {"code": "000000"}},
        "/api/users": {
            "json": {"username": f"u_{unique}", "password": PASSWORD, "roles": ["clinician"]}
        },
        "/api/users/{user_id}": {"json": {"display_name": "Spare"}},
        "/api/patients": {"json": {"display_name": f"P {unique}"}},
        "/api/patients/{patient_id}/intakes": {"json": _example("desk-worker.intake.json")},
        "/api/program-versions/{version_id}/edit": {"json": {}},
        "/api/patients/{patient_id}/sessions": {
            "json": {**_example("desk-worker.sessions.json")["sessions"][1]}
        },
        "/api/sessions/{session_id}/checkin": {"json": {"next_morning_pain": 3}},
        "/api/patients/{patient_id}/recordings": {
            "files": {"file": ("r.csv", io.BytesIO(b"t,x\n0,1\n"), "text/csv")},
            "data": {"kind": "day"},
        },
        "/api/patients/{patient_id}/outcomes": {"json": {"date": "2026-01-20", "nprs": 3}},
        "/api/settings": {"json": {}},
        "/api/patients/{patient_id}/questionnaire-responses": {
            "json": json.loads(ODI_RESPONSE.read_text(encoding="utf-8"))
        },
        "/api/patients/{patient_id}/legal-hold": {"json": {"reason": "claim pending"}},
        "/api/patients/{patient_id}/devices": {"json": {"name": f"watch {unique}"}},
        "/api/live/patients/{patient_id}/exercise": {"json": {"exercise_id": "bird_dog"}},
    }
    return bodies.get(template, {}) if method != "GET" else {}


@pytest.fixture(scope="module")
def access_clinic(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: tuple[Path, dict[str, str]]
) -> Iterator[World]:
    template, ids = sqlite_template
    folder = tmp_path_factory.mktemp("access")
    shutil.copyfile(template, folder / "clinic.db")
    from spinecoach.settings import ServiceSettings

    settings = ServiceSettings(
        data_dir=folder / "data",
        database_url=f"sqlite:///{folder / 'clinic.db'}",
        workers=1,
        totp_required_for=frozenset(),
        login_attempts_per_minute=10_000,
    )
    clinic = build_clinic(settings, dict(ids))
    with TestClient(clinic.app):  # runs the app's lifespan: the processing pool shuts down after
        yield World(clinic)
    clinic.engine.dispose()


CASES = [
    pytest.param(method, path, role, case, id=f"{method} {path} {role} {case}")
    for (method, path), roles in TABLE.items()
    for role in USERNAMES
    for case in ("own", "other")
]


def _request(client: TestClient, method: str, path: str, template: str) -> Any:
    """One request; a live feedback stream (endless) is closed once its status is known."""
    if template.endswith("/feedback"):
        with client.stream(method, path) as response:
            return response
    return client.request(method, path, **_body(method, template))


@pytest.mark.parametrize(("method", "template", "role", "case"), CASES)
def test_access(access_clinic: World, method: str, template: str, role: str, case: str) -> None:
    expected = TABLE[(method, template)][role][0 if case == "own" else 1]
    client = access_clinic.client_for(role, method, template)
    response = _request(client, method, access_clinic.path(template, case, role), template)
    if expected == OK:
        allowed = {200} if method == "GET" else GRANTED
        assert response.status_code in allowed, response.text
    else:
        assert response.status_code == expected, response.text


@pytest.mark.parametrize(("method", "template"), sorted(TABLE))
def test_anonymous_gets_401(access_clinic: World, method: str, template: str) -> None:
    anonymous = TestClient(access_clinic.clinic.app)
    response = _request(anonymous, method, access_clinic.path(template, "own", "admin"), template)
    if template == "/api/auth/login":
        assert response.status_code == 200  # dr_b's valid credentials
    else:
        assert response.status_code == 401, response.text
