"""`spinecoach report`, `export fhir`, `import fhir`: a patient's record as documents.

Two forms, decided by the arguments: with a PATIENT id the record is read from the clinic's
database (``SPINECOACH_DATABASE_URL`` / ``SPINECOACH_DATA_DIR``, as ``spinecoach serve`` uses
them), with ``--intake`` and ``--program`` files it is read from documents. ``import fhir FILE``
scores a response; with ``--patient ID`` it also adds the score to that patient's record. The
heavy libraries (WeasyPrint, Altair, fhir.resources) load only when a command runs.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

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


PatientArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="PATIENT",
        help="a patient id in the clinic's database (or give --intake and --program files)",
        show_default=False,
    ),
]
IntakeOption = Annotated[
    Path | None,
    typer.Option("--intake", help="intake document (JSON or YAML)", show_default=False),
]
ProgramOption = Annotated[
    list[Path] | None,
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
ClinicOption = Annotated[
    str | None,
    typer.Option(
        "--clinic",
        help="clinic name printed on documents (default: SPINECOACH_CLINIC_NAME with a "
        f"PATIENT id, else '{DEFAULT_CLINIC}')",
        show_default=False,
    ),
]
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


def _file_record(
    intake: Path | None,
    program: list[Path] | None,
    sessions: list[Path] | None,
    timeline: Path | None,
    sensors: Path | None,
    *,
    clinic: str | None,
    name: str | None,
    intake_date: str | None,
    date: str | None,
) -> PatientRecord:
    """The file form: --intake and --program are required."""
    if intake is None:
        raise InputError("--intake: give a PATIENT id, or the --intake and --program files")
    if not program:
        raise InputError("--program: give a PATIENT id, or the --intake and --program files")
    return load_record(
        intake,
        program,
        sessions,
        timeline,
        sensors,
        clinic=clinic or DEFAULT_CLINIC,
        name=name,
        intake_date=_date(intake_date, "--intake-date"),
        as_of=_date(date, "--date"),
    )


def _only_patient(patient: str, files: dict[str, Any]) -> None:
    """A PATIENT id reads the record from the database: the file options do not apply."""
    given = [option for option, value in files.items() if value]
    if given:
        raise InputError(
            f"PATIENT '{patient}': a patient id reads the clinic's database; "
            f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} for the file form "
            "(give one or the other)"
        )


def _clinic_store() -> tuple[Any, Any]:
    """The clinic's settings and a unit-of-work factory on its (migrated) database."""
    from spinecoach.commands.clinic import _migrated_engine, _settings
    from spinecoach.store.unit_of_work import UnitOfWork

    settings = _settings()
    engine = _migrated_engine(settings)
    return settings, lambda: UnitOfWork(engine)


