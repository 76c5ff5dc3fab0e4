"""Live sensors in Chromium: pairing a device, posture alerts and a counted set on the page.

The gateway is the simulate-device code path (frames cut by ``gateway_frames``, sent over the
clinic's WebSocket at a multiple of real time) running in a thread, so the browser sees what a
patient would: the page follows the feedback stream while the sensors stream.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from websockets.sync.client import connect

from spinecoach.live.frames import gateway_frames, start_frame_for
from spinecoach.sensors.monitor import analyze
from spinecoach.sensors.recording import Recording
from spinecoach.services import accounts, devices
from spinecoach.services.actors import SYSTEM, Role
from spinecoach.simulate.recording import simulate_recording
from spinecoach.store.unit_of_work import UnitOfWork

from .conftest import PHONE, Clinic, patient_on_program, user

pytestmark = pytest.mark.slow

BLOCK_S = 0.25


@dataclass
class Gateway:
    """A sensor gateway in a thread: streams ``rec`` and notes when each frame was sent."""

    url: str
    token: str
    rec: Recording
    speed: float
    sent_at: list[float] = field(default_factory=list)
    """Wall-clock time (s since the epoch) each samples frame left, by frame number."""
    replies: list[dict[str, Any]] = field(default_factory=list)
    thread: threading.Thread | None = None

    def start(self) -> Gateway:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with connect(self.url, additional_headers=headers, max_size=2**22) as ws:
            ws.send(json.dumps(start_frame_for(self.rec, 100.0)))
            self.replies.append(json.loads(ws.recv(timeout=30)))
            t0 = time.monotonic()
            for frame in gateway_frames(self.rec, BLOCK_S, 100.0):
                delay = t0 + (frame["t"][-1] - float(self.rec.t[0])) / self.speed - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                self.sent_at.append(time.time())
                ws.send(json.dumps(frame))
                self.replies.append(json.loads(ws.recv(timeout=60)))
            ws.send(json.dumps({"type": "end"}))
            self.replies.append(json.loads(ws.recv(timeout=120)))

    def join(self, timeout_s: float = 180) -> None:
        assert self.thread is not None
        self.thread.join(timeout_s)
        assert not self.thread.is_alive(), "the gateway did not finish"
        assert all(r["type"] != "refused" for r in self.replies), self.replies[:3]


@dataclass
class LivePatient:
    id: str
    token: str
    clinician: str


@pytest.fixture(scope="module")
def live_patient(clinic: Clinic) -> LivePatient:
    """A patient whose program has a flexion set to follow (pelvic tilt), with a paired phone."""
    clinician = user(clinic.engine, "clinician-live", [Role.CLINICIAN])
    pid, program = patient_on_program(clinic.engine, clinician, "Live Patient", 9)
    assert "pelvic_tilt" in [e.id for e in program.exercises]
    account = accounts.create_user(
        UnitOfWork(clinic.engine), SYSTEM, username="patient-live", password="a long demo "
        "passphrase 42", roles=[Role.PATIENT], display_name="patient-live", patient_id=pid,
    )  # fmt: skip
    paired = devices.pair_device(UnitOfWork(clinic.engine), account.actor(), pid, "phone")
    return LivePatient(pid, paired.token, "clinician-live")


def _ingest(clinic: Clinic) -> str:
    return clinic.url.replace("http", "ws", 1) + "/api/live/ingest"


def _submit(page: Any, selector: str) -> None:
    """Click a form's button and wait for the page the post answers with."""
    with page.expect_navigation():
        page.click(selector)


def _following(page: Any) -> None:
    page.wait_for_selector("#live-connection:text-is('following')")


