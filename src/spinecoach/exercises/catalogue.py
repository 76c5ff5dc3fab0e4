"""The exercise catalogue: validated entries, their progression ladders, and search.

:class:`Catalogue` is a frozen value checked by the cross-entry rules below (unique ids,
ladders that form one chain with rising levels and static forms below dynamic ones, McGill
hold caps, pulley load steps). :func:`load_catalogue` reads the packaged YAML data; it is the
only file reading in ``exercises``.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, get_args

from pydantic import ValidationError

from spinecoach.documents import validation_message
from spinecoach.errors import InputError, UnknownItemError
from spinecoach.exercises.model import Exercise, Mode, Purpose
from spinecoach.exercises.tags import CONTRAINDICATION_TAGS, EXERCISE_TAGS
from spinecoach.vocabulary import EQUIPMENT

__all__ = [
    "MCGILL_MAX_HOLD_S",
    "Catalogue",
    "catalogue_cache_path",
    "load_catalogue",
    "load_catalogue_files",
    "parse_catalogue_text",
]

MCGILL_MAX_HOLD_S: Final[float] = 10
"""Longest hold of a Big 3 drill: isometric holds of about 7-10 s, never longer than 10 s.

Source: CLINICAL.md section 8 [V] (powerrackstrength.com, citing McGill). Short holds build
endurance without the fatigue that breaks form; longer holds are done as more repetitions.
"""

_PURPOSES: Final[frozenset[str]] = frozenset(get_args(Purpose))
_MODES: Final[frozenset[str]] = frozenset(get_args(Mode))
_LONG_LIST: Final = 20
"""Beyond this many choices, an unknown-word message points to the listing instead."""


@dataclass(frozen=True)
class Catalogue:
    """All exercises, each id once, with ladders checked; iterate in (ladder, level, id) order.

    ``origins`` maps an id to where it was written (file and entry), for error messages only.
    """

    exercises: tuple[Exercise, ...]
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    _by_id: Mapping[str, Exercise] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.exercises, key=_ladder_order))
        object.__setattr__(self, "exercises", ordered)
        object.__setattr__(self, "origins", MappingProxyType(dict(self.origins)))
        object.__setattr__(self, "_by_id", MappingProxyType(_index(ordered, self.origins)))
        _check_vocabulary(ordered, self._where)
        _check_ladders(self._by_id, self._where)
        _check_doses(ordered, self._where)

    @classmethod
    def from_exercises(
        cls, exercises: Iterable[Exercise], origins: Mapping[str, str] | None = None
    ) -> Catalogue:
        """Build a catalogue from entries, running every cross-entry rule."""
        return cls(tuple(exercises), origins or {})

    def __hash__(self) -> int:  # entries hold lists, so hash by the ids (equal => same ids)
        return hash(tuple(e.id for e in self.exercises))

    def _where(self, exercise_id: str) -> str:
        origin = self.origins.get(exercise_id)
        return f"{origin}: exercise '{exercise_id}'" if origin else f"exercise '{exercise_id}'"

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.exercises)

    def __len__(self) -> int:
        return len(self.exercises)

    @property
    def ids(self) -> list[str]:
        """Every exercise id, in (ladder, level, id) order."""
        return [e.id for e in self.exercises]

    def get(self, exercise_id: str) -> Exercise:
        """The exercise with this id; an unknown id raises :class:`UnknownItemError`."""
        try:
            return self._by_id[exercise_id]
        except KeyError:
            raise UnknownItemError(_unknown("exercise", exercise_id, self._by_id)) from None

    def ladders(self) -> list[str]:
        """The names of all ladders, sorted."""
        return sorted({e.ladder for e in self.exercises})

    def ladder(self, name: str) -> list[Exercise]:
        """The rungs of one ladder, easiest first; an unknown name raises UnknownItemError."""
        rungs = [e for e in self.exercises if e.ladder == name]
        if not rungs:
            raise UnknownItemError(_unknown("ladder", name, self.ladders()))
        return rungs

    def easier(self, exercise_id: str) -> Exercise | None:
        """The next easier rung of the exercise's ladder, or None at the bottom."""
        below = self.get(exercise_id).easier
        return None if below is None else self._by_id[below]

    def harder(self, exercise_id: str) -> Exercise | None:
        """The next harder rung of the exercise's ladder, or None at the top."""
        above = self.get(exercise_id).harder
        return None if above is None else self._by_id[above]

    def search(
        self,
        *,
        tags: Iterable[str] = (),
        purpose: Purpose | str | None = None,
        mode: Mode | str | None = None,
        phase_max: int | None = None,
        equipment: Iterable[str] | None = None,
    ) -> list[Exercise]:
        """Exercises carrying all ``tags`` and matching the other filters, in ladder order.

        ``equipment`` is what the patient has: an exercise qualifies when all of its
        equipment is available (None: no equipment filter). Unknown words raise
        :class:`UnknownItemError` naming the word and what is allowed.
        """
        wanted = _known_words("tag", [tags] if isinstance(tags, str) else tags, EXERCISE_TAGS)
        available = None if equipment is None else _known_words("equipment", equipment, EQUIPMENT)
        if purpose is not None and purpose not in _PURPOSES:
            raise UnknownItemError(_unknown("purpose", purpose, _PURPOSES))
        if mode is not None and mode not in _MODES:
            raise UnknownItemError(_unknown("mode", mode, _MODES))
        return [
            e
            for e in self.exercises
            if wanted <= set(e.tags)
            and (purpose is None or e.purpose == purpose)
            and (mode is None or e.mode == mode)
            and (phase_max is None or e.phase <= phase_max)
            and (available is None or set(e.equipment) <= available)
        ]


