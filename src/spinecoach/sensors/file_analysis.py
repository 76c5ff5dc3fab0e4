"""Analyse a recording file: read it in blocks, orient each sensor, summarise; one call.

This is the entry point for whole files (the ``sensors analyze`` command, an upload to the
clinic service, each recording of a cohort). Memory stays flat with the recording's length:
blocks are read, analysed and dropped. For long recordings each sensor's orientation runs in
a worker process of its own (:mod:`spinecoach.sensors.orientation_workers`) while this process
reads and analyses: from a Parquet file each worker reads its own sensor's columns and runs
ahead on its own; from other files this process sends it blocks a few ahead. The result is
identical to the single-process run.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from spinecoach.sensors.files import CHUNK_ROWS, FileFormat, open_recording, read_recording
from spinecoach.sensors.monitor import Analysis, LumbarMonitor
from spinecoach.sensors.orientation_workers import AHEAD_BLOCKS, OrientationWorkers
from spinecoach.sensors.recording import FloatArray, Recording
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings

__all__ = ["PARALLEL_MIN_ROWS", "analyze_file"]

PARALLEL_MIN_ROWS = 720_000
"""Rows (2 h at 100 Hz) from which ``parallel=None`` orients in worker processes. Below it the
saving is small: vqf takes about 0.4 µs a sample per sensor on the development machine, so two
hours of one sensor is about 0.3 s, while starting the workers costs 0.1-0.3 s (more the
first time, when the fork server starts)."""
CSV_BYTES_PER_ROW = 150
"""Rough size of one two-sensor CSV row, to judge a CSV file's length before reading it."""


def analyze_file(
    path: str | Path,
    settings: SensorSettings = DEFAULT_SETTINGS,
    *,
    calibration: str | Path | Recording | None = None,
    file_format: FileFormat = "canonical",
    sensor_name: str = "lumbar",
    parallel: bool | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int, int], None] | None = None,
    angles: Callable[[FloatArray, FloatArray], None] | None = None,
) -> Analysis:
    """Posture, ROM, reps, holds and sway of the recording at ``path``.

    ``calibration``: a separate quiet-standing recording (a file in the same format, or read
    already). ``parallel``: orient each sensor in a worker process (True), in this process
    (False: e.g. cohort workers that already run one process per core), or decide by length
    (None: workers from :data:`PARALLEL_MIN_ROWS` rows). ``progress(done, size)`` is called
    after each block (``size`` in rows for Parquet, bytes for CSV). ``angles(t, angles_deg)``
    receives the angle series (s; flexion, lateral, rotation in deg) at the end, when given.

    Workers are forked from a fork server, never from the caller, so a caller with threads (a
    web server) is safe; a script that runs this with workers needs the usual
    ``if __name__ == "__main__":`` guard, as for any multiprocessing.
    """
    cal = (
        read_recording(calibration, file_format, sensor_name)
        if isinstance(calibration, str | Path)
        else calibration
    )
    source = open_recording(path, file_format, chunk_rows=chunk_rows, sensor_name=sensor_name)
    parquet = file_format == "canonical" and Path(path).suffix.lower() == ".parquet"
    rows = source.size if parquet else None
    if rows is None and file_format == "canonical":
        rows = source.size // CSV_BYTES_PER_ROW
    use_workers = parallel if parallel is not None else (rows or 0) >= PARALLEL_MIN_ROWS
    keep = angles is not None
    if not use_workers:
        monitor = LumbarMonitor(settings, cal, keep_angles=keep)
        for block, done in source.blocks():
            monitor.feed(block)
            if progress is not None:
                progress(done, source.size)
    elif parquet:  # each worker reads its sensor's columns itself and runs ahead
        with OrientationWorkers(max(chunk_rows, 1), parquet=Path(path), calibration=cal) as workers:
            monitor = LumbarMonitor(settings, cal, keep_angles=keep, orientation=workers)
            for block, done in source.blocks():
                monitor.feed(block)
                if progress is not None:
                    progress(done, source.size)
    else:
        with OrientationWorkers(max(chunk_rows, 1)) as workers:
            monitor = LumbarMonitor(settings, cal, keep_angles=keep, orientation=workers)
            _feed_blocks_ahead(monitor, workers, source.blocks(), source.size, progress)
    result = monitor.finish()
    if angles is not None:
        angles(*monitor.angles())
    return result


def _feed_blocks_ahead(
    monitor: LumbarMonitor,
    workers: OrientationWorkers,
    blocks: Iterator[tuple[Recording, int]],
    size: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Read blocks k+1..k+AHEAD_BLOCKS and send them to the workers before analysing block k,
    so that they orient them meanwhile. Blocks are sent in order, each once, and only after
    the monitor has made its filters (it orients what it buffered for calibration itself)."""
    waiting: deque[tuple[Recording, int]] = deque()
    sent = 0  # how many of the waiting blocks the workers have
    for item in blocks:
        waiting.append(item)
        if monitor.started:
            for block, _ in list(waiting)[sent:]:
                workers.submit(dict(block.sensors))
            sent = len(waiting)
        if len(waiting) > AHEAD_BLOCKS:
            _feed(monitor, waiting, progress, size)
            sent = max(sent - 1, 0)  # the block just fed had been sent, if any had
    while waiting:
        _feed(monitor, waiting, progress, size)


def _feed(
    monitor: LumbarMonitor,
    waiting: deque[tuple[Recording, int]],
    progress: Callable[[int, int], None] | None,
    size: int,
) -> None:
    block, done = waiting.popleft()
    monitor.feed(block)
    if progress is not None:
        progress(done, size)
