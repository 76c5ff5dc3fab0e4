"""The ``spinecoach`` command line: one Typer app, command groups registered from ``commands/``.

Errors the user can fix (:class:`~spinecoach.errors.SpinecoachError`, bad options) print one
line on stderr and exit with code 2; nothing prints a traceback unless ``SPINECOACH_DEBUG=1``.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer
from typer._click.exceptions import NoArgsIsHelpError  # vendored click: no public alias

from spinecoach.errors import SpinecoachError

__all__ = ["app", "entry", "main"]

app = typer.Typer(
    name="spinecoach",
    help="Targeted, adaptive rehabilitation for low back pain, with the physiotherapist in the loop.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Each module defines `register(app)`; a module that does not exist yet is skipped, so parts
# of the command line arrive with the package parts they drive.
_COMMAND_MODULES = (
    "spinecoach.commands.schema",
    "spinecoach.commands.simulation",
    "spinecoach.commands.clinical",
    "spinecoach.commands.catalogue",
    "spinecoach.commands.prescription",
    "spinecoach.commands.adaptation",
    "spinecoach.commands.sensors",
    "spinecoach.commands.outcomes",
    "spinecoach.commands.interop",
    "spinecoach.commands.demo",
    "spinecoach.commands.clinic",
    "spinecoach.commands.serve",
    "spinecoach.commands.users",
)


def _register_commands() -> None:
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)


_register_commands()

EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code (0 ok, 2 bad input, 1 internal error)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        result = app(args=args, prog_name="spinecoach", standalone_mode=False)
    except SpinecoachError as exc:
        _fail(str(exc))
        return EXIT_USAGE
    except NoArgsIsHelpError as exc:  # `spinecoach GROUP` with nothing after it: show help
        typer.echo(exc.ctx.get_help() if exc.ctx else exc.format_message(), err=True)
        return EXIT_USAGE
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # usage errors: bad option, missing argument, ...
        _fail(exc.format_message())
        return EXIT_USAGE
    except typer.Abort:
        _fail("aborted")
        return 1
    except Exception as exc:
        if os.environ.get("SPINECOACH_DEBUG"):
            raise
        _fail(f"internal error ({type(exc).__name__}); rerun with SPINECOACH_DEBUG=1 for details")
        return 1
    return int(result) if isinstance(result, int) else 0


def _fail(message: str) -> None:
    first_line = " ".join(message.strip().split("\n")[0].split())
    typer.echo(f"error: {first_line}", err=True)


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
