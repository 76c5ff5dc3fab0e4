"""A cohort run: every recording in a folder through the sensor analysis, on any executor.

The driver (this process) finds the recordings, skips those already done with the same
content and analysis version, and submits the rest in tasks of several small recordings
(or one large one) to a :class:`concurrent.futures.Executor`; a bounded number of tasks is in
flight, and each finished task is written to the run's journal and into the output tables at
once, so memory does not grow with the cohort and the end of a run only closes the tables. A
recording that cannot be analysed becomes a failure row with its reason; it never stops the
run. See :mod:`spinecoach.batch.results` for resuming.

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
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinecoach import __version__
from spinecoach.batch.features import FEATURES_LAYOUT, feature_row
from spinecoach.batch.recordings import FoundRecording, checksum, find_recordings
from spinecoach.batch.results import (
    Journal,
    OutputLock,
    OutputTables,
    OutputWriter,
    done_keys,
    result_table,
)
from spinecoach.errors import SpinecoachError
from spinecoach.sensors.file_analysis import analyze_file
from spinecoach.sensors.files import FileFormat, read_recording
from spinecoach.sensors.monitor import Analysis, LumbarMonitor
from spinecoach.sensors.recording import merge_sensors
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings

__all__ = [
    "CohortSummary",
    "Job",
    "analysis_version",
    "analyze_jobs",
    "analyze_recording",
    "estimated_rows",
    "run_cohort",
]

TASK_ROWS = 1_500_000
"""Most samples (time rows) gathered into one task: about 2.5 s of analysis on the development
machine (1.7 µs a row for two sensors), so the engine's cost per task (a few milliseconds on
Dask: scheduling, a round trip, the result's journal part) stays well under 1 %. A recording
longer than this is a task of its own."""
MIN_TASK_ROWS = 50_000
"""Fewest samples in a task near the end of a large cohort (about 0.1 s of analysis): the
last tasks are small so that no worker waits long for the others, but not so small that the
cost per task shows."""
TASKS_PER_SLOT = 2
"""Tasks in flight per worker slot: one running, one waiting, so no worker idles."""
GUIDED_SHARE = 2
"""Each new task takes 1 / (GUIDED_SHARE x slots) of the samples still to be gathered (guided
self-scheduling, Polychronopoulos and Kuck 1987): large tasks first, ever smaller ones to the
end, so a cohort needs few tasks and the workers finish together."""
TASK_MAX_RECORDINGS = 256
"""At most this many recordings in one task, however small (bounds a task's result rows)."""
BYTES_PER_ROW: dict[str, int] = {".parquet": 100, ".csv": 160, "xsens-dot": 180}
"""File bytes per time row, to judge a recording's samples without opening it (two sensors
of float64 in Parquet; CSV text; an Xsens DOT export's one sensor with its Euler angles)."""

ANALYSIS_S, ANALYSIS_CPU_S = "analysis_s", "analysis_cpu_s"
"""Keys of a worker's result row (not table columns): the wall and CPU time the analysis of
that recording took, failures included; summed into :class:`CohortSummary` to tell the
engine's cost from the analysis's (bench/cohort.py)."""

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
    analysis_seconds: float
    """Wall time of the analyses of this run, summed over recordings (workers in parallel)."""
    analysis_cpu_seconds: float
    """CPU time of the thread that ran each analysis, summed over recordings."""
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
    *,
    sacrum: str | Path | None = None,
) -> Analysis:
    """The analysis of ``spinecoach sensors analyze`` on one file, read in blocks.

    One process per recording (no orientation workers of its own): a cohort's parallelism is
    across recordings, and Dask's worker processes may not start children. ``sacrum``: the
    sacrum sensor's export when ``path`` is the lumbar sensor's, the two paired sample by
    sample as ``spinecoach sensors convert`` pairs them, then analysed as one recording.
    """
    if sacrum is None:
        return analyze_file(path, settings, file_format=file_format, parallel=False)
    both = merge_sensors(
        {
            "lumbar": read_recording(path, file_format, sensor_name="lumbar"),
            "sacrum": read_recording(sacrum, file_format, sensor_name="sacrum"),
        }
    )
    monitor = LumbarMonitor(settings)
    monitor.feed(both)
    return monitor.finish()


