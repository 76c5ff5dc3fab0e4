"""Logins, lockout, rate limiting, sessions, CSRF, personal access tokens, TOTP, no defaults."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.e2e.api.conftest import PASSWORD, Clinic

from spinecoach.api.security import CSRF_COOKIE, SESSION_COOKIE
from spinecoach.services import accounts
from spinecoach.services.accounts import AccessPolicy
from spinecoach.store.engine import make_engine
from spinecoach.store.migrate import upgrade
from spinecoach.store.tables import audit_events
from spinecoach.store.unit_of_work import UnitOfWork


def _login(client: TestClient, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(
        "/api/auth/login", json={"username": username, "password": password, **extra}
    )


# -- logging in -------------------------------------------------------------------------------


def test_wrong_password_and_unknown_user_answer_alike(clinic: Clinic) -> None:
    client = clinic.client()
    wrong = _login(client, "dr_a", "not the password at all")
    unknown = _login(client, "nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert "username or password" in wrong.json()["detail"]
    assert SESSION_COOKIE not in client.cookies


def test_session_cookie_is_httponly_and_samesite_strict(clinic: Clinic) -> None:
    response = _login(clinic.client(), "dr_a")
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    csrf = next(c for c in cookies if c.startswith(CSRF_COOKIE + "="))
    assert "HttpOnly" in session
    assert "SameSite=strict" in session
    assert "Secure" not in session  # plain http here
    assert "HttpOnly" not in csrf  # the page's script reads it to send the header


def test_session_cookie_is_secure_over_https(clinic: Clinic) -> None:
    client = TestClient(clinic.app, base_url="https://testserver")
    response = _login(client, "dr_a")
    session = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
    )
    assert "Secure" in session
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_lockout_after_repeated_failures_then_admin_unlocks(any_clinic: Clinic) -> None:
    clinic = any_clinic
    client = clinic.client()
    for _ in range(5):
        assert _login(client, "dr_b", "wrong password, really").status_code == 401
    locked = _login(client, "dr_b")  # the right password no longer helps
    assert locked.status_code == 423
    assert "locked" in locked.json()["detail"]
    admin = clinic.client("admin")
    patch = admin.patch(f"/api/users/{clinic.ids['dr_b']}", json={"unlock": True})
    assert patch.status_code == 200, patch.text
    assert _login(client, "dr_b").status_code == 200


def test_lockout_ends_by_itself(clinic: Clinic) -> None:
    policy = AccessPolicy(max_failed_logins=2, lockout=dt.timedelta(minutes=15))
    t0 = dt.datetime.now(dt.UTC)
    for _ in range(2):
        with pytest.raises(accounts.AuthenticationFailed):
            accounts.login(clinic.uow(), username="ann", password="x" * 12, policy=policy, now=t0)
    with pytest.raises(accounts.AccountLocked):
        accounts.login(clinic.uow(), username="ann", password=PASSWORD, policy=policy, now=t0)
    later = t0 + dt.timedelta(minutes=16)
    session = accounts.login(
        clinic.uow(), username="ann", password=PASSWORD, policy=policy, now=later
    )
    assert session.account.username == "ann"


def test_login_rate_limit_per_address(clinic_factory: Any) -> None:
    clinic = clinic_factory(login_attempts_per_minute=3)
    client = clinic.client()
    for _ in range(3):
        assert _login(client, "nobody", "wrong password 123").status_code == 401
    limited = _login(client, "dr_a")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["detail"].startswith("login:")


def test_logins_are_audited_without_secrets(clinic: Clinic) -> None:
    _login(clinic.client(), "dr_a", "a wrong password!")
    _login(clinic.client(), "dr_a")
    with clinic.engine.connect() as c:
        rows = (
            c.execute(sa.select(audit_events).where(audit_events.c.action == "login"))
            .mappings()
            .all()
        )
    outcomes = [r["outcome"] for r in rows]
    assert outcomes.count("failure") == 1
    assert outcomes.count("success") == 1
    assert all(r["remote_addr"] == "testclient" for r in rows)
    text = " ".join(str(v) for r in rows for v in r.values())
    assert PASSWORD not in text
    assert "a wrong password!" not in text


# -- sessions -----------------------------------------------------------------------------------


def test_logout_ends_the_session(clinic: Clinic) -> None:
    client = clinic.client("dr_a")
    cookie = client.cookies[SESSION_COOKIE]
    assert client.post("/api/auth/logout").status_code == 204
    replay = TestClient(clinic.app, cookies={SESSION_COOKIE: cookie})
    assert replay.get("/api/auth/me").status_code == 401


def test_password_change_ends_every_session(any_clinic: Clinic) -> None:
    clinic = any_clinic
    first, second = clinic.client("dr_a"), clinic.client("dr_a")
    new_password = "a brand new passphrase"
    response = first.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": new_password},
    )
    assert response.status_code == 204, response.text
    assert second.get("/api/auth/me").status_code == 401
    assert _login(clinic.client(), "dr_a", new_password).status_code == 200


def test_weak_new_password_names_the_field(clinic: Clinic) -> None:
    response = clinic.client("dr_a").post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "short"}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("new_password:")


def test_admin_revokes_sessions(clinic: Clinic) -> None:
    victim = clinic.client("ann")
    admin = clinic.client("admin")
    assert admin.post(f"/api/users/{clinic.ids['ann']}/revoke-sessions").status_code == 204
    assert victim.get("/api/auth/me").status_code == 401


def test_deactivated_account_loses_its_sessions(clinic: Clinic) -> None:
    victim = clinic.client("bob")
    admin = clinic.client("admin")
    assert admin.patch(f"/api/users/{clinic.ids['bob']}", json={"active": False}).status_code == 200
    assert victim.get("/api/auth/me").status_code == 401
    assert _login(clinic.client(), "bob").status_code == 401


def test_idle_and_absolute_expiry(any_clinic: Clinic) -> None:
    clinic = any_clinic
    policy = AccessPolicy(
        session_idle=dt.timedelta(minutes=30), session_absolute=dt.timedelta(hours=2)
    )
    t0 = dt.datetime.now(dt.UTC)
    s = accounts.login(clinic.uow(), username="ann", password=PASSWORD, policy=policy, now=t0)
    # used every 20 minutes it lives on ...
    for minutes in (20, 40, 60, 80, 100):
        at = t0 + dt.timedelta(minutes=minutes)
        assert accounts.session_grant(clinic.uow(), s.token, policy=policy, now=at) is not None
    # ... but not past its absolute expiry
    end = t0 + dt.timedelta(minutes=121)
    assert accounts.session_grant(clinic.uow(), s.token, policy=policy, now=end) is None
    # a session left idle ends, and stays ended
    s2 = accounts.login(clinic.uow(), username="ann", password=PASSWORD, policy=policy, now=t0)
    idle = t0 + dt.timedelta(minutes=31)
    assert accounts.session_grant(clinic.uow(), s2.token, policy=policy, now=idle) is None
    assert accounts.session_grant(clinic.uow(), s2.token, policy=policy, now=t0) is None


def test_session_ids_are_stored_hashed(clinic: Clinic) -> None:
    client = clinic.client("dr_a")
    token = client.cookies[SESSION_COOKIE]
    with clinic.engine.connect() as c:
        stored = [r[0] for r in c.exec_driver_sql("SELECT id_hash FROM auth_sessions")]
    assert stored
    assert token not in stored


# -- CSRF ---------------------------------------------------------------------------------------


def test_cookie_write_needs_the_csrf_token(clinic: Clinic) -> None:
    client = clinic.client("admin")
    good = client.headers.pop("X-CSRF-Token")
    body = {"username": "dr_c", "password": PASSWORD, "roles": ["clinician"]}
    missing = client.post("/api/users", json=body)
    assert missing.status_code == 403
    assert missing.json()["detail"].startswith("X-CSRF-Token:")
    wrong = client.post("/api/users", json=body, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    ok = client.post("/api/users", json=body, headers={"X-CSRF-Token": good})
    assert ok.status_code == 201, ok.text


def test_reads_need_no_csrf_token(clinic: Clinic) -> None:
    client = clinic.client("admin")
    client.headers.pop("X-CSRF-Token")
    assert client.get("/api/users").status_code == 200


# -- personal access tokens -----------------------------------------------------------------


def _token(clinic: Clinic, username: str, scopes: list[str]) -> str:
    response = clinic.client(username).post(
        "/api/auth/tokens", json={"name": "script", "scopes": scopes, "expires_in_days": 7}
    )
    assert response.status_code == 201, response.text
    secret: str = response.json()["secret"]
    return secret


def test_read_token_reads_but_cannot_write(any_clinic: Clinic) -> None:
    clinic = any_clinic
    secret = _token(clinic, "admin", ["read"])
    api = TestClient(clinic.app, headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/users").status_code == 200
    denied = api.post(
        "/api/users", json={"username": "x_y", "password": PASSWORD, "roles": ["admin"]}
    )
    assert denied.status_code == 403
    assert denied.json()["detail"] == "scopes: this token lacks 'write'"


def test_write_token_writes_without_csrf(clinic: Clinic) -> None:
    secret = _token(clinic, "admin", ["read", "write"])
    api = TestClient(clinic.app, headers={"Authorization": f"Bearer {secret}"})
    body = {"username": "dr_c", "password": PASSWORD, "roles": ["clinician"]}
    assert api.post("/api/users", json=body).status_code == 201


def test_revoked_token_stops_working(clinic: Clinic) -> None:
    client = clinic.client("dr_a")
    created = client.post("/api/auth/tokens", json={"name": "n", "scopes": ["read"]}).json()
    api = TestClient(clinic.app, headers={"Authorization": f"Bearer {created['secret']}"})
    assert api.get("/api/auth/me").status_code == 200
    assert client.delete(f"/api/auth/tokens/{created['token']['id']}").status_code == 200
    assert api.get("/api/auth/me").status_code == 401


def test_token_expires(clinic: Clinic) -> None:
    actor = accounts.get_user(clinic.uow(), accounts.SYSTEM, clinic.ids["dr_a"]).actor()
    new = accounts.create_token(
        clinic.uow(), actor, name="n", scopes=["read"], expires_in_days=1, policy=AccessPolicy()
    )
    assert accounts.token_grant(clinic.uow(), new.secret) is not None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1, seconds=1)
    assert accounts.token_grant(clinic.uow(), new.secret, now=later) is None


def test_a_token_cannot_make_tokens_and_is_stored_hashed(clinic: Clinic) -> None:
    secret = _token(clinic, "dr_a", ["read", "write"])
    api = TestClient(clinic.app, headers={"Authorization": f"Bearer {secret}"})
    response = api.post("/api/auth/tokens", json={"name": "n", "scopes": ["read"]})
    assert response.status_code == 403
    with clinic.engine.connect() as c:
        stored = [r[0] for r in c.exec_driver_sql("SELECT token_hash FROM access_tokens")]
    assert secret not in stored


def test_token_of_another_user_cannot_be_revoked(clinic: Clinic) -> None:
    created = (
        clinic.client("dr_a")
        .post("/api/auth/tokens", json={"name": "n", "scopes": ["read"]})
        .json()
    )
    other = clinic.client("dr_b").delete(f"/api/auth/tokens/{created['token']['id']}")
    assert other.status_code == 404


# -- TOTP ---------------------------------------------------------------------------------------


def test_totp_required_for_clinicians(clinic_factory: Any) -> None:
    clinic = clinic_factory(totp_required_for=frozenset({"admin", "clinician"}))
    client = clinic.client("dr_a")
    me = client.get("/api/auth/me").json()
    assert me["second_factor"] is False
    blocked = client.get("/api/users/" + clinic.ids["dr_a"])
    assert blocked.status_code == 403
    assert blocked.json()["detail"].startswith("totp:")
    enrolment = client.post("/api/auth/totp")
    assert enrolment.status_code == 201
    assert enrolment.json()["uri"].startswith("otpauth://totp/spinecoach:dr_a")
    totp = pyotp.TOTP(enrolment.json()["secret"])
    wrong = client.post(
        "/api/auth/totp/confirm", json={"code": "000000" if totp.now() != "000000" else "111111"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"].startswith("code:")
    assert client.post("/api/auth/totp/confirm", json={"code": totp.now()}).status_code == 204
    assert client.get("/api/auth/me").json()["second_factor"] is True
    # from now on the password alone is not enough
    without = _login(clinic.client(), "dr_a")
    assert without.status_code == 401
    assert without.json()["detail"].startswith("totp_code:")
    assert _login(clinic.client(), "dr_a", totp_code=totp.now()).status_code == 200
    # a patient is not asked for a second factor
    assert clinic.client("ann").get("/api/auth/me").json()["second_factor"] is True


# -- accounts -----------------------------------------------------------------------------------


def test_no_default_credentials(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    assert accounts.count_users(UnitOfWork(engine)) == 0
    first = accounts.bootstrap_admin(UnitOfWork(engine))
    assert first is not None
    account, password = first
    assert len(password) >= accounts.PASSWORD_MIN_LENGTH
    assert password not in {"admin", "password", "changeme"}
    assert accounts.bootstrap_admin(UnitOfWork(engine)) is None  # only on the very first start
    policy = AccessPolicy(totp_required_for=frozenset())
    with pytest.raises(accounts.AuthenticationFailed):
        accounts.login(UnitOfWork(engine), username="admin", password="admin", policy=policy)
    session = accounts.login(UnitOfWork(engine), username="admin", password=password, policy=policy)
    assert session.account.id == account.id


def test_passwords_are_argon2_hashes(clinic: Clinic) -> None:
    with clinic.engine.connect() as c:
        hashes = [r[0] for r in c.exec_driver_sql("SELECT password_hash FROM users")]
    assert hashes
    assert all(h.startswith("$argon2id$") for h in hashes)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "A!", "password": PASSWORD, "roles": ["clinician"]}, "username"),
        ({"username": "dr_c", "password": "short", "roles": ["clinician"]}, "password"),
        (
            {"username": "dr_c", "password": "dr_c is my password", "roles": ["clinician"]},
            "password",
        ),
        ({"username": "dr_c", "password": PASSWORD, "roles": ["patient"]}, "patient_id"),
        ({"username": "dr_c", "password": PASSWORD, "roles": ["nurse"]}, "roles.0"),
        ({"username": "dr_c", "password": PASSWORD}, "roles"),
        ({"username": "dr_c", "password": PASSWORD, "roles": ["admin"], "extra": 1}, "extra"),
    ],
)
def test_bad_user_names_the_field(clinic: Clinic, body: dict[str, Any], field: str) -> None:
    response = clinic.client("admin").post("/api/users", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{field}:")


def test_duplicate_username_is_a_conflict(clinic: Clinic) -> None:
    response = clinic.client("admin").post(
        "/api/users", json={"username": "dr_a", "password": PASSWORD, "roles": ["clinician"]}
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "username 'dr_a' is taken"


def test_malformed_json_names_the_body(clinic: Clinic) -> None:
    response = clinic.client().post(
        "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("body")


def test_unexpected_error_shows_no_trace_and_logs_no_personal_data(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    @clinic.app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("Ann Example, born 1980, NPRS 9")

    client = TestClient(clinic.app, raise_server_exceptions=False)
    with caplog.at_level(logging.INFO, logger="spinecoach.api"):
        response = client.get("/api/boom")
    assert response.status_code == 500
    assert response.json()["detail"].startswith("internal error; reference ")
    assert "Ann" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" in caplog.text
    assert "Ann Example" not in caplog.text


def test_security_headers_on_every_response(clinic: Clinic) -> None:
    for response in (
        clinic.client().get("/api/auth/me"),
        clinic.client("dr_a").get("/api/auth/me"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
        assert "default-src 'none'" in response.headers["content-security-policy"]


def test_no_bearer_no_cookie_is_401(clinic: Clinic) -> None:
    response = clinic.client().get("/api/users")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_route_and_method_are_named(clinic: Clinic) -> None:
    client = clinic.client("dr_a")
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("path:")
    wrong = client.put("/api/auth/me")
    assert wrong.status_code == 405
    assert wrong.json()["detail"] == "method: PUT is not allowed on this path"
