"""`spinecoach users create|list|assign`: accounts from the server's console.

Whoever runs these has the server itself in hand, so they act as the service (audited as
``system``). There are no default credentials: a password is typed (hidden), read from stdin
with ``--password-stdin``, or generated and printed once.
"""

from __future__ import annotations

import secrets
import sys
from typing import Annotated, Any

import typer

from spinecoach.commands._output import JsonOption, emit

__all__ = ["register"]

users_app = typer.Typer(help="User accounts and clinician assignment.", no_args_is_help=True)


def _engine() -> Any:
    from spinecoach.commands.clinic import _migrated_engine, _settings

    return _migrated_engine(_settings())


def _account_view(account: Any) -> dict[str, Any]:
    return {
        "id": account.id,
        "username": account.username,
        "display_name": account.display_name,
        "roles": sorted(account.roles),
        "patient_id": account.patient_id,
        "active": account.active,
        "totp_enabled": account.totp_enabled,
        "locked_until": account.locked_until.isoformat() if account.locked_until else None,
    }


def _password(password_stdin: bool, generate: bool) -> tuple[str, bool]:
    """The new password and whether it was generated (then it is printed once)."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    if generate or not sys.stdin.isatty():
        return secrets.token_urlsafe(18), True
    return typer.prompt("password", hide_input=True, confirmation_prompt=True), False


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")

    @users_app.command("create")
    def create_command(
        username: Annotated[str, typer.Argument(help="3-64 of a-z 0-9 . _ -")],
        role: Annotated[
            list[str], typer.Option("--role", help="admin, clinician or patient (repeatable)")
        ],
        display_name: Annotated[str, typer.Option("--display-name", help="shown in the app")] = "",
        patient_id: Annotated[
            str | None, typer.Option("--patient-id", help="a patient account's record")
        ] = None,
        password_stdin: Annotated[
            bool, typer.Option("--password-stdin", help="read the password from stdin")
        ] = False,
        generate: Annotated[
            bool, typer.Option("--generate-password", help="generate one and print it once")
        ] = False,
        json_flag: JsonOption = None,
    ) -> None:
        """Create an account (the first admin of a new clinic, or anyone after)."""
        from spinecoach.errors import InputError
        from spinecoach.services import accounts
        from spinecoach.services.actors import SYSTEM, Role
        from spinecoach.store.unit_of_work import UnitOfWork

        roles = []
        for name in role:
            try:
                roles.append(Role(name))
            except ValueError:
                raise InputError(f"--role '{name}': choose admin, clinician or patient") from None
        password, generated = _password(password_stdin, generate)
        account = accounts.create_user(
            UnitOfWork(_engine()),
            SYSTEM,
            username=username,
            password=password,
            roles=roles,
            display_name=display_name,
            patient_id=patient_id,
        )
        result = _account_view(account) | ({"password": password} if generated else {})

        def text() -> str:
            line = f"created {account.username} ({', '.join(sorted(account.roles))}) {account.id}"
            return line + (f"\npassword (shown once): {password}" if generated else "")

        emit(result, text, json_flag)

    @users_app.command("list")
    def list_command(
        role: Annotated[str | None, typer.Option("--role", help="only this role")] = None,
        json_flag: JsonOption = None,
    ) -> None:
        """The accounts, by username."""
        from spinecoach.errors import InputError
        from spinecoach.services import accounts
        from spinecoach.services.actors import SYSTEM, Role
        from spinecoach.store.unit_of_work import UnitOfWork

        try:
            wanted = None if role is None else Role(role)
        except ValueError:
            raise InputError(f"--role '{role}': choose admin, clinician or patient") from None
        engine = _engine()
        found: list[Any] = []
        offset = 0
        while True:
            page, total = accounts.list_users(
                UnitOfWork(engine), SYSTEM, role=wanted, offset=offset, limit=200
            )
            found.extend(page)
            offset += len(page)
            if not page or offset >= total:
                break
        rows = [_account_view(a) for a in found]

        def text() -> str:
            if not rows:
                return "no accounts"
            return "\n".join(
                f"{r['username']:<20} {','.join(r['roles']):<18} {'active' if r['active'] else 'inactive':<8} {r['id']}"
                for r in rows
            )

        emit(rows, text, json_flag)

    @users_app.command("assign")
    def assign_command(
        clinician: Annotated[str, typer.Argument(help="the clinician's username")],
        patient_id: Annotated[str, typer.Argument(help="the patient's id")],
        remove: Annotated[
            bool, typer.Option("--remove", help="withdraw the assignment instead")
        ] = False,
        json_flag: JsonOption = None,
    ) -> None:
        """Give a clinician access to a patient's record (or withdraw it with --remove)."""
        from spinecoach.services import accounts
        from spinecoach.services.actors import SYSTEM
        from spinecoach.store.unit_of_work import UnitOfWork

        engine = _engine()
        account = accounts.find_user(UnitOfWork(engine), SYSTEM, clinician)
        change = accounts.unassign_clinician if remove else accounts.assign_clinician
        changed = change(UnitOfWork(engine), SYSTEM, clinician_id=account.id, patient_id=patient_id)
        result = {
            "clinician": clinician,
            "clinician_id": account.id,
            "patient_id": patient_id,
            "assigned": not remove,
            "changed": changed,
        }
        verb = "withdrawn from" if remove else "assigned to"
        note = "" if changed else " (already so)"
        emit(result, lambda: f"{clinician} {verb} patient {patient_id}{note}", json_flag)