def test_patient_pairs_a_device_sees_its_token_once_and_revokes_it(
    new_page: Any, clinic: Clinic, log_in: Any, screenshot: Any
) -> None:
    page = new_page()
    log_in(page, "patient-calm")
    pid = clinic.ids["calm"]
    page.goto(f"/patients/{pid}/devices")
    page.fill("#name", "")
    _submit(page, "text=Pair and show its token")
    assert page.locator("#name-error").is_visible()  # a device needs a name; nothing paired
    page.fill("#name", "hallway bridge")
    _submit(page, "text=Pair and show its token")
    token = page.input_value("#token")
    assert token.startswith("spd_")
    assert page.input_value("#ingest").endswith("/api/live/ingest")
    assert token not in page.url
    screenshot(page, "live-devices")
    authority = devices.StoreDeviceAuthority(clinic.engine)
    grant = authority.grant_for(token)
    assert grant is not None
    assert grant.patient_id == pid
    page.goto(f"/patients/{pid}/devices")
    assert token not in page.content()  # shown once only
    forged = page.request.post(
        f"/patients/{pid}/devices", form={"csrf_token": "forged", "name": "x"}
    )
    assert forged.status == 403
    _submit(page, "button[aria-label='Revoke hallway bridge']")
    assert page.locator("#revoked").is_visible()
    assert authority.grant_for(token) is None


