"""Raw files land whole or not at all, at their content address, with nothing left behind."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from spinecoach.services import raw_files


def test_a_spooled_file_is_placed_at_its_address_with_its_hash(tmp_path: Path) -> None:
    body = b"t,ax\n" + b"0.01,9.81\n" * 300_000  # several chunks
    with raw_files.spooled(raw_files.chunks_of(io.BytesIO(body)), tmp_path / "spool") as file:
        assert file.sha256 == hashlib.sha256(body).hexdigest()
        assert file.size == len(body)
        final = tmp_path / "store" / f"{file.sha256}.csv"
        assert raw_files.place(file, final)
    assert final.read_bytes() == body
    assert list((tmp_path / "spool").iterdir()) == []


def test_the_same_content_twice_is_kept_once(tmp_path: Path) -> None:
    final = tmp_path / "store" / "x.json"
    for placed in (True, False):
        with raw_files.spooled([b"{}"], tmp_path / "spool") as file:
            assert raw_files.place(file, final) is placed
    assert final.read_bytes() == b"{}"
    assert list((tmp_path / "spool").iterdir()) == []


def test_past_the_limit_the_writing_stops_with_the_callers_error(tmp_path: Path) -> None:
    with (
        pytest.raises(LookupError, match="over 10"),
        raw_files.spooled(
            [b"x" * 6, b"x" * 6],
            tmp_path / "spool",
            limit=10,
            too_large=lambda limit: LookupError(f"over {limit}"),
        ),
    ):
        pytest.fail("the block must not run")
    assert list((tmp_path / "spool").iterdir()) == []


def test_an_error_while_the_file_is_checked_leaves_nothing(tmp_path: Path) -> None:
    final = tmp_path / "store" / "x.csv"
    with (
        pytest.raises(ValueError, match=r"[0-9a-f]{64}"),
        raw_files.spooled([b"abc"], tmp_path / "spool") as file,
    ):
        raise ValueError(file.sha256)
    assert not final.exists()
    assert list((tmp_path / "spool").iterdir()) == []
