"""`spinecoach report`, `export fhir`, `import fhir`: a patient's record as documents.

For now these work on files: the intake, program version(s), session logs, timeline and sensor
summaries are read into a :class:`~spinecoach.interop.PatientRecord`. The heavy libraries
(WeasyPrint, Altair, fhir.resources) load only when a command runs.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from spinecoach.clinical import Intake
from spinecoach.commands._output import JsonOption, emit
from spinecoach.documents import load_document, validation_message
from spinecoach.errors import DocumentError, InputError
from spinecoach.interop.record import PatientRecord, SensorSummary, program_versions
from spinecoach.outcomes.timeline import Timeline
from spinecoach.outputs import atomic_output, write_text_output
from spinecoach.prescription.program import Program
from spinecoach.sessions import SessionLog

__all__ = ["load_record", "register"]

DEFAULT_CLINIC = "spinecoach clinic"

export_app = typer.Typer(help="Export a patient's record in a standard form (FHIR R4).")
import_app = typer.Typer(help="Import documents from other systems (FHIR R4).")


class ReportKindChoice(StrEnum):
    progress = "progress"
    discharge = "discharge"
    handout = "handout"


class ReportFormat(StrEnum):
    pdf = "pdf"
    html = "html"


class BundleType(StrEnum):
    collection = "collection"
    transaction = "transaction"


IntakeOption = Annotated[
    Path, typer.Option("--intake", help="intake document (JSON or YAML)", show_default=False)
]
ProgramOption = Annotated[
    list[Path],
    typer.Option(
        "--program",
        help="program document; repeat for each version, oldest first (the last is in force)",
        show_default=False,
    ),
]
SessionsOption = Annotated[
    list[Path] | None, typer.Option("--sessions", help="session log (repeat for each version)")
]
TimelineOption = Annotated[Path | None, typer.Option("--timeline", help="outcome timeline")]
SensorsOption = Annotated[
    Path | None,
    typer.Option("--sensors", help="sensor summaries: a JSON list of days (see the README)"),
]
ClinicOption = Annotated[str, typer.Option("--clinic", help="clinic name printed on documents")]
NameOption = Annotated[str | None, typer.Option("--name", help="the patient's name")]
IntakeDateOption = Annotated[
    str | None,
    typer.Option(
        "--intake-date",
        help="date of the intake, YYYY-MM-DD (default: the timeline's or sessions' first date)",
    ),
]
DateOption = Annotated[
    str | None, typer.Option("--date", help="date of the document, YYYY-MM-DD (default: today)")
]
OutOption = Annotated[Path, typer.Option("--out", help="file to write", show_default=False)]


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option}: '{text}' is not a date (YYYY-MM-DD)") from None


def _sensors(path: Path) -> list[SensorSummary]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DocumentError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(f"{path}: cannot read ({type(exc).__name__})") from None
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    try:
        return TypeAdapter(list[SensorSummary]).validate_python(raw)
    except ValidationError as exc:
        raise DocumentError(validation_message(exc, str(path))) from None


def load_record(
    intake: Path,
    programs: list[Path],
    sessions: list[Path] | None = None,
    timeline: Path | None = None,
    sensors: Path | None = None,
    *,
    clinic: str = DEFAULT_CLINIC,
    name: str | None = None,
    intake_date: dt.date | None = None,
    as_of: dt.date | None = None,
) -> PatientRecord:
    """A patient record from document files (what the file-based commands work on)."""
    intake_doc = load_document(intake, Intake)
    program_docs = [load_document(p, Program) for p in programs]
    versions = [p.version for p in program_docs]
    if versions != sorted(set(versions)):
        raise InputError(f"--program: versions {versions} must be distinct and given oldest first")
    logs = [load_document(p, SessionLog) for p in sessions or []]
    timeline_doc = load_document(timeline, Timeline) if timeline is not None else None
    first = intake_date
    if first is None and timeline_doc is not None:
        first = timeline_doc.measurements[0].date
    if first is None:
        dates = [s.date for log in logs for s in log.sessions]
        first = min(dates) if dates else (as_of or dt.date.today())
    return PatientRecord.from_intake(
        intake_doc,
        clinic_name=clinic,
        intake_date=first,
        programs=program_versions(program_docs, first),
        sessions=logs,
        timeline=timeline_doc,
        sensors=_sensors(sensors) if sensors is not None else (),
        name=name,
        as_of=as_of,
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        intake: IntakeOption,
        program: ProgramOption,
        kind: Annotated[
            ReportKindChoice,
            typer.Option(
                "--kind", help="progress report, discharge summary, or the patient's handout"
            ),
        ],
        out: OutOption,
        output: Annotated[
            ReportFormat, typer.Option("--format", help="pdf (WeasyPrint) or html")
        ] = ReportFormat.pdf,
        sessions: SessionsOption = None,
        timeline: TimelineOption = None,
        sensors: SensorsOption = None,
        clinic: ClinicOption = DEFAULT_CLINIC,
        name: NameOption = None,
        intake_date: IntakeDateOption = None,
        date: DateOption = None,
    ) -> None:
        """Write a progress report, discharge summary or handout (PDF or HTML) from files."""
        from spinecoach.exercises import load_catalogue
        from spinecoach.interop.reports import build_report, render_html, render_pdf

        record = load_record(
            intake,
            program,
            sessions,
            timeline,
            sensors,
            clinic=clinic,
            name=name,
            intake_date=_date(intake_date, "--intake-date"),
            as_of=_date(date, "--date"),
        )
        content = build_report(record, kind.value, load_catalogue())
        if output is ReportFormat.html:
            write_text_output(out, render_html(content), "--out")
        else:
            pdf = render_pdf(content)
            with atomic_output(out, "--out") as temporary:
                temporary.write_bytes(pdf)
        typer.echo(f"wrote {out}", err=True)

    @export_app.command("fhir")
    def export_fhir(
        intake: IntakeOption,
        program: ProgramOption,
        out: OutOption,
        bundle_type: Annotated[
            BundleType,
            typer.Option(
                "--type", help="collection, or transaction for loading into a FHIR server"
            ),
        ] = BundleType.collection,
        sessions: SessionsOption = None,
        timeline: TimelineOption = None,
        sensors: SensorsOption = None,
        clinic: ClinicOption = DEFAULT_CLINIC,
        name: NameOption = None,
        intake_date: IntakeDateOption = None,
        date: DateOption = None,
    ) -> None:
        """Export a patient's record as a FHIR R4 Bundle (JSON)."""
        from spinecoach.exercises import load_catalogue
        from spinecoach.interop.fhir import export_bundle

        record = load_record(
            intake,
            program,
            sessions,
            timeline,
            sensors,
            clinic=clinic,
            name=name,
            intake_date=_date(intake_date, "--intake-date"),
            as_of=_date(date, "--date"),
        )
        bundle = export_bundle(record, load_catalogue(), bundle_type.value)
        write_text_output(out, bundle.model_dump_json(indent=2) + "\n", "--out")
        typer.echo(f"wrote {out} ({len(bundle.entry or [])} resources)", err=True)

    @import_app.command("fhir")
    def import_fhir(
        file: Annotated[Path, typer.Argument(help="a FHIR R4 QuestionnaireResponse (JSON)")],
        json_flag: JsonOption = None,
    ) -> None:
        """Score a QuestionnaireResponse from another system (ODI, RMDQ, STarT Back, ...)."""
        from spinecoach.interop.fhir import import_questionnaire_response

        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DocumentError(f"{file}: file not found") from None
        except IsADirectoryError:
            raise DocumentError(f"{file}: is a folder; a JSON document is expected") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise DocumentError(f"{file}: cannot read ({type(exc).__name__})") from None
        try:
            result = import_questionnaire_response(text)
        except InputError as exc:
            raise InputError(f"{file}: {exc}") from None
        emit(result, lambda: _describe(result), json_flag)

    app.add_typer(export_app, name="export")
    app.add_typer(import_app, name="import")


