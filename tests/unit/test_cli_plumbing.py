"""The CLI shell: one-line errors with exit 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from spinecoach.cli import main
from spinecoach.documents import load_document
from spinecoach.errors import DocumentError


class _Doc(BaseModel):
    name: str
    count: int


def test_unknown_command_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert "no-such-command" in err


def test_unknown_option_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: No such option: --bogus"


def test_version_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip()


def test_load_document_names_the_field(tmp_path: Path) -> None:
    p = tmp_path / "doc.json"
    p.write_text(json.dumps({"name": "x", "count": "many"}))
    with pytest.raises(DocumentError, match=r"field 'count'"):
        load_document(p, _Doc)


@pytest.mark.parametrize(
    ("suffix", "text", "match"),
    [
        (".json", "{not json", "malformed JSON at line 1"),
        (".yaml", "a: [1, 2", "malformed YAML"),
        (".json", "", "malformed JSON"),
        (".yaml", "", "empty"),
    ],
)
def test_load_document_malformed(tmp_path: Path, suffix: str, text: str, match: str) -> None:
    p = tmp_path / f"doc{suffix}"
    p.write_text(text)
    with pytest.raises(DocumentError, match=match):
        load_document(p, _Doc)


def test_load_document_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="file not found"):
        load_document(tmp_path / "absent.json", _Doc)


def test_binary_file_and_folder_are_named_plainly(tmp_path: Path) -> None:
    binary = tmp_path / "scan.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(DocumentError, match=r"scan\.json: not UTF-8 text \(byte 0\)"):
        load_document(binary, _Doc)
    with pytest.raises(DocumentError, match="is a folder"):
        load_document(tmp_path, _Doc)


def test_yaml_document_loads(tmp_path: Path) -> None:
    p = tmp_path / "doc.yml"
    p.write_text("name: back\ncount: 3\n")
    assert load_document(p, _Doc) == _Doc(name="back", count=3)


def test_public_api_is_curated() -> None:
    import spinecoach

    assert set(spinecoach.__all__) == {
        "ClinicalSafetyError",
        "DocumentError",
        "InputError",
        "SensorDataError",
        "SpinecoachError",
        "UnknownItemError",
        "__version__",
    }


def test_closed_pipe_is_not_an_error() -> None:
    """`spinecoach ... | head`: the reader closes first; silent exit (1, click's EPIPE rule)."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "spinecoach.cli", "schema", "intake"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # closed before the child has imported anything, so its write fails
    _, err = proc.communicate(timeout=60)
    assert err == b""
    assert proc.returncode == 1


# --- strict documents -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("d.json", '{"name": "a", "count": 1, "name": "b"}', r"key 'name' appears twice"),
        ("d.yaml", "name: a\ncount: 1\nname: b\n", r"key 'name' appears twice .*line 3"),
        (
            "d.json",
            '{"name": "a", "count": "1"}',
            r"field 'count': Input should be a valid integer",
        ),
        ("d.json", '{"name": "a", "count": true}', r"field 'count'"),
        ("d.json", '{"name": "a", "count": 1.0}', r"field 'count'"),
        ("d.yaml", "name: a\ncount: 1_0\n", r"field 'count'"),
        ("d.yaml", "name: a\ncount: 0x10\n", r"field 'count'"),
        ("d.yaml", "name: yes\ncount: 1\n", r"^(?!.*True).*"),  # 'yes' stays the text 'yes'
        ("d.json", '{"name": "a", "count": ' + "7" * 5000 + "}", r"field 'count'"),
        ("d.json", '{"name": "a", "count": Infinity}', r"field 'count'"),
        ("d.json", '{"name": ' + "[" * 50 + "]" * 50 + ', "count": 1}', r"nested more than 32"),
    ],
)
def test_documents_are_read_strictly(tmp_path: Path, name: str, text: str, match: str) -> None:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    if name == "d.yaml" and "yes" in text:
        assert load_document(p, _Doc).name == "yes"
        return
    with pytest.raises(DocumentError, match=match) as caught:
        load_document(p, _Doc)
    assert len(str(caught.value)) < 300


def test_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    p = tmp_path / "doc.json"
    p.write_bytes(b"\xef\xbb\xbf" + json.dumps({"name": "x", "count": 3}).encode())
    assert load_document(p, _Doc).count == 3
