"""The shipped catalogue reads the same with libyaml's C parser as with the pure-Python one,
and from its JSON cache as from the YAML files."""

from __future__ import annotations

import datetime as dt
from importlib.abc import Traversable
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from spinecoach.errors import InputError
from spinecoach.exercises import catalogue as catalogue_module
from spinecoach.exercises.catalogue import load_catalogue_files


def _data_files() -> list[Traversable]:
    data = files("spinecoach.exercises").joinpath("data")
    return sorted((p for p in data.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)


def test_c_loader_is_used_when_available() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML built without libyaml")
    assert catalogue_module.FAST_YAML_LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("path", _data_files(), ids=lambda p: p.name)
def test_each_data_file_parses_identically(path: Traversable) -> None:
    if catalogue_module.FAST_YAML_LOADER is None:
        pytest.skip("PyYAML built without libyaml")
    text = path.read_text(encoding="utf-8")
    assert yaml.load(text, Loader=catalogue_module.FAST_YAML_LOADER) == yaml.safe_load(text)


def test_catalogue_is_identical_with_either_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = load_catalogue_files(_data_files())
    monkeypatch.setattr(catalogue_module, "FAST_YAML_LOADER", None)
    pure = load_catalogue_files(_data_files())
    assert [e.model_dump() for e in fast] == [e.model_dump() for e in pure]
    assert len(fast) > 50


def test_errors_read_the_same_with_either_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = "- id: a\n  name: [unclosed\n"
    with pytest.raises(InputError) as fast:
        catalogue_module.parse_catalogue_text(bad, "bad.yaml")
    monkeypatch.setattr(catalogue_module, "FAST_YAML_LOADER", None)
    with pytest.raises(InputError) as pure:
        catalogue_module.parse_catalogue_text(bad, "bad.yaml")
    assert str(fast.value) == str(pure.value)
    assert "line" in str(fast.value)


def test_cached_catalogue_is_identical_to_the_parsed_one(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "catalogue.json"
    parsed = load_catalogue_files(_data_files())
    first = load_catalogue_files(_data_files(), cache=cache)  # parses, then writes the cache
    assert cache.is_file()
    written = cache.stat().st_mtime_ns
    again = load_catalogue_files(_data_files(), cache=cache)  # reads the cache
    assert cache.stat().st_mtime_ns == written
    dumps = [[e.model_dump() for e in c] for c in (parsed, first, again)]
    assert dumps[0] == dumps[1] == dumps[2]
    assert [e.id for e in again] == [e.id for e in parsed]


def test_cache_of_other_files_is_not_used(tmp_path: Path) -> None:
    cache = tmp_path / "catalogue.json"
    data = _data_files()
    load_catalogue_files(data, cache=cache)
    first = tmp_path / data[0].name
    text = data[0].read_text(encoding="utf-8")
    first.write_text(text.replace("name: ", "name: Changed ", 1), encoding="utf-8")
    changed = load_catalogue_files([first, *data[1:]], cache=cache)
    assert any(e.name.startswith("Changed ") for e in changed)
    broken = tmp_path / "broken.yaml"
    broken.write_text("- id: a\n  name: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.yaml: malformed YAML at line"):
        load_catalogue_files([broken], cache=cache)


def test_data_json_cannot_hold_is_not_cached(tmp_path: Path) -> None:
    cache = tmp_path / "catalogue.json"
    assert not catalogue_module._same([1], [1.0])
    assert not catalogue_module._same({"a": True}, {"a": 1})
    catalogue_module._write_cache(cache, "k", [[{"when": dt.date(2026, 1, 2)}]])
    catalogue_module._write_cache(cache, "k", [[{1: "a"}]])
    assert not cache.exists()
    catalogue_module._write_cache(cache, "k", [[{"a": [1, 2.5, None, "x"]}]])
    assert catalogue_module._read_cache(cache, "k") == [[{"a": [1, 2.5, None, "x"]}]]
    assert catalogue_module._read_cache(cache, "other") is None


def test_shipped_catalogue_is_cached_beside_the_bytecode() -> None:
    path = catalogue_module.catalogue_cache_path()
    assert path is not None
    assert path.parent.name == "__pycache__"
