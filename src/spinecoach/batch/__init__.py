"""Cohort processing: many recordings through the sensor analysis, on local processes or a
Dask cluster, behind one :class:`concurrent.futures.Executor` (:func:`make_executor`)."""

from __future__ import annotations

from spinecoach.batch.executor import make_executor

__all__ = ["make_executor"]
