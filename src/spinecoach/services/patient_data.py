"""The patient's own data: the whole record as one archive (the right of access), brought into
another spinecoach clinic (moving clinics), and erased (the right to erasure) unless a legal
hold keeps it.

The archive holds every row of the record as JSON (``record/<table>.json``), the raw
recordings as stored, the derived metrics as CSV and Parquet, the FHIR Bundle, the audit events
about the patient and their login account without secrets, with a manifest of checksums
(:mod:`spinecoach.interop.archive`). Import carries the recordings' metrics as they were derived
(nothing is re-analysed; the clinician may re-run processing). Erasure deletes every row and
file of the patient in one transaction and keeps in the audit trail only that an erasure
happened, when, by whom and under a reference that names no one; older events about the
patient are kept but made anonymous (see the README for why).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError

from spinecoach import __version__
from spinecoach.clinical import Assessment, Intake
from spinecoach.documents import validation_message
from spinecoach.errors import InputError, SpinecoachError
from spinecoach.interop.archive import Archive, ExportedBy, Manifest, open_archive, write_archive
from spinecoach.prescription.program import Program
from spinecoach.services import audit, raw_files
from spinecoach.services.actors import SYSTEM, Actor, Role
from spinecoach.services.clock import utcnow
from spinecoach.services.errors import Conflict, Forbidden, NotFound
from spinecoach.services.outcomes import OutcomeEntry, patient_timeline
from spinecoach.services.patients import clinical_patient, refuse_access, visible_patient
from spinecoach.services.recordings import SUFFIXES, RecordingMetrics, stored_path
from spinecoach.services.sessions import CheckIn
from spinecoach.sessions import Session
from spinecoach.settings import ServiceSettings
from spinecoach.store import tables as t
from spinecoach.store.migrate import current_revision
from spinecoach.store.patient_data import (
    LegalHold,
    PatientDataRepository,
    RecordTable,
    decode_row,
    encode_row,
    record_tables,
)
from spinecoach.store.records import PatientRecord, RecordingRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = [
    "NOT_IMPORTED",
    "ErasureResult",
    "ImportResult",
    "erase_patient",
    "export_patient",
    "get_hold",
    "import_patient",
    "place_hold",
    "release_hold",
]

NOT_IMPORTED = frozenset({"patient_clinicians", "legal_holds"})
"""Tables exported but not imported: the clinicians and a legal hold belong to the clinic that
assigned or placed them (import takes ``clinicians`` of the receiving clinic instead)."""
DOCUMENTS: dict[str, type[BaseModel]] = {
    "intakes": Intake,
    "assessments": Assessment,
    "program_versions": Program,
    "sessions": Session,
    "checkins": CheckIn,
    "outcome_entries": OutcomeEntry,
}
"""The domain model each table's ``document`` must validate as, on import."""
MAX_REASON = 500
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SUFFIXES = {suffix for allowed in SUFFIXES.values() for suffix in allowed}
README = """\
This archive holds everything spinecoach keeps about one patient.

manifest.json      every file with its size and SHA-256, when and by whom it was exported
record/            the record, one JSON file per table (rows with their documents)
account/           the patient's login account (no password or second-factor secret)
recordings/        the raw sensor recordings as they were stored (named by their SHA-256)
derived/           recording metrics and the outcome timeline, as CSV and as Parquet
fhir/bundle.json   the record as a FHIR R4 Bundle (when the patient has an intake)
audit/events.json  who did what with the record, and when

`spinecoach patient import` reads it into another spinecoach clinic.
"""


# --- who may ---------------------------------------------------------------------------------


def _console(actor: Actor) -> bool:
    return actor.user_id == SYSTEM.user_id


def _existing(uow: UnitOfWork, patient_id: str) -> PatientRecord:
    patient = uow.patients.get(patient_id)
    if patient is None:
        raise NotFound("patient", patient_id)
    return patient