def _ladder_order(exercise: Exercise) -> tuple[str, int, str]:
    return (exercise.ladder, exercise.level, exercise.id)


def _unknown(kind: str, word: str, allowed: Iterable[str]) -> str:
    choices = sorted(allowed)
    close = difflib.get_close_matches(word, choices, n=3)
    if close:
        hint = f"did you mean: {', '.join(close)}"
    elif len(choices) > _LONG_LIST:
        hint = "list them with 'spinecoach catalogue'"
    else:
        hint = f"choose from: {', '.join(choices)}"
    return f"{kind} '{word}' is unknown; {hint}"


def _known_words(kind: str, words: Iterable[str], allowed: Iterable[str]) -> set[str]:
    allowed_set = set(allowed)
    chosen = set(words)
    for word in sorted(chosen - allowed_set):
        raise UnknownItemError(_unknown(kind, word, allowed_set))
    return chosen


# --- cross-entry rules -------------------------------------------------------------------


Where = Callable[[str], str]
"""Names an exercise (and the file it came from) at the start of an error message."""


def _index(exercises: Iterable[Exercise], origins: Mapping[str, str]) -> dict[str, Exercise]:
    """Rule: every id appears once."""
    by_id: dict[str, Exercise] = {}
    for exercise in exercises:
        if exercise.id in by_id:
            where = origins.get(exercise.id, "catalogue")
            raise InputError(f"{where}: exercise id '{exercise.id}' appears more than once")
        by_id[exercise.id] = exercise
    return by_id


def _check_vocabulary(exercises: Iterable[Exercise], where: Where) -> None:
    """Rule: tags and contraindications come from the published vocabularies."""
    for e in exercises:
        for tag in e.tags:
            if tag not in EXERCISE_TAGS:
                raise InputError(
                    f"{where(e.id)}: field 'tags': {_unknown('tag', tag, EXERCISE_TAGS)}"
                )
        for word in e.contraindications:
            if word not in CONTRAINDICATION_TAGS:
                message = _unknown("contraindication", word, CONTRAINDICATION_TAGS)
                raise InputError(f"{where(e.id)}: field 'contraindications': {message}")


def _check_ladders(by_id: Mapping[str, Exercise], where: Where) -> None:
    """Rule: each ladder is one chain of mutual easier/harder links, levels rising, static first."""
    for e in by_id.values():
        for side, other_side in (("easier", "harder"), ("harder", "easier")):
            neighbour_id = getattr(e, side)
            if neighbour_id is None:
                continue
            neighbour = by_id.get(neighbour_id)
            if neighbour is None:
                raise InputError(f"{where(e.id)}: field '{side}': no exercise '{neighbour_id}'")
            if neighbour.ladder != e.ladder:
                raise InputError(
                    f"{where(e.id)}: field '{side}': '{neighbour_id}' is on ladder "
                    f"'{neighbour.ladder}', not '{e.ladder}'"
                )
            if getattr(neighbour, other_side) != e.id:
                raise InputError(
                    f"{where(e.id)}: field '{side}': '{neighbour_id}' does not name "
                    f"'{e.id}' as its {other_side} neighbour"
                )
    ladders: dict[str, list[Exercise]] = {}
    for e in by_id.values():
        ladders.setdefault(e.ladder, []).append(e)
    for name, rungs in ladders.items():
        _check_chain(name, rungs, by_id, where)


