"""Progress report and discharge summary: content, HTML, and a PDF looked at page by page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spinecoach.exercises import Catalogue
from spinecoach.interop import PatientRecord
from spinecoach.interop.reports import build_report, pdf_available, render_html, render_pdf


def test_progress_report_has_every_part(record: PatientRecord, catalogue: Catalogue) -> None:
    report = build_report(record, "progress", catalogue)
    program = record.programs[0].program
    assert report.clinic == "Riverside Physiotherapy"
    assert report.title == "Progress report"
    assert [e.name for e in report.handout] == [e.name for e in program.exercises]
    assert all(e.picture is not None and e.steps and e.why for e in report.handout)
    titles = [c.title for c in report.charts]
    for expected in (
        "Disability, ODI (%)",
        "Pain, NPRS (0-10)",
        "Trunk endurance",
        "Lumbar range of motion",
        "Standing sway",
        "Adherence",
        "Posture time in zones",
        "Lumbar flexion",
    ):
        assert expected in titles
    assert report.felt_better == "yes"
    assert report.functioned_better == "yes"
    assert report.adherence_alert is not None
    assert report.adherence_alert.startswith("non-adherence")
    assert len(report.sensors) == len(record.sensors)

    html = render_html(report)
    assert html.count('src="data:image/svg+xml;base64,') == len(report.charts) + len(
        program.exercises
    )
    for heading in ("Assessment summary", "Outcomes", "Adherence and sessions", "Sensor summaries"):
        assert f">{heading}</h2>" in html
    assert "30 March 2026" in html
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing loaded from outside


def test_discharge_summary_sets_felt_apart_from_functioned(
    record: PatientRecord, catalogue: Catalogue
) -> None:
    html = render_html(build_report(record, "discharge", catalogue))
    assert "Discharge summary" in html
    assert "Felt better (pain)" in html
    assert "Functioned better" in html
    # baseline and latest ODI side by side, classified against the MCID
    row = re.search(r"<td>Disability \(ODI, %\)</td><td>([\d.]+)</td><td>([\d.]+)</td>", html)
    assert row is not None
    assert row.groups() == ("31.11", "16")
    assert "Your home program: keep doing these" in html


def _need_pdf_tools() -> str:
    if not pdf_available():
        pytest.skip("WeasyPrint cannot load pango: `make test` installs it with apt-get when root")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip(
            "pdftoppm (poppler-utils) missing: `make test` installs it with apt-get when root"
        )
    return pdftoppm


def _near(page: Image.Image, colour: tuple[int, int, int], tolerance: int = 8) -> int:
    """How many pixels of ``page`` are within ``tolerance`` of ``colour`` on every channel."""
    rgb = np.asarray(page.convert("RGB")).astype(int)
    return int((np.abs(rgb - np.array(colour)).max(axis=2) <= tolerance).sum())


def _page_text(pdftotext: str, path: Path, number: int) -> str:
    args = [pdftotext, "-f", str(number), "-l", str(number), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


# The MCID band (#f3d98b at 45 % opacity on white) and the neutral posture zone (#4c9a6a).
BAND = (250, 239, 203)
NEUTRAL_ZONE = (76, 154, 106)


@pytest.mark.slow
def test_pdf_report_pages_and_charts(
    record: PatientRecord, catalogue: Catalogue, tmp_path: Path
) -> None:
    pdftoppm = _need_pdf_tools()
    report = build_report(record, "progress", catalogue)
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "progress.pdf"
    path.write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", "50", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 3 <= len(pages) <= 10
    images = [Image.open(p) for p in pages]
    for image in images:  # A4 portrait: 210 x 297 mm
        assert abs(image.height / image.width - 297 / 210) < 0.01
    ink = [int((np.asarray(i.convert("L")) < 200).sum()) for i in images]
    assert all(n > 500 for n in ink)  # no blank page
    pdftotext = shutil.which("pdftotext")
    assert pdftotext is not None  # poppler-utils brings it with pdftoppm
    texts = [_page_text(pdftotext, path, n) for n in range(1, len(pages) + 1)]
    everything = "\n".join(texts)
    for words in ("Progress report", "Riverside Physiotherapy", "Why it matters", "page 1 of"):
        assert words in everything, words
    # the PROM charts are drawn with their MCID bands ...
    proms = next(i for i, t in enumerate(texts) if "Disability, ODI (%)" in t)
    assert _near(images[proms], BAND) > 2_000
    # ... the posture chart with its zones, and the handout pages carry neither
    posture = next(i for i, t in enumerate(texts) if "Posture time in zones" in t)
    assert _near(images[posture], NEUTRAL_ZONE, 20) > 1_000
    handout = next(i for i, t in enumerate(texts) if "Your exercise program" in t)
    assert handout > max(proms, posture)
    assert _near(images[-1], BAND) < 100
    assert _near(images[-1], NEUTRAL_ZONE, 20) < 100


def test_handout_is_the_program_only(record: PatientRecord, catalogue: Catalogue) -> None:
    report = build_report(record, "handout", catalogue)
    assert report.title == "My exercise program"
    assert report.charts == ()
    assert len(report.handout) == len(record.programs[0].program.exercises)
    html = render_html(report)
    assert "emergency care now" in html
    assert "Outcomes" not in html
    assert "Screening and monitoring aid" not in html
