"""Errors of the clinic service's use cases, on top of the package's error tree.

The API maps them: :class:`NotFound` -> 404, :class:`Forbidden` -> 403, :class:`Conflict` -> 409,
any other :class:`~spinecoach.errors.InputError` -> 422 (400 for a malformed body). Another
patient's record answers :class:`NotFound`, never :class:`Forbidden`, so ids cannot be probed.
"""

from __future__ import annotations

from spinecoach.errors import (
    ClinicalSafetyError,
    DocumentError,
    InputError,
    SpinecoachError,
    UnknownItemError,
)

__all__ = [
    "ClinicalSafetyError",
    "Conflict",
    "DocumentError",
    "Forbidden",
    "InputError",
    "NotFound",
    "ServiceError",
    "SpinecoachError",
    "UnknownItemError",
]


class ServiceError(SpinecoachError):
    """Base of the clinic service's own errors; the message is one line naming the object."""


class NotFound(ServiceError, LookupError):  # noqa: N818 (the names the API maps)
    """The object does not exist, or the actor may not know that it exists."""

    def __init__(self, kind: str, object_id: str) -> None:
        super().__init__(f"{kind} {object_id!r} not found")
        self.kind = kind
        self.object_id = object_id


class Forbidden(ServiceError, PermissionError):  # noqa: N818 (the names the API maps)
    """The actor's role does not allow the action (the object itself is theirs to know of)."""


class Conflict(ServiceError):  # noqa: N818 (the names the API maps)
    """The action does not fit the object's current state (e.g. approving a rejected version)."""
