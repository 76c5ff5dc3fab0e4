"""The one exception tree of spinecoach.

Every error the package raises on purpose derives from :class:`SpinecoachError`, so the
shell (CLI, API) can turn it into a one-line message and an exit code 2 / HTTP 4xx::

    SpinecoachError
    ├── InputError              a document, file or argument is malformed or out of range
    │   ├── DocumentError       a JSON/YAML document failed its schema (names the field)
    │   └── UnknownItemError    an id that is not known (instrument, flag, exercise, ...)
    ├── ClinicalSafetyError     a request would break a clinical-safety invariant
    └── SensorDataError         a recording is unusable (names the row or column)

Messages name the item, field or row at fault and what is allowed, in one line. A message
repeats at most a short piece of what the user gave (:func:`shorten`), so a 5,000-digit
number or a pasted file never floods the terminal.
"""

from __future__ import annotations

__all__ = [
    "ClinicalSafetyError",
    "DocumentError",
    "InputError",
    "SensorDataError",
    "SpinecoachError",
    "UnknownItemError",
    "shorten",
]

SHORT_VALUE_CHARS = 40
"""How much of a user's value an error message repeats."""


def shorten(value: object, limit: int = SHORT_VALUE_CHARS) -> str:
    """``value`` as text, cut to ``limit`` characters (saying how long it was) and on one line."""
    text = " ".join(str(value).split())
    if len(text) <= limit:
        return text
    return f"{text[: max(limit - 1, 1)]}... ({len(text)} characters)"


class SpinecoachError(Exception):
    """Base of every deliberate spinecoach error; its message is one line for the user."""


class InputError(SpinecoachError, ValueError):
    """Input is malformed or out of range: the message names the field or item at fault."""


class DocumentError(InputError):
    """A JSON/YAML document did not validate against its schema."""


class UnknownItemError(InputError, KeyError):
    """An identifier (instrument, red flag, exercise, equipment, ...) is not known."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class ClinicalSafetyError(SpinecoachError):
    """A request would load a provoking direction, skip a red flag or otherwise be unsafe."""


class SensorDataError(InputError):
    """A recording cannot be used as it is: the message names the row or column at fault."""