def _patient_in_store(
    patient: str,
    intake: Any,
    program: Any,
    sessions: Any,
    timeline: Any,
    sensors: Any,
    name: Any,
    intake_date: Any,
    date: str | None,
) -> tuple[Any, Any, dt.date | None]:
    """The store form: no file option may be given; the clinic, its units of work and the date."""
    _only_patient(
        patient,
        {
            "--intake": intake,
            "--program": program,
            "--sessions": sessions,
            "--timeline": timeline,
            "--sensors": sensors,
            "--name": name,
            "--intake-date": intake_date,
        },
    )
    as_of = _date(date, "--date")
    settings, uow = _clinic_store()
    return settings, uow, as_of


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        kind: Annotated[
            ReportKindChoice,
            typer.Option(
                "--kind", help="progress report, discharge summary, or the patient's handout"
            ),
        ],
        out: OutOption,
        patient: PatientArgument = None,
        intake: IntakeOption = None,
        program: ProgramOption = None,
        output: Annotated[
            ReportFormat, typer.Option("--format", help="pdf (WeasyPrint) or html")
        ] = ReportFormat.pdf,
        sessions: SessionsOption = None,
        timeline: TimelineOption = None,
        sensors: SensorsOption = None,
        clinic: ClinicOption = None,
        name: NameOption = None,
        intake_date: IntakeDateOption = None,
        date: DateOption = None,
    ) -> None:
        """Write a progress report, discharge summary or handout (PDF or HTML) of a patient in
        the clinic's database (PATIENT) or from document files."""
        if patient is not None:
            from spinecoach.services.patient_record import OPERATOR, patient_report

            settings, uow, as_of = _patient_in_store(
                patient, intake, program, sessions, timeline, sensors, name, intake_date, date
            )
            data = patient_report(
                uow(),
                OPERATOR,
                patient,
                kind.value,
                output.value,
                clinic_name=clinic or settings.clinic_name,
                as_of=as_of,
            )
            with atomic_output(out, "--out") as temporary:
                temporary.write_bytes(data)
            typer.echo(f"wrote {out}", err=True)
            return

        from spinecoach.exercises import load_catalogue
        from spinecoach.interop.reports import build_report, render_html, render_pdf

        record = _file_record(
            intake,
            program,
            sessions,
            timeline,
            sensors,
            clinic=clinic,
            name=name,
            intake_date=intake_date,
            date=date,
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
        out: OutOption,
        patient: PatientArgument = None,
        intake: IntakeOption = None,
        program: ProgramOption = None,
        bundle_type: Annotated[
            BundleType,
            typer.Option(
                "--type", help="collection, or transaction for loading into a FHIR server"
            ),
        ] = BundleType.collection,
        sessions: SessionsOption = None,
        timeline: TimelineOption = None,
        sensors: SensorsOption = None,
        clinic: ClinicOption = None,
        name: NameOption = None,
        intake_date: IntakeDateOption = None,
        date: DateOption = None,
    ) -> None:
        """Export a patient's record (PATIENT in the clinic's database, or document files) as
        a FHIR R4 Bundle (JSON)."""
        if patient is not None:
            from spinecoach.services.patient_record import OPERATOR, fhir_bundle

            settings, uow, as_of = _patient_in_store(
                patient, intake, program, sessions, timeline, sensors, name, intake_date, date
            )
            bundle = fhir_bundle(
                uow(),
                OPERATOR,
                patient,
                clinic_name=clinic or settings.clinic_name,
                kind=bundle_type.value,
                as_of=as_of,
            )
        else:
            from spinecoach.exercises import load_catalogue
            from spinecoach.interop.fhir import export_bundle

            record = _file_record(
                intake,
                program,
                sessions,
                timeline,
                sensors,
                clinic=clinic,
                name=name,
                intake_date=intake_date,
                date=date,
            )
            bundle = export_bundle(record, load_catalogue(), bundle_type.value)
        write_text_output(out, bundle.model_dump_json(indent=2) + "\n", "--out")
        typer.echo(f"wrote {out} ({len(bundle.entry or [])} resources)", err=True)

    @import_app.command("fhir")
    def import_fhir(
        file: Annotated[Path, typer.Argument(help="a FHIR R4 QuestionnaireResponse (JSON)")],
        patient: Annotated[
            str | None,
            typer.Option(
                "--patient",
                help="add the score to this patient's record in the clinic's database",
                show_default=False,
            ),
        ] = None,
        json_flag: JsonOption = None,
    ) -> None:
        """Score a QuestionnaireResponse from another system (ODI, RMDQ, STarT Back, ...);
        with --patient, add the score to that patient's outcome timeline."""
        from spinecoach.interop.fhir import import_questionnaire_response

        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            raise DocumentError(f"{file}: file not found") from None
        except IsADirectoryError:
            raise DocumentError(f"{file}: is a folder; a JSON document is expected") from None
        except OSError as exc:
            raise DocumentError(f"{file}: cannot read ({type(exc).__name__})") from None
        try:
            if patient is None:
                result = import_questionnaire_response(raw.decode("utf-8"))
                emit(result, lambda: _describe(result), json_flag)
                return
            from spinecoach.services.patient_record import OPERATOR, import_response

            settings, uow = _clinic_store()
            added = import_response(uow(), OPERATOR, settings, patient, raw)
        except UnicodeDecodeError:
            raise DocumentError(f"{file}: cannot read (not UTF-8 text)") from None
        except InputError as exc:
            raise InputError(f"{file}: {exc}") from None
        emit(
            added,
            lambda: _describe(added.imported) + f"\nadded to patient {patient}'s outcome timeline",
            json_flag,
        )

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
