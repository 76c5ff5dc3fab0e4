"""The one place work leaves the calling process: a :class:`concurrent.futures.Executor`.

Local worker processes by default; a Dask distributed cluster when given its scheduler address
(``tcp://HOST:8786``). Both the clinic service (one upload per job) and the cohort pipeline
(batches of recordings per job) submit through :func:`make_executor`, so a clinic configured
with a cluster processes uploads on it exactly as ``spinecoach batch --scheduler`` does.

A job is retried when the process running it dies (worker loss), not when it raises: a job's
own exception is its result. Locally a lost process breaks the whole pool, so the pool is
replaced and the jobs it held are submitted again (each at most ``WORKER_LOSS_RETRIES`` times).
On Dask the scheduler reschedules the tasks of a lost worker on the others, up to its
``distributed.scheduler.allowed-failures`` setting (default 3) before it reports
``KilledWorker`` (set it where the scheduler runs, e.g. ``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=5``).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ParamSpec, TypeVar

from spinecoach.errors import InputError, SpinecoachError

__all__ = [
    "DASK_SETTINGS",
    "WORKER_LOSS_RETRIES",
    "ClusterExecutor",
    "ClusterUnavailableError",
    "RestartingProcessPool",
    "make_executor",
    "worker_slots",
]

P = ParamSpec("P")
T = TypeVar("T")

WORKER_LOSS_RETRIES = 2
"""Times a job is submitted again after the process running it died (3 attempts in all, as
Dask's default ``allowed-failures``): a crash that repeats is the job's, not the machine's."""

CONNECT_TIMEOUT_S = 30.0
"""How long to wait for a Dask scheduler to answer before giving up with one line."""

DASK_SETTINGS: dict[str, object] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing-interval": "1s",
}
"""Dask settings for the scheduler and workers of a cohort run (``dask.config.set`` before a
``LocalCluster``; the same keys in a Dask YAML file where ``dask scheduler`` and ``dask worker``
run, see README "Cohorts"). Dask starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which
turns off glibc's adaptive mmap threshold: every large NumPy array is then mapped and unmapped
afresh, four times the page faults, and the same analysis took 40 % more CPU time than in a
plain process (bench/cohort.py). Unset, glibc's defaults apply, as in the local pool. The
others keep the scheduler's and workers' checks, less often: by default a worker samples its
task thread's stack every 10 ms for the dashboard and every process wakes every 20 ms to watch
its event loop, 6 % of a core with nothing to do."""

_SPAWN = multiprocessing.get_context("spawn")
_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx)://[^\s/:]+(:\d{1,5})?/?$")


class ClusterUnavailableError(SpinecoachError):
    """The Dask scheduler at the given address could not be reached."""


def make_executor(*, workers: int | None = None, scheduler: str | None = None) -> Executor:
    """An executor for independent jobs: local processes, or a Dask cluster at ``scheduler``.

    ``workers``: local processes (default: the machine's core count); ignored with a
    scheduler, whose cluster brings its own workers. ``scheduler``: a Dask scheduler address
    such as ``tcp://10.0.0.5:8786``. Jobs must be picklable top-level functions. Call
    ``shutdown()`` (or use ``with``) when done; for a cluster that also closes the connection.
    """
    if scheduler is not None:
        return _cluster_executor(scheduler)
    count = (os.cpu_count() or 1) if workers is None else workers
    if count < 1:
        raise InputError(f"workers {count}: must be at least 1")
    return RestartingProcessPool(count)


def worker_slots(executor: Executor) -> int:
    """How many jobs ``executor`` runs at once: its processes, or the cluster's threads."""
    if isinstance(executor, RestartingProcessPool):
        return executor.workers
    if isinstance(executor, ClusterExecutor):
        return max(1, int(sum(executor.client.nthreads().values())))
    return os.cpu_count() or 1


