"""`spinecoach patient export|import|erase|hold|release`: the patient's own data, from the
server's console (audited as ``system``, like ``spinecoach users``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from spinecoach.commands._output import JsonOption, emit

__all__ = ["register"]

patient_app = typer.Typer(
    help="A patient's own data: export, import into this clinic, erase, legal hold.",
    no_args_is_help=True,
)

PatientArgument = Annotated[str, typer.Argument(metavar="PATIENT", help="the patient's id")]


def _clinic() -> tuple[Any, Any]:
    """The unit of work on the migrated database, and the service settings."""
    from spinecoach.commands.clinic import _migrated_engine, _settings
    from spinecoach.store.unit_of_work import UnitOfWork

    settings = _settings()
    return UnitOfWork(_migrated_engine(settings)), settings


def register(app: typer.Typer) -> None:
    app.add_typer(patient_app, name="patient")

    @patient_app.command("export")
    def export_command(
        patient: PatientArgument,
        out: Annotated[Path, typer.Option("--out", help="zip file to write", show_default=False)],
        json_flag: JsonOption = None,
    ) -> None:
        """Everything about one patient as a zip with a manifest of checksums."""
        from spinecoach.errors import InputError
        from spinecoach.services import patient_data
        from spinecoach.services.actors import SYSTEM

        if out.suffix.lower() != ".zip":
            raise InputError(f"--out {out.name}: the archive is a .zip file")
        if out.is_dir():
            raise InputError(f"--out {out}: is a folder; give a file name ending in .zip")
        uow, settings = _clinic()
        manifest = patient_data.export_patient(uow, SYSTEM, settings, patient, out)
        result = {
            "out": str(out),
            "patient_id": manifest.patient_id,
            "files": len(manifest.files),
            "bytes": sum(f.size for f in manifest.files),
            "notes": manifest.notes,
        }
        emit(
            result,
            lambda: "\n".join(
                [f"wrote {out}: {result['files']} files, {result['bytes']} bytes"]
                + [f"note: {n}" for n in manifest.notes]
            ),
            json_flag,
        )

    @patient_app.command("import")
    def import_command(
        archive: Annotated[
            Path, typer.Argument(metavar="ARCHIVE", help="zip written by `patient export`")
        ],
        new_id: Annotated[
            bool,
            typer.Option(
                "--new-id", help="give the patient and every row a new id (when the id is taken)"
            ),
        ] = False,
        clinician: Annotated[
            list[str] | None,
            typer.Option("--clinician", help="username of a clinician here to assign (repeat)"),
        ] = None,
        json_flag: JsonOption = None,
    ) -> None:
        """Bring a patient's archive into this clinic: checksums first, all or nothing."""
        from spinecoach.errors import InputError
        from spinecoach.services import patient_data
        from spinecoach.services.actors import SYSTEM

        if not archive.is_file():
            raise InputError(f"ARCHIVE {archive}: file not found")
        uow, settings = _clinic()
        done = patient_data.import_patient(
            uow, SYSTEM, settings, archive, fresh_id=new_id, clinicians=clinician or []
        )
        result = {
            "patient_id": done.patient_id,
            "source_patient_id": done.source_patient_id,
            "rows": done.rows,
            "recordings_added": done.recordings_added,
            "recordings_present": done.recordings_present,
            "clinicians": list(done.clinicians),
        }
        emit(
            result,
            lambda: (
                f"imported patient {done.patient_id}: {sum(done.rows.values())} rows, "
                f"{done.recordings_added} recordings added"
                + (f" ({done.recordings_present} already here)" if done.recordings_present else "")
            ),
            json_flag,
        )

    @patient_app.command("erase")
    def erase_command(
        patient: PatientArgument,
        confirm: Annotated[
            bool, typer.Option("--confirm", help="yes, erase: it cannot be undone")
        ] = False,
        json_flag: JsonOption = None,
    ) -> None:
        """Delete the patient and all their data; refused under a legal hold."""
        from spinecoach.errors import InputError
        from spinecoach.services import patient_data
        from spinecoach.services.actors import SYSTEM

        if not confirm:
            raise InputError("--confirm: erasure cannot be undone; add --confirm to go ahead")
        uow, settings = _clinic()
        done = patient_data.erase_patient(uow, SYSTEM, settings, patient, confirm=patient)
        result = {
            "reference": done.reference,
            "erased_at": done.erased_at.isoformat(),
            "rows": done.rows,
            "files": done.files,
            "audit_events": done.audit_events,
            "database_compacted": done.database_compacted,
        }
        emit(
            result,
            lambda: (
                f"erased: {sum(done.rows.values())} rows, {done.files} files; the audit trail "
                f"now names the patient {done.reference}"
            ),
            json_flag,
        )

    @patient_app.command("hold")
    def hold_command(
        patient: PatientArgument,
        reason: Annotated[
            str, typer.Option("--reason", help="why the record must be kept", show_default=False)
        ],
        json_flag: JsonOption = None,
    ) -> None:
        """Place a legal hold: erasure is refused until it is released."""
        from spinecoach.services import patient_data
        from spinecoach.services.actors import SYSTEM

        uow, _ = _clinic()
        hold = patient_data.place_hold(uow, SYSTEM, patient, reason)
        result = {"held": True, "reason": hold.reason, "placed_at": hold.placed_at.isoformat()}
        emit(result, lambda: f"legal hold on {patient}: {hold.reason}", json_flag)

    @patient_app.command("release")
    def release_command(patient: PatientArgument, json_flag: JsonOption = None) -> None:
        """Release the legal hold."""
        from spinecoach.services import patient_data
        from spinecoach.services.actors import SYSTEM

        uow, _ = _clinic()
        released = patient_data.release_hold(uow, SYSTEM, patient)
        result = {"held": False, "released": released}
        emit(
            result,
            lambda: f"legal hold on {patient} released" if released else "there was no hold",
            json_flag,
        )