def analyze_jobs(
    jobs: list[Job], settings: SensorSettings = DEFAULT_SETTINGS
) -> list[dict[str, Any]]:
    """One task on a worker: analyse each recording; a result row each, feature or failure."""
    rows: list[dict[str, Any]] = []
    for job in jobs:
        identity = _identity(job, job.checksum or _checksum_or_blank(*job.found.paths))
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            analysis = analyze_recording(
                job.found.path, job.found.file_format, settings, sacrum=job.found.sacrum
            )
        except SpinecoachError as exc:  # the recording column names the file already
            reason = str(exc).removeprefix(f"{job.found.path}: ")
            rows.append(identity | _failure(type(exc).__name__, reason))
        except Exception as exc:  # a recording that breaks the analysis must not stop the cohort
            rows.append(identity | _failure(type(exc).__name__, f"internal error: {exc}"))
        else:
            rows.append(
                identity | {"status": "ok", "error": None, "reason": None} | feature_row(analysis)
            )
        rows[-1] |= {
            ANALYSIS_S: time.perf_counter() - wall,
            ANALYSIS_CPU_S: time.thread_time() - cpu,
        }
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
    this many recordings per task (default: gathered by samples, see ``_tasks``). Raises
    :class:`~spinecoach.batch.results.OutputBusyError` when another run writes ``out``.
    """
    with OutputLock(out):
        return _run(
            folder,
            out,
            executor,
            slots=slots,
            settings=settings,
            per_task=per_task,
            progress=progress,
        )


def _run(
    folder: Path,
    out: Path,
    executor: Executor,
    *,
    slots: int,
    settings: SensorSettings,
    per_task: int | None,
    progress: ProgressHook | None,
) -> CohortSummary:
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
    spent = {ANALYSIS_S: 0.0, ANALYSIS_CPU_S: 0.0}
    report = progress or (lambda done, total, samples: None)

    def pending() -> Iterator[Job]:
        for f in found:
            stat_key = (f.recording, f.size_bytes, f.modified_ns, version)
            digest = done.checksums.get(stat_key)
            if digest is None and (f.recording, version) in done.versions:
                digest = _checksum_or_blank(*f.paths)  # touched or changed since?
            if digest is None or (f.recording, digest, version) not in done.keys:
                yield Job(f, digest, version)
                continue
            current[f.recording] = (digest, version)
            tally["skipped"] += 1
            tally["done"] += 1
            report(tally["done"], len(found), tally["samples"])

    report(0, len(found), 0)
    slots = max(1, slots)
    jobs = list(pending())
    earlier, skipped = previous + journal.parts(), dict(current)
    with OutputWriter(tables) as output:

        def finished(rows: list[dict[str, Any]]) -> None:
            table = result_table(rows)
            journal.write(table)  # first: a killed run keeps it
            output.add(table)
            current.update((r["recording"], (r["checksum"], r["analysis_version"])) for r in rows)
            tally["done"] += len(rows)
            tally["failed"] += sum(r["status"] != "ok" for r in rows)
            tally["samples"] += sum(r.get("samples") or 0 for r in rows)
            for key in (ANALYSIS_S, ANALYSIS_CPU_S):
                spent[key] += sum(r.get(key, 0.0) for r in rows)
            report(tally["done"], len(found), tally["samples"])

        tasks = _tasks(jobs, slots, per_task or TASK_MAX_RECORDINGS)
        _drain(
            executor,
            tasks,
            settings,
            slots * TASKS_PER_SLOT,
            finished,
            meanwhile=lambda: output.carry(earlier, skipped),  # while the workers start
        )
    features_rows, failures_rows = output.written
    journal.clear()
    return CohortSummary(
        found=len(found),
        analysed=len(found) - tally["skipped"] - tally["failed"],
        skipped=tally["skipped"],
        failed=tally["failed"],
        samples=tally["samples"],
        seconds=time.perf_counter() - start,
        analysis_seconds=spent[ANALYSIS_S],
        analysis_cpu_seconds=spent[ANALYSIS_CPU_S],
        features_rows=features_rows,
        failures_rows=failures_rows,
        tables=tables,
    )


def _checksum_or_blank(*paths: str) -> str:
    try:
        return checksum(*paths)
    except OSError:
        return ""  # the worker reports why the file cannot be read


def estimated_rows(found: FoundRecording) -> int:
    """The samples (time rows) of a recording judged from its file's size and format."""
    kind = (
        "xsens-dot" if found.file_format == "xsens-dot" else os.path.splitext(found.path)[1].lower()
    )
    return max(1, found.size_bytes // BYTES_PER_ROW.get(kind, BYTES_PER_ROW[".csv"]))


def _tasks(jobs: list[Job], slots: int, most: int) -> Iterator[list[Job]]:
    """Consecutive jobs gathered by samples: each task about ``1 / (GUIDED_SHARE x slots)`` of
    the samples left, between ``MIN_TASK_ROWS`` (or less for a small cohort, so every slot gets
    work) and ``TASK_ROWS``, and at most ``most`` jobs."""
    remaining = sum(estimated_rows(job.found) for job in jobs)
    floor = min(MIN_TASK_ROWS, remaining // (slots * GUIDED_SHARE * 2))

    def target() -> int:
        return min(TASK_ROWS, max(floor, remaining // (slots * GUIDED_SHARE)))

    task: list[Job] = []
    rows, goal = 0, target()
    for job in jobs:
        size = estimated_rows(job.found)
        task.append(job)
        rows += size
        remaining -= size
        if rows >= goal or len(task) >= most:
            yield task
            task, rows, goal = [], 0, target()
    if task:
        yield task


def _drain(
    executor: Executor,
    tasks: Iterator[list[Job]],
    settings: SensorSettings,
    in_flight: int,
    finished: Callable[[list[dict[str, Any]]], None],
    *,
    meanwhile: Callable[[], None] = lambda: None,
) -> None:
    """Keep ``in_flight`` tasks submitted; hand each result to ``finished`` as it completes.

    ``meanwhile`` runs once, after the first tasks are submitted and before any result.
    """
    running: dict[Future[list[dict[str, Any]]], list[Job]] = {}
    exhausted = False
    while running or not exhausted:
        while not exhausted and len(running) < in_flight:
            task = next(tasks, None)
            if task is None:
                exhausted = True
                break
            running[executor.submit(analyze_jobs, task, settings)] = task
        meanwhile, first = (lambda: None), meanwhile
        first()
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
