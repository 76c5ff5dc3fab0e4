"""The one Executor seam for work off the request path (recording processing, cohort analysis).

A local process pool by default. Worker processes are started with ``spawn`` so that none
inherits the parent's open database connections or threads.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor

from spinecoach.errors import InputError

__all__ = ["make_executor"]


def make_executor(*, workers: int | None = None, scheduler: str | None = None) -> Executor:
    """An executor of ``workers`` local processes (None: one per core)."""
    if scheduler is not None:
        raise InputError(
            f"scheduler '{scheduler}': this build processes locally only; leave the scheduler unset"
        )
    if workers is not None and workers < 1:
        raise InputError(f"workers {workers}: give at least 1")
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
