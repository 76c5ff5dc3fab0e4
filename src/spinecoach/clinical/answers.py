"""Checking coded questionnaire answers before they are scored.

Every instrument states how many items it has and which codes each item allows; a wrong
count, a code out of range or a non-integer is an :class:`~spinecoach.errors.InputError`
that names the instrument and the item number (1-based, as printed on the form).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spinecoach.errors import InputError, shorten

__all__ = ["Answers", "ItemRange", "check_answers", "describe_items"]

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
            f"{instrument}: {len(answers)} answer{'' if len(answers) == 1 else 's'} given; {len(ranges)} are expected "
            f"({describe_items(ranges)}, '-' or null for a skipped item)"
        )
    checked: list[int | None] = []
    for number, (answer, allowed) in enumerate(zip(answers, ranges, strict=True), start=1):
        if answer is None:
            checked.append(None)
            continue
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise InputError(
                f"{instrument} item {number}: {shorten(repr(answer))} is not a whole number in "
                f"{allowed}"
            )
        if not allowed.low <= answer <= allowed.high:
            raise InputError(f"{instrument} item {number}: {shorten(answer)} is outside {allowed}")
        checked.append(answer)
    return checked


def describe_items(ranges: Sequence[ItemRange]) -> str:
    """The allowed codes in words, e.g. ``items 1-8 0-1, item 9 0-4``."""
    groups: list[tuple[int, int, ItemRange]] = []
    for number, allowed in enumerate(ranges, start=1):
        if groups and groups[-1][2] == allowed:
            groups[-1] = (groups[-1][0], number, allowed)
        else:
            groups.append((number, number, allowed))
    if len(groups) == 1:
        return f"each {groups[0][2]}"
    return ", ".join(f"item {a} {r}" if a == b else f"items {a}-{b} {r}" for a, b, r in groups)