def _reader(uow: UnitOfWork, actor: Actor, patient_id: str) -> PatientRecord:
    """The patient themself or their clinician (or the server's console)."""
    if _console(actor):
        return _existing(uow, patient_id)
    return clinical_patient(uow, actor, patient_id)


def _manager(uow: UnitOfWork, actor: Actor, patient_id: str, action: str) -> PatientRecord:
    """An admin, the patient's clinician or the console; the patient learns they may not."""
    if _console(actor):
        return _existing(uow, patient_id)
    patient = visible_patient(uow, actor, patient_id)
    if actor.has(Role.ADMIN) or (
        actor.has(Role.CLINICIAN) and uow.patients.is_assigned(patient_id, actor.user_id)
    ):
        return patient
    refuse_access(
        uow,
        actor,
        patient_id,
        Forbidden(f"only an admin or a clinician of patient {patient_id!r} may do this"),
        action,
    )


# --- export ----------------------------------------------------------------------------------


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=1, ensure_ascii=False) + "\n").encode()


def _recording(row: Mapping[str, Any]) -> RecordingRecord:
    names = {f.name for f in dataclasses.fields(RecordingRecord)}
    return RecordingRecord(**{k: v for k, v in row.items() if k in names})


def _archive_name(path: Path) -> str:
    return f"recordings/{path.name}"


