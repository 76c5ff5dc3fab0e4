"""A per-catalogue index built once, so prescribing many patients stays fast.

The catalogue is a frozen value; the index holds each exercise with its tags, loads,
equipment and contraindications as frozensets, in the catalogue's deterministic order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from spinecoach.exercises import Catalogue
from spinecoach.exercises.model import Exercise

__all__ = ["CatalogueIndex", "IndexedExercise", "index_catalogue"]


@dataclass(frozen=True, slots=True)
class IndexedExercise:
    """One exercise with its sets precomputed for fast matching."""

    id: str
    exercise: Exercise
    tags: frozenset[str]
    loads: frozenset[str]
    equipment: frozenset[str]
    contraindications: frozenset[str]


@dataclass(frozen=True, slots=True, eq=False)
class CatalogueIndex:
    """Exercises sorted by (ladder, level, id), by id, and by tag (compared by identity)."""

    entries: tuple[IndexedExercise, ...]
    by_id: Mapping[str, IndexedExercise]
    by_tag: Mapping[str, tuple[IndexedExercise, ...]]

    def tagged(self, tags: tuple[str, ...]) -> tuple[IndexedExercise, ...]:
        """Entries carrying every tag in ``tags`` (catalogue order)."""
        if not tags:
            return self.entries
        first = self.by_tag.get(tags[0], ())
        rest = tags[1:]
        return tuple(e for e in first if all(t in e.tags for t in rest))


_CACHE: dict[int, tuple[Catalogue, CatalogueIndex]] = {}
_CACHE_SIZE = 8
"""Catalogues indexed at a time; the catalogue is kept alive with its index so ids stay valid."""


def index_catalogue(catalogue: Catalogue) -> CatalogueIndex:
    """The index of ``catalogue``, built on first use and then reused."""
    hit = _CACHE.get(id(catalogue))
    if hit is not None and hit[0] is catalogue:
        return hit[1]
    entries = tuple(
        IndexedExercise(
            id=ex.id,
            exercise=ex,
            tags=frozenset(ex.tags),
            loads=frozenset(ex.loaded_directions),
            equipment=frozenset(ex.equipment),
            contraindications=frozenset(ex.contraindications),
        )
        for ex in sorted(catalogue, key=lambda e: (e.ladder, e.level, e.id))
    )
    by_tag: dict[str, list[IndexedExercise]] = {}
    for entry in entries:
        for tag in sorted(entry.tags):
            by_tag.setdefault(tag, []).append(entry)
    index = CatalogueIndex(
        entries=entries,
        by_id=MappingProxyType({e.id: e for e in entries}),
        by_tag=MappingProxyType({tag: tuple(v) for tag, v in sorted(by_tag.items())}),
    )
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[id(catalogue)] = (catalogue, index)
    return index
