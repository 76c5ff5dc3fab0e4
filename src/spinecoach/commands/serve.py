"""`spinecoach serve`: migrate the database, then run the API with uvicorn.

On the very first start of a clinic with no account, an admin is created with a generated
password printed once (there are no default credentials). Scheduled program proposals run
in the background every ``--review-every`` seconds.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any

import typer

__all__ = ["register"]

log = logging.getLogger("spinecoach.serve")


def _review_loop(engine: Any, every_s: float, stop: threading.Event) -> None:
    """Propose the next version for every patient whose review is due, until ``stop``."""
    from spinecoach.services import programs
    from spinecoach.store.unit_of_work import UnitOfWork

    while not stop.wait(every_s):
        try:
            proposed = programs.propose_due_versions(UnitOfWork(engine))
            if proposed:
                log.info("scheduled review: %d versions proposed", len(proposed))
        except Exception as exc:  # the next round tries again; the server stays up
            log.error("scheduled review failed: %s", type(exc).__name__)


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535, help="port")] = 8000,
        review_every: Annotated[
            float,
            typer.Option("--review-every", min=0, help="seconds between scheduled reviews; 0: off"),
        ] = 3600.0,
        access_log: Annotated[
            bool, typer.Option("--access-log/--no-access-log", help="log each request line")
        ] = False,
    ) -> None:
        """Run the clinic service (pages at /, the API under /api); migrates the database first."""
        import uvicorn

        from spinecoach.commands.clinic import _migrated_engine, _safe_url, _settings
        from spinecoach.live.app import UVICORN_OPTIONS
        from spinecoach.services import accounts, recordings
        from spinecoach.store.unit_of_work import UnitOfWork
        from spinecoach.web.app import create_web_app

        settings = _settings()
        engine = _migrated_engine(settings)
        first = accounts.bootstrap_admin(UnitOfWork(engine))
        if first is not None:
            account, password = first
            typer.echo(
                f"first start: created admin '{account.username}' with password {password}\n"
                "  (shown once; log in and change it, or create your own admin with "
                "`spinecoach users create`)",
                err=True,
            )
        interrupted = recordings.recover_interrupted_jobs(UnitOfWork(engine))
        if interrupted:
            typer.echo(f"{len(interrupted)} interrupted recording jobs marked failed", err=True)
        stop = threading.Event()
        if review_every > 0:
            threading.Thread(
                target=_review_loop, args=(engine, review_every, stop), daemon=True
            ).start()
        typer.echo(
            f"spinecoach on http://{host}:{port}/ (API under /api; {_safe_url(settings.url)})",
            err=True,
        )
        try:
            # The access log stays off by default: request paths carry record ids.
            uvicorn.run(
                create_web_app(settings, engine=engine),
                host=host,
                port=port,
                access_log=access_log,
                log_level="info",
                **UVICORN_OPTIONS,  # the live streams' settings (gateways stream to /api/live)
            )
        finally:
            stop.set()
