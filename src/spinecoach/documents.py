"""Read and write JSON/YAML documents as validated pydantic models.

This is the shell's only document reader: it turns file and validation problems into a
one-line :class:`~spinecoach.errors.DocumentError` that names the file and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from spinecoach.errors import DocumentError

__all__ = ["dump_json", "load_document", "parse_document", "validation_message"]

ModelT = TypeVar("ModelT", bound=BaseModel)


def validation_message(exc: ValidationError, where: str = "") -> str:
    """One line naming the first failing field (dotted path) and what was wrong."""
    err = exc.errors()[0]
    loc = ".".join(str(part) for part in err.get("loc", ())) or "(document)"
    msg = err.get("msg", "invalid value")
    more = len(exc.errors()) - 1
    suffix = f" (+{more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
    prefix = f"{where}: " if where else ""
    return f"{prefix}field '{loc}': {msg}{suffix}"


def parse_document(raw: Any, model: type[ModelT], where: str = "") -> ModelT:
    """Validate already-parsed JSON/YAML data against ``model``."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise DocumentError(validation_message(exc, where)) from None


def load_document(path: str | Path, model: type[ModelT]) -> ModelT:
    """Load a JSON or YAML file (chosen by suffix, JSON tried first otherwise) into ``model``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(f"{p}: file not found") from None
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{p}: not UTF-8 text (byte {exc.start}); a JSON or YAML document is expected"
        ) from None
    except IsADirectoryError:
        raise DocumentError(f"{p}: is a folder; a JSON or YAML document is expected") from None
    except PermissionError:
        raise DocumentError(f"{p}: permission denied") from None
    try:
        raw = yaml.safe_load(text) if p.suffix.lower() in {".yaml", ".yml"} else json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{p}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise DocumentError(f"{p}: malformed YAML{at}: {problem}") from None
    if raw is None:
        raise DocumentError(f"{p}: the document is empty")
    return parse_document(raw, model, where=str(p))


def dump_json(model: BaseModel | list[Any] | dict[str, Any]) -> str:
    """Serialise a model (or plain data) as indented JSON, keys in declaration order."""
    if isinstance(model, BaseModel):
        return model.model_dump_json(indent=2)
    return json.dumps(model, indent=2, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot serialise {type(value).__name__}")