def _check_chain(
    name: str, rungs: list[Exercise], by_id: Mapping[str, Exercise], where: Where
) -> None:
    bottoms = sorted(e.id for e in rungs if e.easier is None)
    if len(bottoms) != 1:
        raise InputError(
            f"ladder '{name}': needs exactly one easiest rung (easier: null), found "
            f"{len(bottoms)}: {', '.join(bottoms) or 'none (the links form a cycle)'}"
        )
    chain = [by_id[bottoms[0]]]
    while chain[-1].harder is not None and len(chain) <= len(rungs):
        chain.append(by_id[chain[-1].harder])
    if len(chain) != len(rungs):
        missing = sorted({e.id for e in rungs} - {e.id for e in chain})
        raise InputError(
            f"ladder '{name}': rungs {', '.join(missing)} are not reachable from "
            f"'{bottoms[0]}' by 'harder' links"
        )
    for lower, upper in itertools.pairwise(chain):
        if upper.level <= lower.level:
            raise InputError(
                f"{where(upper.id)}: field 'level': {upper.level} must be above the level "
                f"{lower.level} of its easier rung '{lower.id}'"
            )
        if lower.mode == "dynamic" and upper.mode == "static":
            raise InputError(
                f"{where(upper.id)}: field 'mode': a static form cannot sit above the dynamic "
                f"form '{lower.id}' on ladder '{name}'"
            )


def _check_doses(exercises: Iterable[Exercise], where: Where) -> None:
    """Rules: McGill hold cap for the Big 3, pyramids descend, pulley work has a load step."""
    for e in exercises:
        hold_max = e.bounds.hold_s.max if e.bounds.hold_s is not None else None
        if "big3" in e.tags and hold_max is not None and hold_max > MCGILL_MAX_HOLD_S:
            raise InputError(
                f"{where(e.id)}: field 'bounds.hold_s.max': a Big 3 hold is at most "
                f"{MCGILL_MAX_HOLD_S:g} s, not {hold_max:g}"
            )
        pyramid = e.dose.pyramid
        if pyramid is not None and (
            pyramid != sorted(pyramid, reverse=True) or e.dose.reps != pyramid[0]
        ):
            raise InputError(
                f"{where(e.id)}: field 'dose.pyramid': must descend and start at dose.reps"
            )
        if "pulley" in e.equipment and (
            e.dose.load_kg is None or e.bounds.load_kg is None or e.bounds.load_increment_kg is None
        ):
            raise InputError(
                f"{where(e.id)}: pulley work needs dose.load_kg, bounds.load_kg and "
                "bounds.load_increment_kg"
            )


# --- reading the data files --------------------------------------------------------------

# PyYAML is imported only when a data file has to be parsed: the shipped catalogue is usually
# read from its JSON cache (below).

_UNSET = object()


def __getattr__(name: str) -> Any:
    """``FAST_YAML_LOADER``: libyaml's C parser with PyYAML's safe constructor, when PyYAML was
    built with libyaml: the same values as :func:`yaml.safe_load`, several times faster.
    Errors are always reported by the pure-Python parser, so they read the same. Looked up on
    first use (a test may set it to None for the pure-Python parser)."""
    if name == "FAST_YAML_LOADER":
        import yaml

        globals()[name] = getattr(yaml, "CSafeLoader", None)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _load_yaml(text: str) -> object:
    import yaml

    fast = globals().get("FAST_YAML_LOADER", _UNSET)
    if fast is _UNSET:
        fast = __getattr__("FAST_YAML_LOADER")
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)  # safe: SafeConstructor
        except yaml.YAMLError:
            pass  # parse again below for the pure-Python parser's message
    return yaml.safe_load(text)


def parse_catalogue_text(text: str, source: str) -> list[tuple[Exercise, str]]:
    """Validate the entries of one YAML data file (a list of mappings).

    Returns each exercise with its origin ("FILE entry N"); any problem raises a one-line
    :class:`InputError` naming the file, the entry and the field.
    """
    return _validate_entries(_parse_yaml(text, source), source)


