"""The ``spinecoach`` command line: one Typer app, command groups registered from ``commands/``.

Errors the user can fix (:class:`~spinecoach.errors.SpinecoachError`, bad options) print one
line on stderr and exit with code 2; nothing prints a traceback unless ``SPINECOACH_DEBUG=1``.
"""

from __future__ import annotations

import errno
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
    "spinecoach.commands.batch",
    "spinecoach.commands.outcomes",
    "spinecoach.commands.interop",
    "spinecoach.commands.live",
    "spinecoach.commands.demo",
    "spinecoach.commands.version",
    "spinecoach.commands.clinic",
    "spinecoach.commands.serve",
    "spinecoach.commands.users",
    "spinecoach.commands.patient_data",
)

# Start-up: a run imports only the modules that define its command (a group's subcommands may
# come from several). A command missing here, help and unknown commands import every module.
_MODULES_OF_COMMAND = {
    "schema": ("schema",),
    "score": ("clinical",),
    "assess": ("clinical",),
    "catalogue": ("catalogue",),
    "prescribe": ("prescription",),
    "adapt": ("adaptation",),
    "outcomes": ("outcomes",),
    "sensors": ("sensors",),
    "simulate": ("simulation", "clinical", "adaptation", "sensors", "live"),
    "batch": ("batch",),
    "report": ("interop",),
    "export": ("interop",),
    "import": ("interop",),
    "live": ("live",),
    "db": ("clinic",),
    "seed-demo": ("clinic",),
    "backup": ("clinic",),
    "restore": ("clinic",),
    "serve": ("serve",),
    "users": ("users",),
    "patient": ("patient_data",),
    "demo": ("demo",),
    "version": ("version",),
}
_registered: set[str] = set()


@app.callback()
def _group() -> None:
    # keeps `spinecoach` a group of commands even when a run registers only one of them
    pass


def _register_commands(args: list[str]) -> None:
    """Import and register the command modules that ``args`` needs (each module once)."""
    command = next((a for a in args if not a.startswith("-")), "")
    wanted = _MODULES_OF_COMMAND.get(command)
    names = [f"spinecoach.commands.{m}" for m in wanted] if wanted else _COMMAND_MODULES
    for name in names:
        if name in _registered:
            continue
        _registered.add(name)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)


EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141
"""What a shell reports for a program stopped by SIGPIPE (128 + 13); nothing is printed."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code (0 ok, 2 bad input, 1 internal error)."""
    args = sys.argv[1:] if argv is None else argv
    _register_commands(args)
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
    except BrokenPipeError:  # the reader stopped reading (`| head`): stop quietly
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except (OSError, ValueError) as exc:
        if not _stdout_unusable(exc):
            return _internal_error(exc)
        _fail("standard output is closed; redirect it to a file or a pipe")
        return EXIT_USAGE
    except Exception as exc:
        return _internal_error(exc)
    return int(result) if isinstance(result, int) else 0


def _internal_error(exc: Exception) -> int:
    if os.environ.get("SPINECOACH_DEBUG"):
        raise exc
    _fail(f"internal error ({type(exc).__name__}); rerun with SPINECOACH_DEBUG=1 for details")
    return 1


def _stdout_unusable(exc: Exception) -> bool:
    """True when ``exc`` comes from writing to a closed standard output."""
    if isinstance(exc, OSError):
        return exc.errno == errno.EBADF
    return "closed file" in str(exc) and (sys.stdout is None or sys.stdout.closed)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


MAX_ERROR_CHARS = 400
"""An error line is cut to this length: it never floods the terminal with echoed input."""


def _fail(message: str) -> None:
    first_line = " ".join(message.strip().split("\n")[0].split())
    if len(first_line) > MAX_ERROR_CHARS:
        first_line = first_line[: MAX_ERROR_CHARS - 20] + f"... ({len(first_line)} characters)"
    typer.echo(f"error: {_printable(first_line)}", err=True)


def _printable(text: str) -> str:
    """Control characters (terminal escape codes) shown as escapes, never sent raw."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
