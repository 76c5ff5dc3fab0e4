"""Reports rendered as HTML (Jinja2 templates beside this module) and PDF (WeasyPrint).

The PDF is the same HTML laid out by WeasyPrint; nothing is fetched from the network (charts
and pictures are data URIs, and any other URL is refused).
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from spinecoach.errors import SpinecoachError
from spinecoach.exercises import Catalogue
from spinecoach.interop.record import PatientRecord
from spinecoach.interop.reports.content import Report, ReportKind, build_report

__all__ = [
    "PdfUnavailableError",
    "pdf_available",
    "render_html",
    "render_pdf",
    "report_html",
    "report_pdf",
]

_ENV = Environment(
    loader=PackageLoader("spinecoach.interop.reports", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

PANGO_HINT = (
    "PDF output needs pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0); "
    "use --format html meanwhile"
)


class PdfUnavailableError(SpinecoachError):
    """WeasyPrint cannot run here (its pango libraries are missing)."""


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    return _ENV.get_template(f"{report.kind}.html").render(r=report)


def pdf_available() -> bool:
    """True when WeasyPrint and its pango libraries load."""
    try:
        import weasyprint  # noqa: F401
    except OSError:
        return False
    return True


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes (A4)."""
    try:
        import weasyprint
    except OSError:
        raise PdfUnavailableError(PANGO_HINT) from None
    from weasyprint.urls import URLFetcher

    # data: URIs only: a report never loads anything from outside
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    document = weasyprint.HTML(string=render_html(report), url_fetcher=fetcher)
    pdf: bytes = document.write_pdf()
    return pdf


def report_html(record: PatientRecord, kind: ReportKind, catalogue: Catalogue) -> str:
    """A progress report or discharge summary of ``record`` as HTML."""
    return render_html(build_report(record, kind, catalogue))


def report_pdf(record: PatientRecord, kind: ReportKind, catalogue: Catalogue) -> bytes:
    """A progress report or discharge summary of ``record`` as PDF."""
    return render_pdf(build_report(record, kind, catalogue))