def test_a_sustained_slump_shows_a_posture_alert_within_a_second(
    new_page: Any,
    clinic: Clinic,
    log_in: Any,
    live_patient: LivePatient,
    screenshot: Any,
    *,
    record_property: Any,
) -> None:
    page = new_page()
    log_in(page, "patient-live")
    page.goto(f"/patients/{live_patient.id}/live")
    page.check("#mode-posture")
    _submit(page, "text=Follow this")
    _following(page)
    slump = simulate_recording("sit-stand", seed=1).recording
    gateway = Gateway(_ingest(clinic), live_patient.token, slump, speed=10).start()
    alert = page.wait_for_selector("#live-alerts li[data-kind=sustained_flexion]", timeout=60_000)
    shown_at = float(alert.get_attribute("data-shown-at") or 0) / 1000
    t_s = float(alert.get_attribute("data-t") or "nan")
    frame = int(t_s // BLOCK_S)  # the frame carrying the sample at which the alert was due
    latency = shown_at - gateway.sent_at[frame]
    record_property("alert_latency_s", round(latency, 3))
    assert 0 < latency < 1.0, f"alert shown {latency:.3f} s after its frame was sent"
    assert "straighten up" in alert.inner_text()
    gateway.join()
    page.wait_for_selector("#live[data-status=ended]")
    # the clinician sees today's zones, the slump in the bent zones
    doctor = new_page()
    log_in(doctor, live_patient.clinician)
    doctor.goto(f"/clinic/patients/{live_patient.id}/live")
    mild = doctor.locator("#live-zones output[data-zone=mild]").inner_text()
    assert float(mild.split()[0]) > 0.5, mild
    # once the streamed recording is processed, today's recordings show the same minutes
    deadline = time.monotonic() + 90
    filed = "0.0 min"
    while time.monotonic() < deadline:
        doctor.goto(f"/clinic/patients/{live_patient.id}/live")
        filed = doctor.locator("#live-zones td[data-filed-zone=mild]").inner_text()
        if filed != "0.0 min":
            break
        time.sleep(1)
    assert abs(float(filed.split()[0]) - float(mild.split()[0])) <= 0.1, (filed, mild)
    screenshot(doctor, "live-clinician-zones")


def test_the_page_counts_the_reps_of_a_simulated_set(
    new_page: Any,
    clinic: Clinic,
    log_in: Any,
    live_patient: LivePatient,
    screenshot: Any,
) -> None:
    bends = simulate_recording("forward-bends", seed=3).recording
    expected = analyze(bends).reps.rep_count
    assert expected == 8  # eight simulated bends, eight in the batch analysis
    page = new_page()
    phone = new_page(viewport=PHONE)
    for p in (page, phone):
        log_in(p, "patient-live")
        p.goto(f"/patients/{live_patient.id}/live")
    page.check("#mode-pelvic_tilt")
    _submit(page, "text=Follow this")
    assert page.locator("#live-message").is_visible()  # kept until the sensors stream
    for p in (page, phone):
        _following(p)
    gateway = Gateway(_ingest(clinic), live_patient.token, bends, speed=4).start()
    page.wait_for_selector("#live-reps:text-matches('^[4-9]$')", timeout=60_000)
    screenshot(page, "live-exercise")
    screenshot(phone, "live-exercise-phone")
    gateway.join()
    ended = gateway.replies[-1]
    assert ended["type"] == "ended"
    assert ended["reps"] == expected
    page.wait_for_selector("#live[data-status=ended]")
    assert page.locator("#live-reps").inner_text() == str(expected)
    assert phone.locator("#live-reps").inner_text() == str(expected)
    assert "pelvic tilt" in page.locator("#live-mode").inner_text()


def test_live_pages_are_not_anyone_elses(
    new_page: Any, clinic: Clinic, log_in: Any, live_patient: LivePatient
) -> None:
    page = new_page()
    log_in(page, "patient-calm")
    for path in (f"/patients/{live_patient.id}/live", f"/patients/{live_patient.id}/devices"):
        assert page.goto(path).status == 404, path
    assert page.goto(f"/clinic/patients/{clinic.ids['calm']}/live").status == 404
    doctor = new_page()
    log_in(doctor, "clinician-b")  # not the live patient's clinician
    assert doctor.goto(f"/clinic/patients/{live_patient.id}/live").status == 404
    stream = doctor.request.get(f"/api/live/patients/{live_patient.id}/state")
    assert stream.status == 404


def test_the_page_reconnects_when_the_feedback_stream_fails(
    new_page: Any, clinic: Clinic, log_in: Any, live_patient: LivePatient
) -> None:
    """The feedback stream's first attempts fail at the network level; the page says so and
    follows the stream once it answers again (EventSource retries by itself)."""
    page = new_page()
    log_in(page, "patient-live")
    page.route("**/api/live/patients/*/feedback", lambda route: route.abort())
    page.goto(f"/patients/{live_patient.id}/live")
    page.wait_for_selector("#live-connection:text-is('reconnecting…')")
    page.unroute("**/api/live/patients/*/feedback")
    _following(page)


def test_the_live_page_and_its_forms_work_without_javascript(
    browser: Any, clinic: Clinic, log_in: Any, live_patient: LivePatient
) -> None:
    context = browser.new_context(java_script_enabled=False, base_url=clinic.url)
    try:
        page = context.new_page()
        log_in(page, "patient-live")
        page.goto(f"/patients/{live_patient.id}/live")
        assert page.locator("#live-connection").inner_text().startswith("not following")
        page.check("#mode-pelvic_tilt")
        _submit(page, "text=Follow this")
        assert page.locator("#mode-pelvic_tilt").is_checked()  # the choice is kept
        page.check("#mode-posture")
        _submit(page, "text=Follow this")
        assert page.locator("#mode-posture").is_checked()
        page.goto(f"/patients/{live_patient.id}/devices")
        page.fill("#name", "no-script tablet")
        _submit(page, "text=Pair and show its token")
        assert page.input_value("#token").startswith("spd_")
        _submit(page, "button[aria-label='Revoke no-script tablet']")
        assert page.locator("#revoked").is_visible()
    finally:
        context.close()


def test_axe_finds_no_serious_violation_on_the_live_pages(
    new_page: Any, clinic: Clinic, log_in: Any, live_patient: LivePatient
) -> None:
    from .test_accessibility import _serious

    found = {}
    patient = new_page()
    log_in(patient, "patient-live")
    for path in (f"/patients/{live_patient.id}/live", f"/patients/{live_patient.id}/devices"):
        patient.goto(path)
        found[path] = _serious(patient)
    patient.fill("#name", "axe check")
    _submit(patient, "text=Pair and show its token")
    found["devices with a token"] = _serious(patient)
    doctor = new_page()
    log_in(doctor, live_patient.clinician)
    doctor.goto(f"/clinic/patients/{live_patient.id}/live")
    found["clinician live"] = _serious(doctor)
    assert {k: v for k, v in found.items() if v} == {}
