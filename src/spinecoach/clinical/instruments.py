"""The questionnaires spinecoach scores, by name: item ranges and scorers for raw answers."""

from __future__ import annotations

from collections.abc import Sequence

from spinecoach.clinical.answers import ItemRange
from spinecoach.clinical.fabq import FABQ_ITEMS
from spinecoach.clinical.odi import ODI_SECTIONS
from spinecoach.clinical.rmdq import RMDQ_ITEMS
from spinecoach.clinical.startback import START_BACK_ITEMS

__all__ = ["INSTRUMENTS", "ITEM_RANGES"]

ITEM_RANGES: dict[str, Sequence[ItemRange]] = {
    "start_back": START_BACK_ITEMS,
    "odi": (ItemRange(0, 5),) * len(ODI_SECTIONS),
    "rmdq": RMDQ_ITEMS,
    "fabq": FABQ_ITEMS,
}
"""Fixed-length instruments -> the codes each item allows (DESIGN.md section 3)."""

INSTRUMENTS: tuple[str, ...] = ("start_back", "odi", "rmdq", "nprs", "psfs", "fabq")
"""Every questionnaire ``spinecoach score`` accepts."""
