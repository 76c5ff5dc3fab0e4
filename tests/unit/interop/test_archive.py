"""The patient archive's format: what is written is what opens; anything else is refused with
one line naming the file (the services' tests tamper with real exports)."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest

from spinecoach.errors import InputError
from spinecoach.interop.archive import (
    MANIFEST,
    SCHEMA_VERSION,
    ExportedBy,
    Manifest,
    open_archive,
    write_archive,
)

AT = dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC)
BY = ExportedBy(user_id="u" * 32, username="dr_a", role="clinician")


def _write(out: Path, members: list[tuple[str, bytes | Path]]) -> Manifest:
    return write_archive(
        out, members, patient_id="p" * 32, exported_at=AT, exported_by=BY,
        spinecoach_version="0.1.0", record_schema="0003",
    )  # fmt: skip


def _with_manifest(source: Path, target: Path, edit: dict[str, object]) -> None:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            content = zin.read(name)
            if name == MANIFEST:
                content = json.dumps({**json.loads(content), **edit}).encode()
            zout.writestr(name, content)


def test_what_is_written_opens_with_its_manifest(tmp_path: Path) -> None:
    big = tmp_path / "raw.csv"
    big.write_bytes(b"t,x\n" + b"0.01,1.5\n" * 300_000)
    manifest = _write(tmp_path / "a.zip", [("record/a.json", b"[]"), ("recordings/r.csv", big)])
    assert manifest.schema_version == SCHEMA_VERSION
    assert [(f.file, f.size) for f in manifest.files] == [
        ("record/a.json", 2),
        ("recordings/r.csv", big.stat().st_size),
    ]
    with open_archive(tmp_path / "a.zip") as archive:
        assert archive.manifest == manifest
        assert archive.read_json("record/a.json") == []
        with archive.open("recordings/r.csv") as stream:
            assert stream.read() == big.read_bytes()
        with pytest.raises(InputError, match="not in this archive"):
            archive.read("record/b.json")
    assert not (tmp_path / "a.zip.partial").exists()


@pytest.mark.parametrize("name", ["../escape.json", "/abs.json", "a\\b.json", "manifest.json"])
def test_unsafe_member_names_are_not_written(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="archive"):
        _write(tmp_path / "a.zip", [(name, b"{}")])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"schema_version": SCHEMA_VERSION + 1}, "newer than this spinecoach reads"),
        ({"archive": "something.else"}, "is not 'spinecoach.patient-archive'"),
        ({"exported_at": "yesterday"}, "manifest.json: field 'exported_at'"),
        (
            {"files": [{"file": "../x", "size": 2, "sha256": "0" * 64}]},
            "../x: not a safe path",
        ),
    ],
)
def test_a_bad_manifest_is_refused_naming_the_field(
    tmp_path: Path, edit: dict[str, object], message: str
) -> None:
    _write(tmp_path / "a.zip", [("record/a.json", b"[]")])
    _with_manifest(tmp_path / "a.zip", tmp_path / "b.zip", edit)
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        open_archive(tmp_path / "b.zip")


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.zip").write_text("hello")
    with pytest.raises(InputError, match=r"a\.zip: not a readable zip archive"):
        open_archive(tmp_path / "a.zip")
    with pytest.raises(InputError, match="file not found"):
        open_archive(tmp_path / "none.zip")
