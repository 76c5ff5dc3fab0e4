"""Domain documents <-> JSON columns, validated by the domain's own pydantic models both ways."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

__all__ = ["dump", "dump_list", "load", "load_list"]

M = TypeVar("M", bound=BaseModel)


def dump(document: BaseModel) -> dict[str, Any]:
    """The JSON form of a domain document (field aliases, ISO dates), as stored."""
    return document.model_dump(mode="json", by_alias=True)


def dump_list(documents: Sequence[BaseModel]) -> list[dict[str, Any]]:
    """The JSON form of a list of documents."""
    return [dump(d) for d in documents]


def load(model: type[M], value: Any) -> M:
    """A stored document validated back into its domain model."""
    return model.model_validate(value)


def load_list(model: type[M], value: Any) -> list[M]:
    """A stored list of documents validated back into domain models."""
    return TypeAdapter(list[model]).validate_python(value)  # type: ignore[valid-type]
