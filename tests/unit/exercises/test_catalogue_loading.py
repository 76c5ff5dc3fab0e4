"""The shipped catalogue reads the same with libyaml's C parser as with the pure-Python one."""

from __future__ import annotations

from importlib.abc import Traversable
from importlib.resources import files

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
