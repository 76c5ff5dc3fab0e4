"""The patient's own data from their pages: the nav's "My data" link downloads the archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.web.conftest import SCREENSHOTS, Clinic

from spinecoach.interop.archive import open_archive


def test_the_patient_downloads_their_data_from_the_nav(
    new_page: Any, log_in: Any, clinic: Clinic, tmp_path: Path
) -> None:
    page = new_page()
    log_in(page, "patient-calm")
    link = page.locator("nav >> text=My data (zip)")
    assert link.is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("header").screenshot(path=str(SCREENSHOTS / "patient-my-data-link.png"))
    with page.expect_download() as info:
        link.click()
    download = info.value
    pid = clinic.ids["calm"]
    assert download.suggested_filename == f"spinecoach-patient-{pid}.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with open_archive(saved) as archive:  # every checksum verified
        assert archive.manifest.patient_id == pid
        assert archive.manifest.exported_by.username == "patient-calm"
        assert archive.read_json("record/patients.json")[0]["display_name"] == "Calm Patient"
