"""The service's clock: UTC now, replaceable by a caller that replays a course (seed-demo)."""

from __future__ import annotations

import datetime as dt

__all__ = ["utcnow"]


def utcnow(now: dt.datetime | None = None) -> dt.datetime:
    """``now`` when given (must be timezone-aware), else the current UTC time."""
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now
