"""Every command that writes a file: an unwritable destination is one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinecoach.cli import main


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rec") / "standing.csv"
    assert (
        main(
            [
                "simulate",
                "recording",
                "--scenario",
                "standing",
                "--seconds",
                "15",
                "--out",
                str(path),
            ]
        )
        == 0
    )
    return path


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["simulate", "course", "--weeks", "1", "--out", "{bad}/c.json"], "--out"),
        (["catalogue", "show", "bird_dog", "--svg-out", "{bad}/a.svg"], "--svg-out"),
        (
            [
                "simulate",
                "recording",
                "--scenario",
                "standing",
                "--seconds",
                "15",
                "--out",
                "{bad}/r.parquet",
            ],
            "--out",
        ),
        (["sensors", "analyze", "{rec}", "--angles-out", "{bad}/a.csv"], "--angles-out"),
        (["sensors", "orient", "{rec}", "--sensor", "lumbar", "--out", "{bad}/o.csv"], "--out"),
    ],
)
def test_unwritable_output_is_one_line_exit_2(
    args: list[str],
    option: str,
    recording: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    filled = [a.format(bad=blocker, rec=recording) for a in args]
    capsys.readouterr()
    assert main(filled) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {option} {blocker}/")
    assert "cannot write" in err
    assert err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"]
