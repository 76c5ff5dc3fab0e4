"""spinecoach: targeted, adaptive rehabilitation for low back pain, physiotherapist in the loop."""

from __future__ import annotations

from spinecoach.errors import (
    ClinicalSafetyError,
    DocumentError,
    InputError,
    SensorDataError,
    SpinecoachError,
    UnknownItemError,
)

__version__ = "0.1.0"

__all__ = [
    "ClinicalSafetyError",
    "DocumentError",
    "InputError",
    "SensorDataError",
    "SpinecoachError",
    "UnknownItemError",
    "__version__",
]
