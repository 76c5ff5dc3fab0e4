"""Printable reports of a patient's record: progress report and discharge summary, HTML and PDF."""

from spinecoach.interop.reports.content import Report, ReportKind, build_report
from spinecoach.interop.reports.render import (
    PdfUnavailableError,
    pdf_available,
    render_html,
    render_pdf,
    report_html,
    report_pdf,
)

__all__ = [
    "PdfUnavailableError",
    "Report",
    "ReportKind",
    "build_report",
    "pdf_available",
    "render_html",
    "render_pdf",
    "report_html",
    "report_pdf",
]
