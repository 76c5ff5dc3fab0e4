"""A cohort run: every recording in a folder through the sensor analysis, on any executor.

The driver (this process) finds the recordings, skips those already done with the same
content and analysis version, and submits the rest in tasks of several small recordings
(or one large one) to a :class:`concurrent.futures.Executor`; a bounded number of tasks is in
flight, and each finished task is written to the run's journal at once, so memory does not
grow with the cohort. A recording that cannot be analysed becomes a failure row with its
reason; it never stops the run. See :mod:`spinecoach.batch.results` for resuming.

Checksums are taken where they cost least: a new recording is checksummed by the worker that
analyses it (a driver reading every file would limit a large cluster); the driver reads a file
only when an earlier run analysed it under the same version and its size or modification
time has changed since, to tell a touched file from a changed one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinecoach import __version__
from spinecoach.batch.features import FEATURES_LAYOUT, feature_row
from spinecoach.batch.recordings import FoundRecording, checksum, find_recordings
from spinecoach.batch.results import Journal, OutputTables, done_keys, write_outputs
from spinecoach.errors import SpinecoachError
from spinecoach.sensors.file_analysis import analyze_file
from spinecoach.sensors.files import FileFormat
from spinecoach.sensors.monitor import Analysis
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings

__all__ = [
    "CohortSummary",
    "Job",
    "analysis_version",
    "analyze_jobs",
    "analyze_recording",
    "run_cohort",
]

TASK_BYTES = 16_000_000
"""Recordings are gathered into one task until their files add up to this (about 20 minutes
of a two-sensor recording at 100 Hz in Parquet): long enough that the engine's cost per task
is small beside the analysis, short enough to keep every worker busy to the end."""
TASK_MAX_RECORDINGS = 64
"""At most this many recordings in one task, however small."""
TASKS_PER_SLOT = 2
"""Tasks in flight per worker slot: one running, one waiting, so no worker idles."""

ProgressHook = Callable[[int, int, int], None]
"""Called with (recordings done or skipped, recordings found, samples analysed)."""


@dataclass(frozen=True)
class Job:
    """One recording to analyse, with the key its result is stored under."""

    found: FoundRecording
    checksum: str | None
    """None: not known yet, the worker takes it."""
    analysis_version: str


@dataclass(frozen=True)
class CohortSummary:
    """What a run did; counts of recordings."""

    found: int
    analysed: int
    skipped: int
    failed: int
    samples: int
    seconds: float
    features_rows: int
    failures_rows: int
    tables: OutputTables


def analysis_version(settings: SensorSettings = DEFAULT_SETTINGS) -> str:
    """The package version, the feature layout and a digest of the sensor settings.

    A recording is analysed again when any of them differs from the run that analysed it.
    """
    text = json.dumps(dataclasses.asdict(settings), sort_keys=True, default=list)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"spinecoach {__version__}; features {FEATURES_LAYOUT}; settings {digest}"


def analyze_recording(
    path: str | Path,
    file_format: FileFormat = "canonical",
    settings: SensorSettings = DEFAULT_SETTINGS,
) -> Analysis:
    """The analysis of ``spinecoach sensors analyze`` on one file, read in blocks.

    One process per recording (no orientation workers of its own): a cohort's parallelism is
    across recordings, and Dask's worker processes may not start children.
    """
    return analyze_file(path, settings, file_format=file_format, parallel=False)


def analyze_jobs(
    jobs: list[Job], settings: SensorSettings = DEFAULT_SETTINGS
) -> list[dict[str, Any]]:
    """One task on a worker: analyse each recording; a result row each, feature or failure."""
    rows: list[dict[str, Any]] = []
    for job in jobs:
        identity = _identity(job, job.checksum or _checksum_or_blank(job.found.path))
        try:
            analysis = analyze_recording(job.found.path, job.found.file_format, settings)
        except SpinecoachError as exc:  # the recording column names the file already
            reason = str(exc).removeprefix(f"{job.found.path}: ")
            rows.append(identity | _failure(type(exc).__name__, reason))
        except Exception as exc:  # a recording that breaks the analysis must not stop the cohort
            rows.append(identity | _failure(type(exc).__name__, f"internal error: {exc}"))
        else:
            rows.append(
                identity | {"status": "ok", "error": None, "reason": None} | feature_row(analysis)
            )
    return rows


def _identity(job: Job, digest: str) -> dict[str, Any]:
    f = job.found
    return {
        "patient": f.patient,
        "recording": f.recording,
        "day": dt.date.fromisoformat(f.day) if f.day else None,
        "format": f.file_format,
        "checksum": digest,
        "analysis_version": job.analysis_version,
        "size_bytes": f.size_bytes,
        "modified_ns": f.modified_ns,
    }


def _failure(error: str, reason: str) -> dict[str, Any]:
    line = " ".join(reason.strip().split("\n")[0].split()) or error
    return {"status": "failed", "error": error, "reason": line}


def run_cohort(
    folder: Path,
    out: Path,
    executor: Executor,
    *,
    slots: int,
    settings: SensorSettings = DEFAULT_SETTINGS,
    per_task: int | None = None,
    progress: ProgressHook | None = None,
) -> CohortSummary:
    """Analyse every recording under ``folder`` into ``out`` (and its failures and days tables).

    ``slots``: how many tasks the executor runs at once (its workers). ``per_task``: at most
    this many recordings per task (default: gathered by size, see ``TASK_BYTES``).
    """
    start = time.perf_counter()
    tables = OutputTables.beside(out)
    journal = Journal(out)
    found = find_recordings(
        folder, exclude=[tables.features, tables.failures, tables.days, journal.folder]
    )
    version = analysis_version(settings)
    previous = [tables.features] if tables.features.is_file() else []
    done = done_keys(previous + journal.parts())
    current: dict[str, tuple[str, str]] = {}
    tally = {"done": 0, "skipped": 0, "failed": 0, "samples": 0}
    report = progress or (lambda done, total, samples: None)

    def pending() -> Iterator[Job]:
        for f in found:
            stat_key = (f.recording, f.size_bytes, f.modified_ns, version)
            digest = done.checksums.get(stat_key)
            if digest is None and (f.recording, version) in done.versions:
                digest = _checksum_or_blank(f.path)  # touched or changed since?
            if digest is None or (f.recording, digest, version) not in done.keys:
                yield Job(f, digest, version)
                continue
            current[f.recording] = (digest, version)
            tally["skipped"] += 1
            tally["done"] += 1
            report(tally["done"], len(found), tally["samples"])

    def finished(rows: list[dict[str, Any]]) -> None:
        journal.write(rows)
        current.update((r["recording"], (r["checksum"], r["analysis_version"])) for r in rows)
        tally["done"] += len(rows)
        tally["failed"] += sum(r["status"] != "ok" for r in rows)
        tally["samples"] += sum(r.get("samples") or 0 for r in rows)
        report(tally["done"], len(found), tally["samples"])

    report(0, len(found), 0)
    spread = max(1, len(found) // (max(1, slots) * TASKS_PER_SLOT * 2))  # small cohorts: all busy
    tasks = _tasks(pending(), per_task or min(TASK_MAX_RECORDINGS, spread))
    _drain(executor, tasks, settings, max(1, slots) * TASKS_PER_SLOT, finished)
    features_rows, failures_rows = write_outputs(tables, previous + journal.parts(), current)
    journal.clear()
    return CohortSummary(
        found=len(found),
        analysed=len(found) - tally["skipped"] - tally["failed"],
        skipped=tally["skipped"],
        failed=tally["failed"],
        samples=tally["samples"],
        seconds=time.perf_counter() - start,
        features_rows=features_rows,
        failures_rows=failures_rows,
        tables=tables,
    )


def _checksum_or_blank(path: str) -> str:
    try:
        return checksum(path)
    except OSError:
        return ""  # the worker reports why the file cannot be read


def _tasks(jobs: Iterable[Job], most: int) -> Iterator[list[Job]]:
    """Consecutive jobs gathered until their files reach ``TASK_BYTES`` or ``most`` jobs."""
    task: list[Job] = []
    size = 0
    for job in jobs:
        task.append(job)
        size += job.found.size_bytes
        if size >= TASK_BYTES or len(task) >= most:
            yield task
            task, size = [], 0
    if task:
        yield task


def _drain(
    executor: Executor,
    tasks: Iterator[list[Job]],
    settings: SensorSettings,
    in_flight: int,
    finished: Callable[[list[dict[str, Any]]], None],
) -> None:
    """Keep ``in_flight`` tasks submitted; hand each result to ``finished`` as it completes."""
    running: dict[Future[list[dict[str, Any]]], list[Job]] = {}
    exhausted = False
    while running or not exhausted:
        while not exhausted and len(running) < in_flight:
            task = next(tasks, None)
            if task is None:
                exhausted = True
                break
            running[executor.submit(analyze_jobs, task, settings)] = task
        if not running:
            break
        completed, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in completed:
            task = running.pop(future)
            try:
                rows = future.result()
            except Exception as exc:  # the worker was lost (after retries) or could not run it
                reason = f"worker lost or task failed while analysing this recording: {exc}"
                rows = [
                    _identity(job, job.checksum or "") | _failure(type(exc).__name__, reason)
                    for job in task
                ]
            finished(rows)
