"""The demo clinic behind ``make run``: created on the first run, its logins printed once.

``python -m spinecoach.web.demo`` migrates the database, fills an empty clinic with the demo
(clinicians, patients on simulated courses, every kind of alert; :func:`seed_demo`), prints
the address and the demo accounts with their generated passwords (stored hashed only; there
are no default credentials), and on later runs prints the account names again. The demo
clinic's policy comes from the start-up settings: by default clinicians and admins use a second
factor, as in a clinic, and set it up at their first login (the page shows a QR code).
"""

from __future__ import annotations

import sys

__all__ = ["main", "prepare"]


def prepare(host: str = "127.0.0.1", port: int = 8000) -> list[str]:
    """Create the demo clinic when the database holds no patient; the lines to print."""
    from spinecoach.batch.executor import make_executor
    from spinecoach.commands.clinic import _migrated_engine
    from spinecoach.services import accounts, clinic
    from spinecoach.services.actors import SYSTEM
    from spinecoach.services.demo_clinic import seed_demo
    from spinecoach.settings import ServiceSettings
    from spinecoach.store.unit_of_work import UnitOfWork

    settings = ServiceSettings()
    engine = _migrated_engine(settings)
    in_force = clinic.seed_policy(UnitOfWork(engine), settings)
    with UnitOfWork(engine) as uow:
        empty = not uow.patients.ids()
    lines = [f"spinecoach demo clinic: http://{host}:{port}/  (data in {settings.data_dir})"]
    if empty:
        print("creating the demo clinic (first run; a minute or two)...", file=sys.stderr)
        with make_executor(workers=settings.workers, scheduler=settings.scheduler) as pool:
            report = seed_demo(UnitOfWork(engine), settings, executor=pool)
        lines.append("demo logins (passwords shown this once; stored hashed):")
        lines += [f"  {a['username']:<20} {a['password']}  ({a['roles']})" for a in report.accounts]
    else:
        names = [
            a.username
            for a in accounts.list_users(UnitOfWork(engine), SYSTEM, limit=50)[0]
            if a.username.startswith("demo-")
        ]
        lines.append(
            "demo logins: "
            + ", ".join(names)
            + " (passwords were shown when the demo was created; delete the data folder to "
            "create the demo again with new ones)"
        )
    needs_code = sorted(in_force.totp_required_for)
    if needs_code:
        lines.append(
            f"{' and '.join(needs_code)} logins set up an authenticator app at their first login "
            "(the page shows a QR code); patients need none"
        )
    lines.append("stop with Ctrl-C")
    return lines


def main() -> None:
    print("\n".join(prepare()), flush=True)


if __name__ == "__main__":
    main()
