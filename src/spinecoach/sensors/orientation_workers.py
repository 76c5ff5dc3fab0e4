"""Each sensor's vqf in a process of its own, so long recordings use more than one core.

vqf holds the GIL while it filters, so threads would take turns; a process per sensor runs
truly alongside the reading and the numpy work of the analysis. Quaternions (and, when the
reader sends them, samples) pass through shared memory; the pipe carries only slot numbers.
A worker runs the very same :class:`OrientationFilter`
over the very same samples in the same order, so its quaternions are those of the filter run
here, bit for bit (vqf is causal: how the samples are split into blocks does not matter).

Two kinds of worker stand in for the local filter inside the monitor:

- :class:`FileOrientation` (Parquet files): the worker reads its own sensor's columns from the
  file and runs ahead on its own, up to a ring of :data:`FILE_SLOTS` blocks of quaternions;
  the analysis waits only when it is ahead of the filter. A worker never waits for the reader
  to be scheduled to hand it samples, and no samples are copied between processes (each
  worker decodes and stacks its six columns itself, about an eighth of what vqf costs).
- :class:`RemoteOrientation` (any other source, e.g. CSV, whose parsing is too dear to do
  three times): the reader :meth:`~RemoteOrientation.submit`\\s blocks ahead of the analysis
  through a ring of :data:`SLOTS` shared buffers per worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections import deque
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from spinecoach.sensors.files import parquet_sensor_blocks
from spinecoach.sensors.orientation import OrientationFilter
from spinecoach.sensors.recording import FloatArray, Recording, SensorSamples

__all__ = [
    "AHEAD_BLOCKS",
    "FILE_SLOTS",
    "SLOTS",
    "FileOrientation",
    "OrientationWorkers",
    "RemoteOrientation",
    "worker_cpu_seconds",
]

AHEAD_BLOCKS = 4
"""Blocks the reader sends ahead of the analysis. On a busy machine every hand-over between
processes waits for the scheduler, so the workers get a queue to work through rather than
one block at a time (measured: with one block ahead and about eight runnable processes per
core, the day took three times as long as the baseline)."""
SLOTS = AHEAD_BLOCKS + 2
"""Buffers per worker: the blocks sent ahead, one being filtered and one being read back."""
FILE_SLOTS = 8
"""Blocks of quaternions a :class:`FileOrientation` worker may run ahead of the analysis (about
4 MB each at the default block length): enough that a worker descheduled for a while on a busy
machine, or an analysis that is, does not stall the other."""
START_METHOD = "forkserver"
"""Workers are forked from a clean server process, never from the caller (which may run threads
of a web server or of Arrow, unsafe to fork); the server preloads this module once."""


_closed_workers_cpu_s = [0.0]


def worker_cpu_seconds() -> float:
    """CPU seconds used by the orientation workers that this process has closed so far (the
    operating system counts them under the fork server, not under this process)."""
    return _closed_workers_cpu_s[0]


def _serve(conn: Connection, buffers: tuple[Any, Any], capacity: int, filter_args: Any) -> None:
    """Worker loop: filter the samples of each slot named on the pipe, answer the slot.

    ``buffers``: the shared inputs and outputs; ``filter_args``: (rate in Hz, use the mag).
    """
    inputs_raw, outputs_raw = buffers
    rate_hz, use_mag = filter_args
    inputs = np.frombuffer(inputs_raw, dtype=np.float64).reshape(SLOTS, -1, capacity, 3)
    outputs = np.frombuffer(outputs_raw, dtype=np.float64).reshape(SLOTS, capacity, 4)
    orientation = OrientationFilter(rate_hz, use_mag)
    while (message := conn.recv()) is not None:
        slot, n, with_mag = message
        gyr, acc = inputs[slot, 0, :n], inputs[slot, 1, :n]
        outputs[slot, :n] = orientation.update(gyr, acc, inputs[slot, 2, :n] if with_mag else None)
        conn.send(slot)
    conn.send(time.process_time())  # the worker's CPU seconds, for the caller's accounting
    conn.close()


class RemoteOrientation:
    """One sensor's causal vqf in a worker process; a drop-in for :class:`OrientationFilter`.

    ``capacity``: rows per shared buffer (longer blocks are sent in pieces).
    """

    def __init__(
        self, context: Any, name: str, rate_hz: float, use_mag: bool, capacity: int
    ) -> None:
        self.name = name
        self.capacity = capacity
        self.use_mag = use_mag
        quantities = 3 if use_mag else 2  # gyr, acc (, mag)
        self._inputs_raw = context.RawArray("d", SLOTS * quantities * capacity * 3)
        self._outputs_raw = context.RawArray("d", SLOTS * capacity * 4)
        self._inputs = np.frombuffer(self._inputs_raw, dtype=np.float64).reshape(
            SLOTS, quantities, capacity, 3
        )
        self._outputs = np.frombuffer(self._outputs_raw, dtype=np.float64).reshape(
            SLOTS, capacity, 4
        )
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(child, (self._inputs_raw, self._outputs_raw), capacity, (rate_hz, use_mag)),
            name=f"spinecoach-vqf-{name}",
            daemon=True,
        )
        self._process.start()
        child.close()
        self._free: deque[int] = deque(range(SLOTS))
        self._in_flight: deque[tuple[int, int]] = deque()  # (slot, rows), oldest first
        self._ready: deque[FloatArray] = deque()  # quaternions back, not yet taken
        self._ready_rows = 0
        self._sent: deque[FloatArray] = deque()  # gyro of pieces sent ahead, not yet taken
        self._sent_offset = 0
        self._ahead = 0  # rows sent but not yet taken by update()

    # --- the two sides ---
    def submit(self, samples: SensorSamples) -> None:
        """Send the next samples (in order after everything sent before) to be filtered."""
        for start in range(0, len(samples), self.capacity):
            piece = samples.slice(start, start + self.capacity)
            slot = self._free_slot()
            n = len(piece)
            self._inputs[slot, 0, :n] = piece.gyr
            self._inputs[slot, 1, :n] = piece.acc
            with_mag = self.use_mag and piece.mag is not None  # 6D filters ignore the field
            if with_mag:
                self._inputs[slot, 2, :n] = piece.mag
            self._conn.send((slot, n, with_mag))
            self._in_flight.append((slot, n))
            self._sent.append(piece.gyr)
            self._ahead += n

    def update(self, gyr: FloatArray, acc: FloatArray, mag: FloatArray | None = None) -> FloatArray:
        """Orientation after each of these samples, shape (N, 4): those sent ahead, then the rest."""
        n = len(gyr)
        if n == 0:
            return np.empty((0, 4))
        self._check_order(gyr)
        if self._ahead < n:
            k = self._ahead
            self.submit(SensorSamples(acc[k:], gyr[k:], None if mag is None else mag[k:]))
        while self._ready_rows < n:
            self._collect()
        self._ahead -= n
        self._forget_sent(n)
        self._ready_rows -= n
        return _take(self._ready, n)

    # --- bookkeeping ---
    def _free_slot(self) -> int:
        while not self._free:
            self._collect()
        return self._free.popleft()

    def _collect(self) -> None:
        """Wait for the oldest slot in flight and copy its quaternions out."""
        slot, n = self._in_flight.popleft()
        try:
            answered = self._conn.recv()
        except EOFError:
            raise RuntimeError(f"the orientation worker of sensor {self.name} stopped") from None
        if answered != slot:  # pragma: no cover - the pipe keeps order
            raise RuntimeError(f"orientation worker of {self.name} answered out of order")
        self._ready.append(self._outputs[slot, :n].copy())
        self._ready_rows += n
        self._free.append(slot)

    def _check_order(self, gyr: FloatArray) -> None:
        """Samples sent ahead must be the ones now asked for (a wrong order is a bug here)."""
        if self._sent and not np.array_equal(self._sent[0][self._sent_offset], gyr[0]):
            raise RuntimeError(f"samples of sensor {self.name} sent ahead out of order")

    def _forget_sent(self, n: int) -> None:
        need = n
        while need and self._sent:
            left = len(self._sent[0]) - self._sent_offset
            if left <= need:
                self._sent.popleft()
                self._sent_offset = 0
                need -= left
            else:
                self._sent_offset += need
                need = 0

    def close(self) -> None:
        """Stop the worker (it finishes the slot in hand) and wait for it."""
        if self._process.is_alive():
            with contextlib.suppress(OSError, EOFError):  # a worker that died closed its end
                self._conn.send(None)
                while self._conn.poll(5):  # slots still in flight answer first
                    answer = self._conn.recv()
                    if isinstance(answer, float):
                        _closed_workers_cpu_s[0] += answer
                        break
            self._process.join(timeout=5)
        if self._process.is_alive():  # pragma: no cover - a stuck worker
            self._process.terminate()
            self._process.join()
        self._conn.close()


def _serve_file(conn: Connection, outputs_raw: Any, capacity: int, job: _FileJob) -> None:
    """Worker loop of :class:`FileOrientation`: read the sensor's columns, filter them, put
    the quaternions in the next free slot and name it on the pipe; until the file ends or the
    pipe says stop (None). Slot numbers coming back on the pipe are free again."""
    outputs = np.frombuffer(outputs_raw, dtype=np.float64).reshape(FILE_SLOTS, capacity, 4)
    orientation = OrientationFilter(job.rate_hz, job.use_mag)
    free: deque[int] = deque(range(FILE_SLOTS))
    try:
        for gyr, acc, mag in job.pieces():
            for start in range(0, len(gyr), capacity):
                stop = min(start + capacity, len(gyr))
                while conn.poll() or not free:  # freed slots, or the order to stop
                    message = conn.recv()
                    if message is None:
                        return
                    free.append(message)
                slot = free.popleft()
                part = None if mag is None else mag[start:stop]
                outputs[slot, : stop - start] = orientation.update(
                    gyr[start:stop], acc[start:stop], part
                )
                conn.send((slot, stop - start))
    except (EOFError, OSError):  # the analysis stopped and closed its end
        return
    except Exception as exc:  # reported to the analysis, which raises it in its own words
        conn.send(f"{type(exc).__name__}: {exc}")
    finally:
        with contextlib.suppress(OSError):
            conn.send(time.process_time())  # CPU seconds, for the caller's accounting
            conn.close()


class _FileJob:
    """What a :class:`FileOrientation` worker filters: the samples of a calibration recording
    given apart (``prefix``), then the sensor's columns of the Parquet file, in order."""

    def __init__(
        self,
        path: Path,
        name: str,
        filter_args: tuple[float, bool],
        chunk_rows: int,
        prefix: SensorSamples | None,
    ) -> None:
        self.path = path
        self.name = name
        self.rate_hz, self.use_mag = filter_args
        self.chunk_rows = chunk_rows
        self.prefix = prefix

    def pieces(self) -> Iterator[tuple[FloatArray, FloatArray, FloatArray | None]]:
        """(gyr, acc, mag or None) pieces in order; mag only when the filter uses it."""
        if self.prefix is not None and len(self.prefix):
            p = self.prefix
            yield p.gyr, p.acc, p.mag if self.use_mag else None
        yield from parquet_sensor_blocks(self.path, self.name, self.use_mag, self.chunk_rows)


