"""`spinecoach batch` refuses bad options with one line naming the option, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinecoach.cli import main


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--out", "{tmp}/f.csv"], "error: --out {tmp}/f.csv: must be a .parquet file"),
        (
            ["--out", "{tmp}/no/f.parquet"],
            "error: --out {tmp}/no/f.parquet: folder {tmp}/no does not exist",
        ),
        (["--out", "{tmp}/f.parquet", "--workers", "0"], "error: --workers 0: must be at least 1"),
        (
            ["--out", "{tmp}/f.parquet", "--workers", "2", "--scheduler", "tcp://h:8786"],
            "error: --workers: a Dask cluster (--scheduler) brings its own workers",
        ),
        (
            ["--out", "{tmp}/f.parquet", "--per-task", "0"],
            "error: --per-task 0: must be at least 1",
        ),
        (
            ["--out", "{tmp}/f.parquet", "--scheduler", "h:8786"],
            "error: scheduler 'h:8786' is not a Dask scheduler address (e.g. tcp://HOST:8786)",
        ),
    ],
)
def test_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    args = [o.format(tmp=tmp_path) for o in options]
    assert main(["batch", str(tmp_path), *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == message.format(tmp=tmp_path)


def test_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "f.parquet"
    assert main(["batch", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == f"error: DIR {tmp_path / 'nowhere'}: not a folder"


def test_a_bad_placements_file_is_named_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "placements.csv").write_text("device,sensor\nbei,neck\n", encoding="utf-8")
    out = tmp_path / "f.parquet"
    assert main(["batch", str(tmp_path), "--out", str(out), "--workers", "1"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {tmp_path / 'placements.csv'} line 2: sensor 'neck' is not lumbar or sacrum"
    )
    assert not out.exists()
