"""A slot: one need of the program, filled by the best allowed exercise carrying its tags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

__all__ = ["Slot"]


@dataclass(frozen=True, slots=True)
class Slot:
    """A need with the tags an exercise must all carry, the rule that explains it, a priority.

    ``priority``: higher is kept first when the session is short of time (pins rank above
    all). ``phase_max``: the latest phase of exercise that may fill it (None: the program's
    phase). ``prefer``: "phase" takes the rung nearest the program's phase, "easiest" the
    bottom rung of any phase (directional work starts at the bottom of its progression).
    ``fresh``: prefer an exercise not yet in the program (a phase's core drills should be
    different drills); otherwise the slot happily adds its reason to one already chosen.
    ``what`` and ``details`` fill the rule's placeholders.
    """

    key: str
    tags: tuple[str, ...]
    rule: str
    priority: int
    what: str = ""
    phase_max: Literal[1, 2, 3] | None = None
    warm_up: bool = False
    prefer: Literal["phase", "easiest"] = "phase"
    fresh: bool = False
    details: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
