"""Form posts as domain documents: the same pydantic models the API validates against, with each
problem placed next to the field that caused it (pages work without JavaScript)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

__all__ = ["FieldErrors", "blank_to_none", "validate_form"]

M = TypeVar("M", bound=BaseModel)
FieldErrors = dict[str, str]


def blank_to_none(value: str | None) -> str | None:
    """An empty box is a value not given."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def validate_form(
    model: type[M], document: Mapping[str, Any], field_of: Callable[[tuple[Any, ...]], str]
) -> tuple[M | None, FieldErrors]:
    """``model`` from ``document``, or the errors keyed by form field (``field_of(loc)``)."""
    try:
        return model.model_validate(document), {}
    except ValidationError as exc:
        errors: FieldErrors = {}
        for error in exc.errors():
            field = field_of(tuple(error["loc"]))
            message = error["msg"].removeprefix("Value error, ")
            errors.setdefault(field, message)
        return None, errors
