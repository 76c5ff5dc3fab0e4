"""One run at a time per output: a second `spinecoach batch` on the same output stops with one
line (exit 2) while the first runs, and a killed first run leaves no stale lock behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from spinecoach.batch.results import OutputBusyError, OutputLock
from spinecoach.cli import main

HOLD = """
import sys
from pathlib import Path
from spinecoach.batch.results import OutputLock
with OutputLock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock of ``tmp_path / 'f.parquet'`` until killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "f.parquet")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()


def test_a_second_run_on_the_same_output_is_refused(
    tmp_path: Path, holder: subprocess.Popen[str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "f.parquet"
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    assert main(["batch", str(cohort), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: --out {out}: another run is writing it (pid {holder.pid} on ")
    assert "\n" not in err
    assert not out.exists()


def test_a_killed_run_leaves_no_stale_lock(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    out = tmp_path / "f.parquet"
    with pytest.raises(OutputBusyError):
        OutputLock(out).__enter__()
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with OutputLock(out):
        with OutputLock(out):  # the same process may enter again (command, then run)
            pass
        with pytest.raises(OutputBusyError):  # the lock is still held until the outer exit
            _lock_elsewhere(out)
    _lock_elsewhere(out, expect_free=True)


def _lock_elsewhere(out: Path, *, expect_free: bool = False) -> None:
    """Try the lock from another process; raise OutputBusyError when it is held."""
    probe = (
        "import sys; from pathlib import Path; from spinecoach.batch.results import OutputLock\n"
        "try:\n    OutputLock(Path(sys.argv[1])).__enter__()\n"
        "except Exception as exc:\n    print(exc); sys.exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(out)], capture_output=True, text=True, check=False
    )
    if done.returncode == 3:
        assert not expect_free, done.stdout
        raise OutputBusyError(done.stdout.strip())
    assert done.returncode == 0, done.stderr


def test_different_outputs_do_not_block_each_other(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    _lock_elsewhere(tmp_path / "other.parquet", expect_free=True)