def _cluster_executor(address: str) -> Executor:
    if not _ADDRESS.match(address):
        raise InputError(
            f"scheduler '{address}' is not a Dask scheduler address (e.g. tcp://HOST:8786)"
        )
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)  # type: ignore[no-untyped-call]
    except OSError as exc:  # includes the connection time-out
        raise ClusterUnavailableError(
            f"scheduler {address}: cannot connect ({type(exc).__name__})"
        ) from None
    return ClusterExecutor(client)


class ClusterExecutor(Executor):
    """Jobs as Dask tasks through ``Client.get_executor``; closes the client at shutdown.

    ``pure=False``: every submission is a new task, even with the same arguments (a re-run
    must run again, not return the previous task's result).
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self._inner: Executor = client.get_executor(pure=False)

    def workers_trimming_malloc(self) -> int:
        """How many of the cluster's workers run with ``MALLOC_TRIM_THRESHOLD_`` set (Dask's
        default; the analysis then takes 40 % more CPU time, see :data:`DASK_SETTINGS`)."""
        found = self.client.run(_trims_malloc)
        return sum(bool(v) for v in found.values())

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        # bound first: Dask would read a job's own ``workers=`` or ``key=`` as placement
        return self._inner.submit(functools.partial(fn, *args, **kwargs))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        try:
            self._inner.shutdown(wait=wait and not cancel_futures)
        finally:
            self.client.close()


def _trims_malloc() -> bool:
    """On a worker: is glibc's adaptive mmap threshold turned off by the environment?"""
    return "MALLOC_TRIM_THRESHOLD_" in os.environ


class RestartingProcessPool(Executor):
    """A local process pool that survives the death of one of its processes.

    :class:`~concurrent.futures.ProcessPoolExecutor` fails every pending job with
    ``BrokenProcessPool`` when a worker process dies (killed, out of memory, a crash in
    compiled code). Here the broken pool is replaced and each of those jobs is submitted
    again, up to ``retries`` times; after that the job fails with ``BrokenProcessPool``.
    Processes are spawned, not forked: the caller may be a threaded server, and a fork
    copies locks held by other threads.
    """

    def __init__(self, workers: int, retries: int = WORKER_LOSS_RETRIES) -> None:
        self.workers = workers
        self.retries = retries
        self._lock = threading.Lock()
        self._pool = ProcessPoolExecutor(workers, mp_context=_SPAWN)
        self._closed = False

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        outer: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
        self._launch(outer, lambda pool: pool.submit(fn, *args, **kwargs), self.retries)
        return outer

    def _launch(
        self,
        outer: Future[T],
        start: Callable[[ProcessPoolExecutor], Future[T]],
        retries_left: int,
    ) -> None:
        with self._lock:
            pool = self._pool
        try:
            inner = start(pool)
        except (BrokenProcessPool, RuntimeError):  # broken, or replaced (and shut) meanwhile
            inner = Future()
            inner.set_exception(BrokenProcessPool("the worker pool broke"))

        def settle(done: Future[T]) -> None:
            if outer.cancelled():
                return
            error = done.exception() if not done.cancelled() else None
            if isinstance(error, BrokenProcessPool) and retries_left > 0 and self._revive(pool):
                self._launch(outer, start, retries_left - 1)
            elif done.cancelled():
                outer.cancel()
            elif error is not None:
                outer.set_exception(error)
            else:
                outer.set_result(done.result())

        inner.add_done_callback(settle)
        outer.add_done_callback(lambda f: f.cancelled() and inner.cancel())

    def _revive(self, broken: ProcessPoolExecutor) -> bool:
        """Replace ``broken`` with a fresh pool (once, whoever notices first); False if closed."""
        with self._lock:
            if self._closed:
                return False
            if self._pool is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._pool = ProcessPoolExecutor(self.workers, mp_context=_SPAWN)
            return True

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            pool = self._pool
        pool.shutdown(wait=wait, cancel_futures=cancel_futures)
