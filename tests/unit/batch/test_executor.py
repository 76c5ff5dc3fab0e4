"""The Executor seam: local processes by default, checked addresses, and jobs that survive
the death of the process running them."""

from __future__ import annotations

import functools
import math
import os
import signal
import time
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool

import psutil
import pytest

from spinecoach.batch import executor as seam
from spinecoach.batch.executor import (
    ClusterUnavailableError,
    RestartingProcessPool,
    make_executor,
    worker_slots,
)
from spinecoach.errors import InputError


def _pool_workers() -> list[psutil.Process]:
    """The pool's worker processes among this process's children (not its resource tracker)."""
    return [
        child
        for child in psutil.Process().children()
        if any("spawn_main" in part for part in child.cmdline())
    ]


def test_local_processes_by_default() -> None:
    with make_executor() as executor:
        assert isinstance(executor, RestartingProcessPool)
        assert worker_slots(executor) == (os.cpu_count() or 1)
        assert executor.submit(math.factorial, 10).result(timeout=120) == 3628800
        assert executor.submit(os.getpid).result(timeout=120) != os.getpid()


def test_a_job_whose_worker_is_killed_runs_again() -> None:
    # other tests in this process may have left spawned children of their own (a server's pool)
    before = {p.pid for p in _pool_workers()}
    with make_executor(workers=1) as executor:
        executor.submit(math.factorial, 1).result(timeout=120)  # the worker is up
        sleeping = executor.submit(time.sleep, 1.5)
        queued = executor.submit(math.factorial, 5)
        time.sleep(0.5)
        (worker,) = [p for p in _pool_workers() if p.pid not in before]
        worker.send_signal(signal.SIGKILL)
        assert sleeping.result(timeout=120) is None
        assert queued.result(timeout=120) == 120
        assert worker.pid not in {p.pid for p in _pool_workers()}


def test_a_job_that_always_kills_its_worker_fails_and_the_pool_lives_on() -> None:
    with make_executor(workers=1) as executor:
        doomed = executor.submit(functools.partial(os._exit, 3))
        with pytest.raises(BrokenProcessPool):
            doomed.result(timeout=300)
        assert executor.submit(math.factorial, 4).result(timeout=120) == 24


@pytest.mark.parametrize("workers", [0, -2])
def test_at_least_one_worker(workers: int) -> None:
    with pytest.raises(InputError, match=f"workers {workers}: must be at least 1"):
        make_executor(workers=workers)


@pytest.mark.parametrize("address", ["localhost:8786", "http://h:8786", "tcp://", "tcp://h:1 x"])
def test_a_scheduler_address_is_checked(address: str) -> None:
    with pytest.raises(InputError, match="is not a Dask scheduler address"):
        make_executor(scheduler=address)


def test_an_unreachable_scheduler_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seam, "CONNECT_TIMEOUT_S", 1.0)
    with pytest.raises(ClusterUnavailableError, match=r"tcp://127.0.0.1:9: cannot connect"):
        make_executor(scheduler="tcp://127.0.0.1:9")


def test_no_jobs_after_shutdown() -> None:
    executor: Executor = make_executor(workers=1)
    executor.shutdown()
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.submit(math.factorial, 3)


def test_the_dask_settings_name_keys_dask_knows() -> None:
    """A misspelt or renamed key would be set and silently ignored."""
    import dask
    import distributed  # noqa: F401  (loads distributed's defaults into dask.config)

    from spinecoach.batch.executor import DASK_SETTINGS

    for key in DASK_SETTINGS:
        *parents, leaf = key.split(".")
        node = dask.config.get(".".join(parents))
        assert isinstance(node, dict), key
        assert leaf in node or leaf.replace("_", "-") in node, key