class FileOrientation:
    """One sensor's causal vqf in a worker that reads the sensor's columns from the Parquet
    file itself; a drop-in for :class:`OrientationFilter` when the monitor is fed that file.

    The samples given to :meth:`update` are not sent anywhere: the worker has read the same
    ones (after ``prefix``, a calibration recording given apart), in the same order, and only
    their number matters here. ``capacity``: rows per slot of the ring.
    """

    def __init__(self, context: Any, job: _FileJob, capacity: int) -> None:
        self.name = job.name
        self.capacity = capacity
        self._outputs_raw = context.RawArray("d", FILE_SLOTS * capacity * 4)
        self._outputs = np.frombuffer(self._outputs_raw, dtype=np.float64).reshape(
            FILE_SLOTS, capacity, 4
        )
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve_file,
            args=(child, self._outputs_raw, capacity, job),
            name=f"spinecoach-vqf-{job.name}",
            daemon=True,
        )
        self._process.start()
        child.close()
        self._ready: deque[FloatArray] = deque()
        self._ready_rows = 0
        self._cpu_s: float | None = None

    def update(self, gyr: FloatArray, acc: FloatArray, mag: FloatArray | None = None) -> FloatArray:
        """Orientation after each of the next ``len(gyr)`` samples, shape (N, 4)."""
        n = len(gyr)
        while self._ready_rows < n:
            self._collect()
        self._ready_rows -= n
        return _take(self._ready, n)

    def _collect(self) -> None:
        """Wait for the next slot the worker filled, copy its quaternions out, free it."""
        try:
            message = self._conn.recv()
        except EOFError:
            message = None
        if isinstance(message, tuple):
            slot, n = message
            self._ready.append(self._outputs[slot, :n].copy())
            self._ready_rows += n
            with contextlib.suppress(OSError):  # a worker done with the file has gone
                self._conn.send(slot)
            return
        if isinstance(message, float):
            self._cpu_s = message
            problem = "reached the end of the file before the analysis did"
        else:
            problem = f"stopped ({message})" if message else "stopped"
        raise RuntimeError(f"the orientation worker of sensor {self.name} {problem}")

    def close(self) -> None:
        """Stop the worker (wherever it is) and wait for it; count its CPU time."""
        with contextlib.suppress(OSError):
            self._conn.send(None)
        with contextlib.suppress(OSError, EOFError):
            while self._cpu_s is None and self._conn.poll(5):
                message = self._conn.recv()
                if isinstance(message, float):
                    self._cpu_s = message
        if self._cpu_s is not None:
            _closed_workers_cpu_s[0] += self._cpu_s
        self._process.join(timeout=5)
        if self._process.is_alive():  # pragma: no cover - a stuck worker
            self._process.terminate()
            self._process.join()
        self._conn.close()