def _describe(result: object) -> str:
    from spinecoach.interop.fhir import ImportedResponse

    assert isinstance(result, ImportedResponse)
    s = result.scores
    parts: dict[str, str] = {}
    if s.odi:
        parts["odi"] = f"ODI {s.odi.percent:g} % ({s.odi.band}), {s.odi.answered} of 10 sections"
    if s.start_back:
        sb = s.start_back
        parts["start_back"] = (
            f"STarT Back {sb.stratum} risk (total {sb.total}, psychosocial {sb.psychosocial})"
        )
    if s.rmdq:
        parts["rmdq"] = f"RMDQ {s.rmdq.score}/24"
    if s.nprs is not None:
        parts["nprs"] = f"NPRS {s.nprs}/10"
    if s.psfs:
        parts["psfs"] = f"PSFS mean {s.psfs.mean:g}/10"
    if s.fabq:
        parts["fabq"] = f"FABQ physical activity {s.fabq.physical_activity}, work {s.fabq.work}"
    lines = [parts.get(result.instrument, result.instrument)]
    lines.append(f"authored {result.authored or 'unknown'}; subject {result.subject or 'unknown'}")
    if result.reported_score is not None:
        lines.append(f"score reported by the sender: {result.reported_score:g}")
    return "\n".join(lines)
