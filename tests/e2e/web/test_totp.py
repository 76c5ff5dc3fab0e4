"""TOTP enrolment in Debian's Chromium, on a clinic whose policy asks clinicians for a second
factor (the service's default): the first login shows the key and its QR code, a code confirms
it, and every later login asks for the code. Its own server: the shared story clinic runs
without a second factor."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from tests.e2e.web.conftest import PASSWORD, PHONE, SCREENSHOTS, pages_of, serving

from spinecoach.services import accounts, clinic, patients
from spinecoach.services.actors import SYSTEM, Role
from spinecoach.settings import ServiceSettings
from spinecoach.store.engine import make_engine
from spinecoach.store.migrate import upgrade
from spinecoach.store.unit_of_work import UnitOfWork

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def totp_clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = ServiceSettings(
        data_dir=tmp_path_factory.mktemp("totp-clinic"), login_attempts_per_minute=1000
    )
    assert settings.totp_required_for == frozenset({"admin", "clinician"})
    engine = make_engine(settings.url)
    upgrade(engine)
    clinic.seed_policy(UnitOfWork(engine), settings)
    for username, roles in (("dr-totp", [Role.CLINICIAN]), ("dr-phone", [Role.CLINICIAN])):
        accounts.create_user(
            UnitOfWork(engine),
            SYSTEM,
            username=username,
            password=PASSWORD,
            roles=roles,
            display_name=username,
        )
    record = patients.register_patient(UnitOfWork(engine), SYSTEM, {"display_name": "No Code"})
    accounts.create_user(
        UnitOfWork(engine),
        SYSTEM,
        username="patient-no-code",
        password=PASSWORD,
        roles=[Role.PATIENT],
        display_name="patient-no-code",
        patient_id=record.id,
    )
    with serving(settings, engine) as url:
        yield url
    engine.dispose()


@pytest.fixture
def totp_page(browser: Any, totp_clinic: str) -> Iterator[Any]:
    yield from pages_of(browser, totp_clinic)


def _log_in(page: Any, username: str, code: str = "") -> Any:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    if code:
        page.fill("#totp_code", code)
    with page.expect_navigation() as navigation:
        page.click("button[type=submit]")
    return navigation.value


def _secret(page: Any) -> str:
    return str(page.locator("#totp-secret").inner_text()).replace(" ", "")


def _wrong_code(secret: str) -> str:
    """A six-digit code that none of the accepted time steps gives."""
    totp = pyotp.TOTP(secret)
    accepted = {totp.at(time.time() + step * 30) for step in (-2, -1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def _axe_serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_first_login_enrols_totp_and_later_logins_ask_for_the_code(totp_page: Any) -> None:
    page = totp_page()
    _log_in(page, "dr-totp")
    assert page.url.endswith("/login/totp")
    qr = page.locator("#totp-qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = _secret(page)
    assert len(secret) >= 16
    assert _axe_serious(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "totp-enrolment.png"))

    # the half-open session reaches nothing else
    page.goto("/clinic")
    assert page.url.endswith("/login")
    page.goto("/")
    assert page.url.endswith("/login/totp")
    assert _secret(page) == secret, "a page shown again keeps the key the app has scanned"

    page.fill("#code", _wrong_code(secret))
    with page.expect_navigation() as navigation:
        page.click("text=Confirm and continue")
    assert navigation.value.status == 422
    assert "not the current code" in page.locator("#code-error").inner_text()
    assert page.locator("#code").get_attribute("aria-describedby") == "code-error"
    assert _secret(page) == secret

    page.fill("#code", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.click("text=Confirm and continue")
    assert page.url.endswith("/clinic")

    with page.expect_navigation():
        page.click("text=Log out")
    response = _log_in(page, "dr-totp")
    assert response.status == 401
    assert page.url.endswith("/login")
    assert "totp_code" in page.locator("#totp_code-error").inner_text()
    assert page.locator("#username").input_value() == "dr-totp"
    _log_in(page, "dr-totp", code=pyotp.TOTP(secret).now())
    assert page.url.endswith("/clinic")


def test_enrolment_page_on_a_phone_and_the_patient_needs_no_code(totp_page: Any) -> None:
    phone = totp_page(viewport=PHONE)
    _log_in(phone, "dr-phone")
    assert phone.url.endswith("/login/totp")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width} px)"
    phone.screenshot(path=str(SCREENSHOTS / "totp-enrolment-phone.png"))

    patient = totp_page(viewport=PHONE)
    _log_in(patient, "patient-no-code")
    assert patient.url.endswith("/today")