def _parse_yaml(text: str, source: str) -> object:
    import yaml

    try:
        return _load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise InputError(f"{source}: malformed YAML{at}: {problem}") from None


def _validate_entries(raw: object, source: str) -> list[tuple[Exercise, str]]:
    if not isinstance(raw, list):
        raise InputError(f"{source}: expected a list of exercise entries")
    parsed: list[tuple[Exercise, str]] = []
    for number, entry in enumerate(raw, start=1):
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        origin = f"{source} entry {number}"
        label = f"{origin} ('{entry_id}')" if entry_id else origin
        try:
            parsed.append((Exercise.model_validate(entry), origin))
        except ValidationError as exc:
            raise InputError(validation_message(exc, label)) from None
    return parsed


def load_catalogue_files(
    paths: Iterable[Path | Traversable], cache: Path | None = None
) -> Catalogue:
    """Read and validate the given YAML data files into one catalogue.

    ``cache``: a JSON file holding what the YAML files parse to, used instead of parsing them
    when it was made from exactly these files (names and contents), written otherwise. The
    entries are validated either way, so the catalogue and its errors are the same.
    """
    texts: list[tuple[str, str]] = []
    for path in paths:
        try:
            texts.append((path.name, path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise InputError(f"{path.name}: cannot read ({type(exc).__name__})") from None
    key = _cache_key(texts) if cache is not None else ""
    cached = _read_cache(cache, key) if cache is not None else None
    raws = cached if cached is not None else [_parse_yaml(text, name) for name, text in texts]
    exercises: list[Exercise] = []
    origins: dict[str, str] = {}
    for (name, _), raw in zip(texts, raws, strict=True):
        for exercise, origin in _validate_entries(raw, name):
            if exercise.id in origins:
                raise InputError(
                    f"{origin}: exercise id '{exercise.id}' already defined in {origins[exercise.id]}"
                )
            exercises.append(exercise)
            origins[exercise.id] = origin
    catalogue = Catalogue.from_exercises(exercises, origins)
    if cache is not None and cached is None:
        _write_cache(cache, key, raws)
    return catalogue


# --- the parsed data files, cached as JSON --------------------------------------------------
# libyaml still leaves PyYAML's constructor in Python (about 60 ms for the shipped files, on
# every ``prescribe``); the same data read from JSON takes about 1 ms.

CACHE_FORMAT = 1


def _cache_key(texts: list[tuple[str, str]]) -> str:
    import hashlib

    digest = hashlib.blake2b(str(CACHE_FORMAT).encode(), digest_size=16)
    for name, text in texts:
        for part in (name, text):
            data = part.encode("utf-8")
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
    return digest.hexdigest()


def _read_cache(cache: Path, key: str) -> list[object] | None:
    """The parsed files from ``cache`` when it was made from the same files; else None."""
    import json

    try:
        held = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(held, dict) or held.get("key") != key:
        return None
    files_ = held.get("files")
    return files_ if isinstance(files_, list) else None


def _write_cache(cache: Path, key: str, raws: list[object]) -> None:
    """Write the parsed files, only when JSON gives them back exactly (same values and types:
    YAML dates, non-text keys or NaN would not come back, and such data is not cached); never
    fails the caller (a read-only install simply parses each time)."""
    import json
    import os
    import tempfile

    try:
        text = json.dumps({"key": key, "files": raws}, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return
    if not _same(json.loads(text)["files"], raws):
        return
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=".catalogue-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)  # readable like the bytecode beside it
        os.replace(tmp, cache)  # atomic: concurrent runs never see half a file
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)


def _same(a: object, b: object) -> bool:
    """Equal values of identical types, all the way down (``1 == 1.0 == True`` is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    return a == b


def catalogue_cache_path() -> Path | None:
    """Where the shipped catalogue's parsed data is cached: beside the package's bytecode
    (``exercises/__pycache__``), or None when the package is not plain files."""
    data = files("spinecoach.exercises").joinpath("data")
    if not isinstance(data, Path):
        return None
    return data.parent / "__pycache__" / "catalogue-data.json"


@functools.cache
def load_catalogue() -> Catalogue:
    """The catalogue shipped in the package (``exercises/data/*.yaml``), validated and cached."""
    data = files("spinecoach.exercises").joinpath("data")
    paths = sorted((p for p in data.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    return load_catalogue_files(paths, cache=catalogue_cache_path())
