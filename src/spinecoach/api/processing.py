"""Recording processing off the request path: one executor per app, started on first use."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, Future

from spinecoach.batch.executor import make_executor
from spinecoach.services import recordings
from spinecoach.settings import ServiceSettings

__all__ = ["ProcessingQueue"]

log = logging.getLogger("spinecoach.api")


class ProcessingQueue:
    """Hands stored recordings to :func:`spinecoach.batch.executor.make_executor`'s executor.

    The request returns as soon as the raw file is stored; the worker records the outcome
    (processed, or failed with its reason) in the database, where the client polls it.
    """

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._executor: Executor | None = None
        self._lock = threading.Lock()

    def submit(self, recording_id: str) -> Future[str]:
        with self._lock:
            if self._executor is None:
                self._executor = make_executor(
                    workers=self.settings.workers, scheduler=self.settings.scheduler
                )
            executor = self._executor
        (future,) = recordings.submit_processing(executor, self.settings, [recording_id])
        future.add_done_callback(_log_failure)
        return future

    def shutdown(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=False)
                self._executor = None


def _log_failure(future: Future[str]) -> None:
    exc = future.exception()
    if exc is not None:  # the worker itself broke (the recording stays stored, re-runnable)
        log.error("recording processing worker failed: %s", type(exc).__name__)