def _flat(prefix: str, value: Any, into: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flat(f"{prefix}.{key}" if prefix else str(key), inner, into)
    elif isinstance(value, list):
        into[prefix] = "; ".join(str(v) for v in value)
    else:
        into[prefix] = value


def _tables(rows: Sequence[Mapping[str, Any]], first: Sequence[str]) -> tuple[bytes, bytes]:
    """Rows as CSV and as Parquet, columns ``first`` then the others by name."""
    import pandas as pd

    others = {k for row in rows for k in row} - set(first)
    columns = list(first) + sorted(others)
    frame = pd.DataFrame([dict(r) for r in rows], columns=columns)
    parquet = io.BytesIO()
    frame.to_parquet(parquet, index=False)
    return frame.to_csv(index=False).encode(), parquet.getvalue()


_METRIC_COLUMNS = (
    "recording_id",
    "kind",
    "recorded_on",
    "session_id",
    "exercise_id",
    "filename",
    "file_format",
    "sha256",
    "status",
    "failure_reason",
    "processed_at",
)


def _derived(uow: UnitOfWork, rows: Sequence[Mapping[str, Any]], patient_id: str) -> list[Any]:
    """The recordings' metrics and the outcome timeline as flat tables (CSV for a spreadsheet,
    Parquet for analysis): one row per recording, one per measurement date."""
    metric_rows: list[dict[str, Any]] = []
    for row in rows:
        flat: dict[str, Any] = {"recording_id": row["id"]}
        flat |= {k: encode_row(row).get(k) for k in _METRIC_COLUMNS if k != "recording_id"}
        if row.get("metrics"):
            _flat("", row["metrics"], flat)
        metric_rows.append(flat)
    timeline = patient_timeline(uow, patient_id, adherence=False)
    outcome_rows: list[dict[str, Any]] = []
    for measurement in timeline.measurements if timeline is not None else []:
        flat = {}
        _flat("", measurement.model_dump(mode="json", exclude_none=True), flat)
        outcome_rows.append(flat)
    metrics_csv, metrics_parquet = _tables(metric_rows, _METRIC_COLUMNS)
    outcomes_csv, outcomes_parquet = _tables(outcome_rows, ("date",))
    return [
        ("derived/recording_metrics.csv", metrics_csv),
        ("derived/recording_metrics.parquet", metrics_parquet),
        ("derived/outcome_timeline.csv", outcomes_csv),
        ("derived/outcome_timeline.parquet", outcomes_parquet),
    ]


def _bundle(uow: UnitOfWork, settings: ServiceSettings, patient_id: str, on: dt.date) -> bytes:
    """The record as a FHIR Bundle (collection), built as ``$everything`` builds it."""
    from spinecoach.exercises import load_catalogue
    from spinecoach.interop.fhir import export_bundle, resource_json
    from spinecoach.services.patient_record import load_record

    record = load_record(uow, patient_id, clinic_name=settings.clinic_name, as_of=on)
    return _json(resource_json(export_bundle(record, load_catalogue())))


def _imported_responses(settings: ServiceSettings, patient_id: str) -> list[tuple[str, Path]]:
    """Questionnaire responses imported from other systems, as stored (``imports/PATIENT/``)."""
    folder = settings.data_dir / "imports" / patient_id
    if not folder.is_dir():
        return []
    return [(f"imports/{p.name}", p) for p in sorted(folder.glob("*.json")) if p.is_file()]


def export_patient(
    uow: UnitOfWork,
    actor: Actor,
    settings: ServiceSettings,
    patient_id: str,
    out: Path,
    *,
    now: dt.datetime | None = None,
) -> Manifest:
    """Write everything about the patient to the zip ``out``; the patient themself, their
    clinician, or the server's console. The export is audited."""
    at = utcnow(now)
    notes: list[str] = []
    with uow:
        _reader(uow, actor, patient_id)
        repo = PatientDataRepository(uow.connection)
        rows = repo.record_rows(patient_id)
        members: list[Any] = [("README.txt", README.encode())]
        for table, table_rows in rows.items():
            members.append((f"record/{table}.json", _json([encode_row(r) for r in table_rows])))
        account = repo.account_rows(patient_id)
        if account:
            members.append(("account/users.json", _json([encode_row(r) for r in account])))
        members.append(
            ("audit/events.json", _json([encode_row(r) for r in repo.audit_rows(patient_id)]))
        )
        raw: dict[str, Path] = {}
        for row in rows["recordings"]:
            path = stored_path(settings, _recording(row))
            if path.is_file():
                raw[_archive_name(path)] = path
            else:
                notes.append(f"recording {row['id']}: raw file {path.name} missing at export")
        members += sorted(raw.items())
        members += _derived(uow, rows["recordings"], patient_id)
        members += _imported_responses(settings, patient_id)
        try:
            members.append(("fhir/bundle.json", _bundle(uow, settings, patient_id, at.date())))
        except (SpinecoachError, ValueError) as exc:  # the rest of the archive still goes out
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            notes.append(f"fhir/bundle.json not written: {reason}")
    revision = current_revision(uow.engine)
    manifest = write_archive(
        out,
        members,
        patient_id=patient_id,
        exported_at=at,
        exported_by=ExportedBy(
            user_id=actor.user_id, username=actor.username, role=actor.primary_role.value
        ),
        spinecoach_version=__version__,
        record_schema=revision,
        notes=notes,
    )
    with uow:
        audit.record(
            uow,
            actor,
            "patient.export",
            patient_id=patient_id,
            object_type="Patient",
            object_id=patient_id,
            code="R",
            at=at,
        )
        uow.commit()
    return manifest


# --- import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import brought in."""

    patient_id: str
    source_patient_id: str
    rows: dict[str, int]
    recordings_added: int
    recordings_present: int
    clinicians: tuple[str, ...]


def _read_record(archive: Archive) -> dict[str, list[dict[str, Any]]]:
    """The archive's record files as raw rows by table, checked against this clinic's tables."""
    known = {rt.table.name: rt for rt in record_tables()}
    found: dict[str, list[dict[str, Any]]] = {}
    for name in archive.names("record/"):
        table = name.removeprefix("record/").removesuffix(".json")
        if not name.endswith(".json") or table not in known:
            raise InputError(
                f"{name}: table '{table}' is not part of this clinic's record "
                "(an archive from a newer spinecoach?)"
            )
        rows = archive.read_json(name)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InputError(f"{name}: a list of rows (JSON objects) is expected")
        columns = known[table].table.c
        for i, row in enumerate(rows):
            for key in row:
                if key not in columns:
                    raise InputError(f"{name}: row {i}: column '{key}' is not in this clinic")
            for column in columns:
                required = not column.nullable and column.server_default is None
                if required and column.default is None and row.get(column.name) is None:
                    raise InputError(f"{name}: row {i}: column '{column.name}' is missing")
        found[table] = rows
    if "patients" not in found:
        raise InputError("record/patients.json: missing; the archive holds no patient")
    return found


def _remap(value: Any, mapping: Mapping[str, str]) -> Any:
    """``value`` with every old id replaced, whole or as a ``:``-separated part (alert keys
    such as ``pain_above_limit:<session id>``)."""
    if isinstance(value, str):
        if value in mapping:
            return mapping[value]
        if ":" in value:
            return ":".join(mapping.get(part, part) for part in value.split(":"))
        return value
    if isinstance(value, list):
        return [_remap(v, mapping) for v in value]
    if isinstance(value, dict):
        return {k: _remap(v, mapping) for k, v in value.items()}
    return value


def _decoded(
    raw: Mapping[str, list[dict[str, Any]]], target: str, source: str, fresh_ids: bool
) -> dict[str, list[dict[str, Any]]]:
    """Rows in column types, under new ids when asked, each checked to belong to ``target``."""
    tables = {rt.table.name: rt for rt in record_tables()}
    mapping: dict[str, str] = {}
    if fresh_ids:
        mapping[source] = target
        for table, rows in raw.items():
            if table != "patients" and "id" in tables[table].table.c:
                mapping |= {r["id"]: new_id() for r in rows if isinstance(r.get("id"), str)}
    decoded: dict[str, list[dict[str, Any]]] = {}
    for table, rows in raw.items():
        rt = tables[table]
        where = f"record/{table}.json"
        out = []
        for i, row in enumerate(rows):
            try:
                out.append(decode_row(rt.table, _remap(row, mapping)))
            except ValueError as exc:
                raise InputError(f"{where}: row {i}: {exc}") from None
        decoded[table] = out
    patients = decoded["patients"]
    if len(patients) != 1 or patients[0]["id"] != target:
        raise InputError(f"record/patients.json: one patient, the manifest's '{source}', expected")
    for table, rows in decoded.items():
        _check_belongs(tables[table], rows, decoded, target)
        _check_documents(table, rows)
    return decoded


def _check_belongs(
    rt: RecordTable, rows: list[dict[str, Any]], all_rows: Mapping[str, Any], target: str
) -> None:
    where = f"record/{rt.table.name}.json"
    if rt.patient_column is not None:
        column = rt.patient_column.name
        for i, row in enumerate(rows):
            if row.get(column) != target:
                raise InputError(f"{where}: row {i}: {column} is not the archive's patient")
        return
    assert rt.via is not None
    assert rt.parent is not None
    parents = {r.get("id") for r in all_rows.get(rt.parent.table.name, [])}
    for i, row in enumerate(rows):
        if row.get(rt.via.name) not in parents:
            raise InputError(f"{where}: row {i}: {rt.via.name} is not a row of this archive")


def _check_documents(table: str, rows: list[dict[str, Any]]) -> None:
    model = DOCUMENTS.get(table)
    for i, row in enumerate(rows):
        try:
            if model is not None:
                model.model_validate(row["document"])
            if table == "recordings" and row.get("metrics") is not None:
                RecordingMetrics.model_validate(row["metrics"])
        except ValidationError as exc:
            raise InputError(validation_message(exc, f"record/{table}.json: row {i}")) from None


def _place_recording(archive: Archive, name: str, dest: Path, sha256: str, spool: Path) -> bool:
    """Copy a raw recording to its address in the store; False when it is there already."""
    if dest.exists():
        return False
    with (
        archive.open(name) as source,
        raw_files.spooled(raw_files.chunks_of(source), spool) as file,
    ):
        if file.sha256 != sha256:
            raise InputError(f"{name}: its content is not the recording's sha256 {sha256}")
        return raw_files.place(file, dest)


def import_patient(
    uow: UnitOfWork,
    actor: Actor,
    settings: ServiceSettings,
    archive_path: Path,
    *,
    fresh_id: bool = False,
    clinicians: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> ImportResult:
    """Bring a patient's archive into this clinic (admins): every checksum is verified before
    anything is read; rows and recordings go in all together or not at all. A patient id already
    here is refused unless ``fresh_id`` (then every id of the record is new). ``clinicians`` are
    usernames of this clinic's clinicians to assign."""
    if not actor.has(Role.ADMIN):
        raise Forbidden("only an admin imports a patient's archive")
    at = utcnow(now)
    created: list[Path] = []
    responses = 0  # imported questionnaire responses placed (beside the recordings)
    with open_archive(archive_path) as archive:
        source = archive.manifest.patient_id
        raw = _read_record(archive)
        with uow:
            present = uow.patients.get(source) is not None
            clinician_ids = [_clinician_id(uow, name) for name in clinicians]
        if present and not fresh_id:
            raise Conflict(
                f"patient {source!r} is already in this clinic; add --new-id to import the "
                "archive under a new patient id"
            )
        target = new_id() if fresh_id else source
        rows = _decoded(raw, target, source, fresh_id)
        missing_noted = " ".join(archive.manifest.notes)
        present_files = 0
        try:
            for i, row in enumerate(rows.get("recordings", [])):
                suffix = Path(str(row["filename"])).suffix.lower()
                if not _SHA256.fullmatch(str(row["sha256"])) or suffix not in _SUFFIXES:
                    raise InputError(
                        f"record/recordings.json: row {i}: sha256 or filename is not a "
                        "recording's (64 hex digits; .csv or .parquet)"
                    )
                dest = stored_path(settings, _recording(row))
                name = _archive_name(dest)
                if archive.manifest.file(name) is None:
                    if f"raw file {dest.name} missing" in missing_noted:
                        continue
                    raise InputError(
                        f"{name}: recording {row['id']}'s raw file is not in the archive"
                    )
                if _place_recording(
                    archive, name, dest, row["sha256"], settings.recordings_dir / "incoming"
                ):
                    created.append(dest)
                else:
                    present_files += 1
            for name in archive.names("imports/"):
                dest = settings.data_dir / "imports" / target / Path(name).name
                if not dest.exists():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(archive.read(name))
                    created.append(dest)
                    responses += 1
            with uow:
                repo = PatientDataRepository(uow.connection)
                for rt in record_tables():
                    if rt.table.name in rows and rt.table.name not in NOT_IMPORTED:
                        repo.insert(rt.table, rows[rt.table.name])
                for clinician_id in clinician_ids:
                    uow.patients.assign(target, clinician_id, actor.user_id, at)
                audit.record(
                    uow,
                    actor,
                    "patient.import",
                    patient_id=target,
                    object_type="Patient",
                    object_id=target,
                    code="C",
                    at=at,
                )
                uow.commit()
        except sa.exc.IntegrityError as exc:
            _remove(created)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "a constraint failed"
            raise InputError(
                f"record: the archive's rows clash with this clinic's ({reason}); nothing imported"
            ) from None
        except BaseException:
            _remove(created)
            raise
    counts = {name: len(r) for name, r in rows.items() if name not in NOT_IMPORTED}
    return ImportResult(
        patient_id=target,
        source_patient_id=source,
        rows=counts,
        recordings_added=len(created) - responses,
        recordings_present=present_files,
        clinicians=tuple(clinicians),
    )


def _clinician_id(uow: UnitOfWork, username: str) -> str:
    from spinecoach.store.accounts import users

    row = uow.connection.execute(
        sa.select(users.c.id, users.c.roles).where(users.c.username == username)
    ).first()
    if row is None or Role.CLINICIAN.value not in row.roles.split(","):
        raise InputError(f"--clinician {username!r}: no clinician of that username here")
    return str(row.id)


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


# --- erasure and the legal hold --------------------------------------------------------------


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure removed; ``reference`` is what the audit trail keeps instead of the id."""

    reference: str
    erased_at: dt.datetime
    rows: dict[str, int]
    files: int
    audit_events: int
    database_compacted: bool


def erase_patient(
    uow: UnitOfWork,
    actor: Actor,
    settings: ServiceSettings,
    patient_id: str,
    *,
    confirm: str | None,
    now: dt.datetime | None = None,
) -> ErasureResult:
    """Delete the patient and all their data (an admin, their clinician, or the console);
    ``confirm`` must repeat the patient's id. Refused while a legal hold is in place."""
    at = utcnow(now)
    reference = new_id()
    with uow:
        _manager(uow, actor, patient_id, "patient.erase")
        if confirm != patient_id:
            raise InputError(
                "confirm: repeat the patient's id to confirm the erasure (it cannot be undone)"
            )
        repo = PatientDataRepository(uow.connection)
        hold = repo.hold(patient_id)
        if hold is not None:
            audit.record(
                uow,
                actor,
                "patient.erase",
                patient_id=patient_id,
                object_type="Patient",
                object_id=patient_id,
                outcome="refused",
                code="D",
                at=at,
            )
            uow.commit()
            raise Conflict(
                f"patient {patient_id!r} is under a legal hold since {hold.placed_at:%Y-%m-%d}; "
                "release the hold before erasing"
            )
        rows = repo.record_rows(patient_id)
        accounts = repo.account_rows(patient_id)
        object_ids = [patient_id] + [a["id"] for a in accounts]
        object_ids += [
            r["id"] for table in rows.values() for r in table if isinstance(r.get("id"), str)
        ]
        raw_files = {stored_path(settings, _recording(r)): r["sha256"] for r in rows["recordings"]}
        counts = repo.erase(patient_id)
        events = repo.anonymise_audit(
            patient_id,
            reference,
            account_ids=[a["id"] for a in accounts],
            usernames=[a["username"] for a in accounts],
            object_ids=object_ids,
        )
        shared = {
            r[0]
            for r in uow.connection.execute(
                sa.select(t.recordings.c.sha256).where(
                    t.recordings.c.sha256.in_(list(raw_files.values()))
                )
            )
        }
        doomed = [path for path, sha in raw_files.items() if sha not in shared]
        audit.record(
            uow,
            actor,
            "patient.erase",
            patient_id=reference,
            object_type="Patient",
            object_id=reference,
            code="D",
            at=at,
        )
        uow.commit()
    removed = sum(1 for path in doomed if _unlink(path))
    removed += _sweep_data_dir(settings, patient_id)
    return ErasureResult(
        reference=reference,
        erased_at=at,
        rows={k: v for k, v in counts.items() if v},
        files=removed,
        audit_events=events,
        database_compacted=_compact(uow.engine),
    )


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _mentions(value: Any, patient_id: str) -> bool:
    return isinstance(value, dict) and patient_id in (value.get("patient_id"), value.get("patient"))


def _sweep_data_dir(settings: ServiceSettings, patient_id: str) -> int:
    """Files of the patient outside the recordings store: live-session journals (a
    ``<session>.json`` naming the patient, and every ``<session>.*`` beside it), their entries
    in other JSON files (device tokens) and lines in ``*.jsonl`` logs, and any file named after
    the patient's id or kept in a folder of theirs (imported questionnaire responses)."""
    root = settings.data_dir
    if not root.is_dir():
        return 0
    database = {"spinecoach.db", "spinecoach.db-wal", "spinecoach.db-shm"}
    removed = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name in database or settings.recordings_dir in path.parents:
            continue
        if patient_id in path.name or patient_id in path.relative_to(root).parts:
            removed += _unlink(path)
        elif path.suffix == ".json" and path.stat().st_size < 1_000_000:
            try:
                content = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                continue
            if _mentions(content, patient_id):
                stem = path.name.split(".", 1)[0]
                for sibling in path.parent.glob(f"{stem}.*"):
                    removed += _unlink(sibling)
            elif (pruned := _prune(content, patient_id)) != content:
                tmp = path.with_name(path.name + ".tmp")
                tmp.write_text(json.dumps(pruned, indent=2) + "\n", encoding="utf-8")
                os.chmod(tmp, path.stat().st_mode & 0o777)
                os.replace(tmp, path)
                removed += 1
        elif path.suffix == ".jsonl":
            removed += _drop_lines(path, patient_id)
    for folder in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and patient_id in folder.name and not any(folder.iterdir()):
            folder.rmdir()
    return removed


def _prune(value: Any, patient_id: str) -> Any:
    """``value`` without the list items that name the patient (e.g. a device token file's
    ``{"devices": [{"patient": ...}]}``)."""
    if isinstance(value, list):
        return [_prune(v, patient_id) for v in value if not _mentions(v, patient_id)]
    if isinstance(value, dict):
        return {k: _prune(v, patient_id) for k, v in value.items()}
    return value


def _drop_lines(path: Path, patient_id: str) -> int:
    """Rewrite a JSON-lines log without the patient's lines; 1 when it changed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except (OSError, UnicodeDecodeError):
        return 0
    kept = []
    for line in lines:
        try:
            mine = _mentions(json.loads(line), patient_id)
        except json.JSONDecodeError:
            mine = patient_id in line
        if not mine:
            kept.append(line)
    if len(kept) == len(lines):
        return 0
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(kept), encoding="utf-8")
    os.replace(tmp, path)
    return 1


def _compact(engine: sa.Engine) -> bool:
    """SQLite: fold the write-ahead log into the file and empty it, so no copy of an erased row
    stays in the log (deleted pages are zeroed: ``secure_delete``). False when a reader kept
    the log busy; PostgreSQL reclaims dead rows at its next VACUUM (True: nothing to do here)."""
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = cursor.fetchone()
        cursor.close()
    finally:
        raw.close()
    return busy is None or busy[0] == 0


def _hold_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not text or len(text) > MAX_REASON:
        raise InputError(f"reason: 1-{MAX_REASON} characters saying why the record is held")
    return text


def place_hold(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> LegalHold:
    """Place a legal hold (an admin, the patient's clinician or the console): erasure is refused
    until it is released. Placing it again replaces the reason."""
    at = utcnow(now)
    text = _hold_reason(reason)
    with uow:
        _manager(uow, actor, patient_id, "legal_hold.place")
        repo = PatientDataRepository(uow.connection)
        repo.place_hold(patient_id, text, actor.user_id, at)
        audit.record(
            uow,
            actor,
            "legal_hold.place",
            patient_id=patient_id,
            object_type="Patient",
            object_id=patient_id,
            code="U",
            at=at,
        )
        hold = repo.hold(patient_id)
        uow.commit()
    assert hold is not None
    return hold


def release_hold(
    uow: UnitOfWork, actor: Actor, patient_id: str, *, now: dt.datetime | None = None
) -> bool:
    """Release the legal hold; False when there was none (nothing is recorded then)."""
    at = utcnow(now)
    with uow:
        _manager(uow, actor, patient_id, "legal_hold.release")
        released = PatientDataRepository(uow.connection).release_hold(patient_id)
        if released:
            audit.record(
                uow,
                actor,
                "legal_hold.release",
                patient_id=patient_id,
                object_type="Patient",
                object_id=patient_id,
                code="U",
                at=at,
            )
        uow.commit()
    return released


def get_hold(uow: UnitOfWork, actor: Actor, patient_id: str) -> LegalHold | None:
    """The legal hold on the patient's record, if any (whoever may place one may read it)."""
    with uow:
        _manager(uow, actor, patient_id, "legal_hold.read")
        hold = PatientDataRepository(uow.connection).hold(patient_id)
        audit.record(
            uow,
            actor,
            "legal_hold.read",
            patient_id=patient_id,
            object_type="Patient",
            object_id=patient_id,
            code="R",
        )
        uow.commit()
    return hold
