"""Documents from the pages in a real browser: the clinician downloads a patient's progress report
and discharge summary (PDF and HTML), the patient their handout; others get nothing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from spinecoach.interop.reports import pdf_available
from spinecoach.store.unit_of_work import UnitOfWork


def _pdf_tools() -> tuple[str, str]:
    if not pdf_available():
        pytest.skip("WeasyPrint cannot load pango: `make test` installs it with apt-get when root")
    pdftoppm, pdftotext = shutil.which("pdftoppm"), shutil.which("pdftotext")
    if pdftoppm is None or pdftotext is None:
        pytest.skip("poppler-utils missing: `make test` installs it with apt-get when root")
    return pdftoppm, pdftotext


def _download(page: Any, link_text: str, target: Path) -> Path:
    with page.expect_download(timeout=180_000) as info:  # WeasyPrint on a busy machine
        page.get_by_role("link", name=link_text).click()
    download = info.value
    download.save_as(str(target))
    return target


def _pdf_pages(pdf: Path, tmp_path: Path, prefix: str) -> list[Path]:
    pdftoppm, _ = _pdf_tools()
    subprocess.run(
        [pdftoppm, "-r", "50", "-png", str(pdf), str(tmp_path / prefix)], check=True, timeout=120
    )
    return sorted(tmp_path.glob(f"{prefix}-*.png"))


def _pdf_text(pdf: Path) -> str:
    _, pdftotext = _pdf_tools()
    done = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
    )
    return done.stdout.decode("utf-8")


def test_clinician_downloads_the_reports_of_their_patient(
    new_page: Any, clinic: Any, log_in: Any, screenshot: Any, tmp_path: Path
) -> None:
    _pdf_tools()
    page = new_page()
    log_in(page, "clinician-a")
    pid = clinic.ids["calm"]
    page.goto(f"/clinic/patients/{pid}")
    section = page.locator("#documents")
    section.scroll_into_view_if_needed()
    screenshot(page, "patient-page-documents")
    progress = _download(page, "Progress report (PDF)", tmp_path / "progress.pdf")
    assert progress.read_bytes().startswith(b"%PDF")
    pages = _pdf_pages(progress, tmp_path, "progress")
    assert len(pages) >= 3  # summary, outcomes and charts, the handout
    text = _pdf_text(progress)
    assert "Progress report" in text
    assert "Calm Patient" in text
    discharge = _download(page, "Discharge summary (PDF)", tmp_path / "discharge.pdf")
    assert "Discharge summary" in _pdf_text(discharge)
    html = _download(page, "Discharge summary (HTML)", tmp_path / "discharge.html").read_text()
    assert "Baseline and now" in html
    assert "Calm Patient" in html
    with UnitOfWork(clinic.engine) as uow:
        reads = uow.audit.find(patient_id=pid, action="report.read", limit=20)
    assert {"progress.pdf", "discharge.pdf", "discharge.html"} <= {e.object_id for e in reads}


def test_patient_downloads_their_handout(
    new_page: Any, clinic: Any, log_in: Any, tmp_path: Path
) -> None:
    _pdf_tools()
    page = new_page()
    log_in(page, "patient-calm")
    pid = clinic.ids["calm"]
    page.goto(f"/patients/{pid}/progress")
    handout = _download(page, "My exercise handout (PDF)", tmp_path / "handout.pdf")
    assert handout.read_bytes().startswith(b"%PDF")
    text = _pdf_text(handout)
    assert "My exercise program" in text
    assert "Approved by clinician-a" in text  # the clinician's name, not an account id
    assert len(_pdf_pages(handout, tmp_path, "handout")) >= 1
    with UnitOfWork(clinic.engine) as uow:
        reads = uow.audit.find(patient_id=pid, action="report.read", limit=20)
    assert any(e.object_id == "handout.pdf" and e.role == "patient" for e in reads)


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        ("patient-calm", "/clinic/patients/{calm}/reports/progress", 403),  # clinicians' pages
        ("clinician-a", "/clinic/patients/{checkin}/reports/progress", 404),  # not theirs
        ("clinician-a", "/clinic/patients/{calm}/reports/bogus", 404),
        ("clinician-a", "/clinic/patients/{calm}/reports/progress?format=docx", 404),
        ("patient-calm", "/patients/{flare}/handout.pdf", 404),  # another patient's
        ("clinician-a", "/patients/{checkin}/handout.pdf", 404),
    ],
)
def test_documents_of_others_are_refused(
    new_page: Any, clinic: Any, log_in: Any, *, username: str, path: str, status: int
) -> None:
    page = new_page()
    log_in(page, username)
    response = page.goto(path.format(**clinic.ids))
    assert response.status == status
    assert response.headers.get("content-type", "").startswith("text/html")


def test_documents_need_a_login(new_page: Any, clinic: Any) -> None:
    page = new_page()
    page.goto(f"/patients/{clinic.ids['calm']}/handout.pdf")
    assert page.url.endswith("/login")