def _take(ready: deque[FloatArray], n: int) -> FloatArray:
    """The first ``n`` rows of the queued quaternion blocks (taken off the queue)."""
    parts: list[FloatArray] = []
    need = n
    while need:
        head = ready[0]
        if len(head) <= need:
            parts.append(ready.popleft())
            need -= len(head)
        else:
            parts.append(head[:need])
            ready[0] = head[need:]
            need = 0
    if not parts:
        return np.empty((0, 4))
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


class OrientationWorkers:
    """The workers of one analysis: an orientation factory for the monitor, closed together.

    ``capacity``: rows per shared buffer, at least the reader's block length. ``parquet``:
    the Parquet file the monitor is fed, block by block from its first row; its workers then
    read their sensor's columns themselves (:class:`FileOrientation`), after the samples of
    ``calibration`` (a calibration recording given apart) when there is one. Without it the
    reader submits the blocks (:class:`RemoteOrientation`).
    """

    def __init__(
        self,
        capacity: int,
        parquet: Path | None = None,
        calibration: Recording | None = None,
    ) -> None:
        self.capacity = capacity
        self.parquet = parquet
        self.calibration = calibration
        self._context = multiprocessing.get_context(START_METHOD)
        self._context.set_forkserver_preload([__name__])
        if START_METHOD == "forkserver":  # start it now: it imports while the first block is read
            from multiprocessing import forkserver

            forkserver.ensure_running()
        self.remote: dict[str, RemoteOrientation | FileOrientation] = {}

    def __call__(
        self, name: str, rate_hz: float, use_mag: bool
    ) -> RemoteOrientation | FileOrientation:
        remote: RemoteOrientation | FileOrientation
        if self.parquet is not None:
            cal = self.calibration
            prefix = None if cal is None else cal.sensors.get(name)
            job = _FileJob(self.parquet, name, (rate_hz, use_mag), self.capacity, prefix)
            remote = FileOrientation(self._context, job, self.capacity)
        else:
            remote = RemoteOrientation(self._context, name, rate_hz, use_mag, self.capacity)
        self.remote[name] = remote
        return remote

    def submit(self, sensors: dict[str, SensorSamples]) -> None:
        """Send a block read ahead to each sensor's worker (no-op before the filters exist, and
        for workers that read the file themselves)."""
        for name, remote in self.remote.items():
            if isinstance(remote, RemoteOrientation):
                remote.submit(sensors[name])

    def close(self) -> None:
        for remote in self.remote.values():
            remote.close()
        self.remote.clear()

    def __enter__(self) -> OrientationWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
