"""`spinecoach db upgrade`, `seed-demo`, `backup OUT`, `restore BACKUP`: the clinic's record."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer

from spinecoach.commands._output import JsonOption, emit

__all__ = ["register"]

db_app = typer.Typer(help="The clinic's database (SPINECOACH_DATABASE_URL).", no_args_is_help=True)


def _settings() -> Any:
    from pydantic import ValidationError

    from spinecoach.documents import validation_message
    from spinecoach.errors import InputError
    from spinecoach.settings import ServiceSettings

    try:
        return ServiceSettings()
    except ValidationError as exc:
        raise InputError(validation_message(exc, "SPINECOACH_ settings")) from None


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _migrated_engine(settings: Any) -> Any:
    import sqlalchemy as sa

    from spinecoach.errors import InputError
    from spinecoach.services.clinic import seed_policy
    from spinecoach.store.engine import make_engine
    from spinecoach.store.migrate import upgrade
    from spinecoach.store.unit_of_work import UnitOfWork

    where = _safe_url(settings.url)
    try:
        engine = make_engine(settings.url)
        upgrade(engine)
    except (sa.exc.ArgumentError, ModuleNotFoundError, sa.exc.NoSuchModuleError) as exc:
        raise InputError(f"database_url {where}: not a supported database ({exc})") from None
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
        raise InputError(f"database_url {where}: cannot connect ({reason})") from None
    seed_policy(UnitOfWork(engine), settings)
    return engine


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    def upgrade_command(json_flag: JsonOption = None) -> None:
        """Create or migrate the database to the newest schema (safe to run again)."""
        from spinecoach.store.migrate import current_revision

        settings = _settings()
        engine = _migrated_engine(settings)
        result = {"database": _safe_url(settings.url), "revision": current_revision(engine)}
        emit(result, lambda: f"{result['database']}: at revision {result['revision']}", json_flag)

    @app.command("seed-demo")
    def seed_demo_command(
        patients: Annotated[
            int, typer.Option("--patients", min=1, max=1000, help="demo patients")
        ] = 24,
        weeks: Annotated[int, typer.Option("--weeks", min=1, max=52, help="weeks per course")] = 12,
        seed: Annotated[int, typer.Option("--seed", min=0, help="random seed of the courses")] = 0,
        workers: Annotated[
            int | None, typer.Option("--workers", min=1, help="processes for the recordings")
        ] = None,
        json_flag: JsonOption = None,
    ) -> None:
        """Fill an empty clinic with a demo: clinicians, patients on simulated courses, sessions,
        recordings and every kind of alert. Prints the demo accounts' passwords once."""
        from spinecoach.batch.executor import make_executor
        from spinecoach.services.demo_clinic import seed_demo
        from spinecoach.store.unit_of_work import UnitOfWork

        settings = _settings()
        engine = _migrated_engine(settings)
        with make_executor(
            workers=workers or settings.workers, scheduler=settings.scheduler
        ) as pool:
            report = seed_demo(
                UnitOfWork(engine),
                settings,
                patient_count=patients,
                weeks=weeks,
                seed=seed,
                executor=pool,
            )
        result = dataclasses.asdict(report)

        def text() -> str:
            lines = [
                f"{report.patients} patients, {report.sessions} sessions, {report.versions} program versions",
                "recordings: "
                + ", ".join(f"{k} {v}" for k, v in sorted(report.recordings.items())),
                "alerts: " + ", ".join(f"{k} {v}" for k, v in sorted(report.alerts.items())),
                "accounts (passwords shown once):",
                *(f"  {a['username']} ({a['roles']}): {a['password']}" for a in report.accounts),
                *(f"skipped: {s}" for s in report.skipped),
            ]
            return "\n".join(lines)

        emit(result, text, json_flag)

    @app.command("backup")
    def backup_command(
        out: Annotated[Path, typer.Argument(help="new folder to write the backup to")],
        recordings_only: Annotated[
            bool,
            typer.Option(
                "--recordings-only", help="only the recordings (PostgreSQL: pg_dump the database)"
            ),
        ] = False,
        json_flag: JsonOption = None,
    ) -> None:
        """Back up the SQLite database (online) and the recordings, with a checksummed manifest."""
        from spinecoach.store.backup import backup

        settings = _settings()
        manifest = backup(
            settings.url, settings.recordings_dir, out, recordings_only=recordings_only
        )
        result = {
            "out": str(out),
            "files": len(manifest["files"]),
            "bytes": sum(f["bytes"] for f in manifest["files"]),
        }
        emit(
            result,
            lambda: f"backup in {out}: {result['files']} files, {result['bytes']} bytes",
            json_flag,
        )

    @app.command("restore")
    def restore_command(
        backup_dir: Annotated[
            Path, typer.Argument(metavar="BACKUP", help="folder written by `spinecoach backup`")
        ],
        force: Annotated[
            bool, typer.Option("--force", help="replace an existing database")
        ] = False,
        json_flag: JsonOption = None,
    ) -> None:
        """Verify a backup's checksums, then restore the database and the recordings (stop the
        service first)."""
        from spinecoach.store.backup import restore

        settings = _settings()
        manifest = restore(backup_dir, settings.url, settings.recordings_dir, force=force)
        result = {
            "restored_from": str(backup_dir),
            "files": len(manifest["files"]),
            "database": _safe_url(settings.url),
        }
        emit(
            result, lambda: f"restored {result['files']} files into {result['database']}", json_flag
        )
