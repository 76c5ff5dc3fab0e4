"""`spinecoach batch DIR --out FEATURES.parquet`: a cohort's recordings into feature tables."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spinecoach.commands._output import JsonOption, emit
from spinecoach.errors import InputError

if TYPE_CHECKING:
    from spinecoach.batch.cohort import CohortSummary, ProgressHook
    from spinecoach.sensors.settings import SensorSettings

__all__ = ["register"]


def _check_options(folder: Path, out: Path, workers: int | None, scheduler: str | None) -> None:
    if not folder.is_dir():
        raise InputError(f"DIR {folder}: not a folder")
    if out.suffix.lower() != ".parquet":
        raise InputError(f"--out {out}: must be a .parquet file")
    if not out.parent.is_dir():
        raise InputError(f"--out {out}: folder {out.parent} does not exist")
    if workers is not None and workers < 1:
        raise InputError(f"--workers {workers}: must be at least 1")
    if workers is not None and scheduler is not None:
        raise InputError("--workers: a Dask cluster (--scheduler) brings its own workers")
    from spinecoach.batch.recordings import PLACEMENTS, read_placements

    read_placements(folder / PLACEMENTS)  # a bad placements file is said before workers start


@contextmanager
def _progress_bar() -> Iterator[ProgressHook]:
    """A Rich progress bar on stderr (on a terminal): recordings, recordings/s and ETA."""
    if not sys.stderr.isatty():
        yield lambda done, total, samples: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.speed
            return Text(f"{speed:.1f} recordings/s" if speed else "- recordings/s")

    columns = (
        TextColumn("analysing"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TextColumn("{task.fields[samples]} samples"),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("cohort", total=None, samples="0")

        def advance(done: int, total: int, samples: int) -> None:
            bar.update(task, completed=done, total=total, samples=f"{samples:,}")

        yield advance


def _text(summary: CohortSummary, failures: list[dict[str, Any]]) -> str:
    s = summary
    lines = [
        f"{s.found} recordings: {s.analysed} analysed, {s.skipped} already done, "
        f"{s.failed} failed, in {s.seconds:.1f} s",
        f"features: {s.tables.features} ({_rows(s.features_rows)}); days: {s.tables.days}",
        f"failures: {s.tables.failures} ({_rows(s.failures_rows)})",
    ]
    lines += [f"  {f['recording']}: {f['reason']}" for f in failures[:10]]
    if len(failures) > 10:
        lines.append(f"  ... and {len(failures) - 10} more")
    return "\n".join(lines)


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _run(
    folder: Path,
    out: Path,
    workers: int | None,
    scheduler: str | None,
    per_task: int | None,
    settings: SensorSettings,
) -> CohortSummary:
    """Start the executor, run the cohort on it, and shut it down whatever happens."""
    from spinecoach.batch.cohort import run_cohort
    from spinecoach.batch.executor import ClusterExecutor, make_executor, worker_slots

    executor = make_executor(workers=workers, scheduler=scheduler)
    if isinstance(executor, ClusterExecutor) and (slow := executor.workers_trimming_malloc()):
        typer.echo(
            f"note: {slow} of the cluster's workers run with MALLOC_TRIM_THRESHOLD_ set, which "
            "slows the analysis by about 40 %; see README 'On a Dask cluster' for the settings",
            err=True,
        )
    try:
        with _progress_bar() as progress:
            summary = run_cohort(
                folder,
                out,
                executor,
                slots=worker_slots(executor),
                settings=settings,
                per_task=per_task,
                progress=progress,
            )
    except KeyboardInterrupt:
        executor.shutdown(wait=False, cancel_futures=True)
        typer.echo("interrupted: run the same command again to resume", err=True)
        raise typer.Abort() from None
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)  # finished work stays in the journal
        raise
    executor.shutdown()
    return summary


def register(app: typer.Typer) -> None:
    @app.command("batch")
    def batch_command(
        folder: Annotated[
            Path, typer.Argument(metavar="DIR", help="Cohort folder: one sub-folder per patient.")
        ],
        *,
        out: Annotated[Path, typer.Option("--out", help="Features table to write (.parquet).")],
        workers: Annotated[
            int | None,
            typer.Option("--workers", help="Local worker processes (default: one per core)."),
        ] = None,
        scheduler: Annotated[
            str | None,
            typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786."),
        ] = None,
        per_task: Annotated[
            int | None,
            typer.Option("--per-task", help="At most this many recordings per task."),
        ] = None,
        settings_file: Annotated[
            Path | None,
            typer.Option("--settings", help="YAML/JSON file overriding sensor thresholds."),
        ] = None,
        json_flag: JsonOption = None,
    ) -> None:
        """Analyse every recording under DIR into per-recording and per-day feature tables."""
        import pyarrow.parquet as pq

        from spinecoach.batch.results import OutputLock
        from spinecoach.commands.sensors import _settings

        _check_options(folder, out, workers, scheduler)
        if per_task is not None and per_task < 1:
            raise InputError(f"--per-task {per_task}: must be at least 1")
        settings = _settings(settings_file)
        with OutputLock(out):  # before the workers start: a busy output is said at once
            summary = _run(folder, out, workers, scheduler, per_task, settings)
        failures = pq.read_table(
            summary.tables.failures, columns=["recording", "error", "reason"]
        ).to_pylist()
        payload = {
            "found": summary.found,
            "analysed": summary.analysed,
            "skipped": summary.skipped,
            "failed": summary.failed,
            "samples": summary.samples,
            "seconds": round(summary.seconds, 3),
            "features": str(summary.tables.features),
            "failures": str(summary.tables.failures),
            "days": str(summary.tables.days),
            "failure_reasons": failures[:100],
        }
        emit(payload, lambda: _text(summary, failures), json_flag)
