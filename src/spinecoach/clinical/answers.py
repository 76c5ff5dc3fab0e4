"""Checking coded questionnaire answers before they are scored.

Every instrument states how many items it has and which codes each item allows; a wrong
count, a code out of range or a non-integer is an :class:`~spinecoach.errors.InputError`
that names the instrument and the item number (1-based, as printed on the form).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spinecoach.errors import InputError

__all__ = ["Answers", "ItemRange", "check_answers"]

Answers = Sequence[int | None]
"""Coded answers in form order; ``None`` marks a skipped item."""


@dataclass(frozen=True)
class ItemRange:
    """The inclusive codes one item allows."""

    low: int
    high: int

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"


def check_answers(
    instrument: str, answers: Answers, ranges: Sequence[ItemRange]
) -> list[int | None]:
    """Return the answers as a list after checking their count, type and range."""
    if len(answers) != len(ranges):
        raise InputError(
            f"{instrument}: {len(answers)} answers given; {len(ranges)} items are expected"
        )
    checked: list[int | None] = []
    for number, (answer, allowed) in enumerate(zip(answers, ranges, strict=True), start=1):
        if answer is None:
            checked.append(None)
            continue
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise InputError(
                f"{instrument} item {number}: {answer!r} is not a whole number in {allowed}"
            )
        if not allowed.low <= answer <= allowed.high:
            raise InputError(f"{instrument} item {number}: {answer} is outside {allowed}")
        checked.append(answer)
    return checked
