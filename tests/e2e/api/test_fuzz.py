"""Schema fuzzing with schemathesis: every operation, generated requests, as each role: no 5xx.

Each generated request is sent three times, authenticated by a personal access token (read and
write) of an admin, a clinician and a patient, against a clinic that has records to find.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from tests.e2e.api.conftest import Clinic, build_clinic

from spinecoach.services import accounts
from spinecoach.services.accounts import AccessPolicy
from spinecoach.services.actors import SYSTEM
from spinecoach.settings import ServiceSettings

ROLES = {"admin": "admin", "clinician": "dr_a", "patient": "ann"}


@pytest.fixture(scope="module")
def fuzz_clinic(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: tuple[Path, dict[str, str]]
) -> Iterator[tuple[Clinic, dict[str, str]]]:
    template, ids = sqlite_template
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copyfile(template, folder / "clinic.db")
    clinic = build_clinic(
        ServiceSettings(
            data_dir=folder / "data",
            database_url=f"sqlite:///{folder / 'clinic.db'}",
            workers=1,
            totp_required_for=frozenset(),
            login_attempts_per_minute=100_000,
        ),
        dict(ids),
    )
    tokens = {}
    for role, username in ROLES.items():
        actor = accounts.get_user(clinic.uow(), SYSTEM, ids[username]).actor()
        new = accounts.create_token(
            clinic.uow(),
            actor,
            name="fuzz",
            scopes=["read", "write"],
            expires_in_days=1,
            policy=AccessPolicy(),
        )
        tokens[role] = new.secret
    yield clinic, tokens
    clinic.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_clinic: tuple[Clinic, dict[str, str]]) -> Any:
    clinic, _ = fuzz_clinic
    return schemathesis.openapi.from_asgi("/api/openapi.json", clinic.app)


@pytest.mark.slow
def test_no_server_errors(api_schema: Any, fuzz_clinic: tuple[Clinic, dict[str, str]]) -> None:
    _, tokens = fuzz_clinic
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40
    statuses: list[int] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def no_5xx(case: Any) -> None:
            for role, token in tokens.items():
                response = case.call(headers={"Authorization": f"Bearer {token}"})
                statuses.append(response.status_code)
                assert response.status_code < 500, (
                    f"{role}: {case.method} {case.formatted_path} -> {response.status_code} "
                    f"{response.text[:300]}"
                )
                assert "Traceback" not in response.text

        no_5xx()

    assert len(statuses) >= 3 * len(operations)
    assert {200, 201, 404, 422} <= set(statuses)  # requests got through, not only refusals
