"""Output files are written all-or-nothing, and failures name the option."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinecoach.errors import InputError
from spinecoach.outputs import atomic_output, write_text_output


def test_written_file_appears_whole_and_nothing_else_is_left(tmp_path: Path) -> None:
    target = tmp_path / "course.json"
    write_text_output(target, '{"ok": true}\n', "--out")
    assert target.read_text() == '{"ok": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["course.json"]


def test_temporary_file_keeps_the_suffix(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "day.parquet", "--out") as partial:
        assert partial.suffix == ".parquet"
        assert partial.parent == tmp_path
        partial.write_bytes(b"x")


def _write_half_then_fail(target: Path) -> None:
    with atomic_output(target, "--angles-out") as partial:
        partial.write_text("half a fi")
        raise OSError(28, "disk full")


def test_failed_write_keeps_the_earlier_file_and_leaves_no_partial(tmp_path: Path) -> None:
    target = tmp_path / "angles.csv"
    target.write_text("earlier good file\n")
    with pytest.raises(
        InputError, match=r"^--angles-out .*angles\.csv: cannot write \(disk full\)$"
    ):
        _write_half_then_fail(target)
    assert target.read_text() == "earlier good file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["angles.csv"]


def test_unwritable_place_is_a_one_line_input_error(tmp_path: Path) -> None:
    a_file = tmp_path / "plain"
    a_file.write_text("")
    with pytest.raises(
        InputError, match=r"^--svg-out .*plain/x\.svg: cannot write \(Not a directory\)$"
    ):
        write_text_output(a_file / "x.svg", "<svg/>", "--svg-out")
