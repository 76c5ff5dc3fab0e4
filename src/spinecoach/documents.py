"""Read and write JSON/YAML documents as validated pydantic models.

This is the shell's only document reader: it turns file and validation problems into a
one-line :class:`~spinecoach.errors.DocumentError` that names the file and the field.

Documents are read strictly, because they carry clinical data that is acted on:

- a key given twice in one object is refused (JSON and YAML alike), never "last one wins";
- types are not coerced: ``"34"`` is not an age, ``true`` is not a pain score, ``34.0`` is
  not a count; YAML reads only plain decimal numbers and ``true``/``false`` (no ``1_0``,
  ``0x1f``, ``1:30``, ``yes``/``no`` or dates: a date is read from its ISO text);
- numbers that no field can hold (NaN, infinities, integers of more than 18 digits) reach the
  field as text, so the error names the field without repeating the number;
- nesting deeper than :data:`MAX_DEPTH` levels is refused before validation;
- a UTF-8 byte-order mark at the start of the file is allowed.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from spinecoach.errors import DocumentError, shorten

if TYPE_CHECKING:
    import yaml

__all__ = [
    "MAX_DEPTH",
    "dump_json",
    "load_document",
    "parse_document",
    "parse_text",
    "validation_message",
]

ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_DEPTH = 32
"""Deepest nesting of objects and lists a document may have (ours need fewer than 10)."""

MAX_INT_DIGITS = 18
"""Longer integers fit no field of any document; they are kept as text so the field is named."""


def validation_message(exc: ValidationError, where: str = "") -> str:
    """One line naming the first failing field (dotted path) and what was wrong."""
    err = exc.errors()[0]
    loc = ".".join(str(part) for part in err.get("loc", ())) or "(document)"
    msg = shorten(err.get("msg", "invalid value"), 300)
    more = len(exc.errors()) - 1
    suffix = f" (+{more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
    prefix = f"{where}: " if where else ""
    return f"{prefix}field '{loc}': {msg}{suffix}"


def parse_document(raw: Any, model: type[ModelT], where: str = "") -> ModelT:
    """Validate already-parsed JSON/YAML data against ``model``, strictly (no coercion)."""
    _check_depth(raw, where)
    try:
        text = json.dumps(raw, default=_plain, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise DocumentError(f"{where or 'document'}: {exc}") from None
    try:
        return model.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise DocumentError(validation_message(exc, where)) from None


def parse_text(text: str, where: str, *, yaml_syntax: bool) -> Any:
    """Parse JSON (or YAML) text with the strict rules above; errors name ``where``."""
    try:
        return _yaml(text, where) if yaml_syntax else _json(text)
    except _DuplicateKeyError as exc:
        raise DocumentError(f"{where}: {exc}") from None
    except RecursionError:
        raise DocumentError(f"{where}: nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{where}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def load_document(path: str | Path, model: type[ModelT]) -> ModelT:
    """Load a JSON or YAML file (chosen by suffix, JSON otherwise) into ``model``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
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
    except OSError as exc:
        raise DocumentError(f"{p}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    raw = parse_text(text, str(p), yaml_syntax=p.suffix.lower() in {".yaml", ".yml"})
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


def _plain(value: Any) -> Any:
    """Values a caller may hand to :func:`parse_document` that JSON has no type for."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"a {type(value).__name__} value is not part of a JSON document")


# --- JSON --------------------------------------------------------------------------------------


class _DuplicateKeyError(ValueError):
    """A key given twice in one object."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKeyError(
                f"key '{shorten(key, 60)}' appears twice in one object; give each key once"
            )
        seen[key] = value
    return seen


def _int_or_text(digits: str) -> int | str:
    if len(digits.lstrip("+-")) > MAX_INT_DIGITS:
        return f"<a number of {len(digits.lstrip('+-'))} digits>"
    return int(digits)


def _float_or_text(text: str) -> float | str:
    value = float(text)
    return value if math.isfinite(value) else f"<{shorten(text, 20)}: too large a number>"


def _constant(name: str) -> str:
    return f"<{name}: not a number>"  # NaN and the infinities fit no field


def _json(text: str) -> Any:
    raw = json.loads(
        text,
        object_pairs_hook=_no_duplicates,
        parse_int=_int_or_text,
        parse_float=_float_or_text,
        parse_constant=_constant,
    )
    return raw


# --- YAML --------------------------------------------------------------------------------------


# PyYAML is imported on the first YAML document only: most commands read JSON, and start-up
# is what people wait for.


def _yaml(text: str, where: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_strict_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise DocumentError(f"{where}: malformed YAML{at}: {problem}") from None


@functools.cache
def _strict_loader() -> type[yaml.SafeLoader]:
    """SafeLoader with duplicate keys refused and only plain scalars resolved (YAML 1.2 core:
    decimal numbers, true/false, null); anything else stays a string."""
    import yaml

    class _StrictLoader(yaml.SafeLoader):
        pass

    _StrictLoader.yaml_implicit_resolvers = {}
    for tag, pattern, first in (
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", "-+0123456789"),
        (
            "tag:yaml.org,2002:float",
            r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?$",
            "-+0123456789.",
        ),
        ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ):
        _StrictLoader.add_implicit_resolver(tag, re.compile(pattern), list(first))
    _StrictLoader.add_constructor("tag:yaml.org,2002:int", _yaml_int)
    _StrictLoader.add_constructor("tag:yaml.org,2002:float", _yaml_float)
    _StrictLoader.add_constructor("tag:yaml.org,2002:map", _yaml_mapping)
    return _StrictLoader


def _yaml_int(loader: yaml.SafeLoader, node: yaml.Node) -> int | str:
    return _int_or_text(str(loader.construct_scalar(node)))  # type: ignore[arg-type]


def _yaml_float(loader: yaml.SafeLoader, node: yaml.Node) -> float | str:
    return _float_or_text(str(loader.construct_scalar(node)))  # type: ignore[arg-type]


def _yaml_mapping(loader: yaml.SafeLoader, node: yaml.Node) -> dict[Any, Any]:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise yaml.constructor.ConstructorError(None, None, "expected a mapping", node.start_mark)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise _DuplicateKeyError(
                f"key {shorten(repr(key), 40)} at line {key_node.start_mark.line + 1} is not "
                "text; keys are field names"
            )
        if key in out:
            raise _DuplicateKeyError(
                f"key '{shorten(key, 60)}' appears twice in one mapping (again at line "
                f"{key_node.start_mark.line + 1}); give each key once"
            )
        out[key] = loader.construct_object(value_node, deep=True)
    return out


# --- depth -------------------------------------------------------------------------------------


def _check_depth(raw: Any, where: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(raw, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise DocumentError(
                    f"{where or 'document'}: nested more than {MAX_DEPTH} levels deep"
                )
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
