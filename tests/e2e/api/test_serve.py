"""`spinecoach serve` on a new clinic: it migrates, prints a generated admin password once, serves."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "SPINECOACH_DATA_DIR": str(data_dir)}
    env.pop("SPINECOACH_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "spinecoach.cli", "serve", "--port", str(port),
         "--review-every", "0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait(process: subprocess.Popen[str], base: str) -> str:
    """The server's stderr up to the moment it answers."""
    lines = []
    assert process.stderr is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        lines.append(line)
        if "Uvicorn running" in line or "Application startup complete" in line:
            break
        assert process.poll() is None, "".join(lines)
    for _ in range(100):
        try:
            httpx.get(f"{base}/api/auth/me", timeout=2)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return "".join(lines)


@pytest.mark.slow
def test_first_start_creates_an_admin_with_a_password_shown_once(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start(tmp_path, port)
    try:
        output = _wait(process, base)
        found = re.search(r"created admin 'admin' with password (\S+)", output)
        assert found, output
        password = found.group(1)
        assert (tmp_path / "spinecoach.db").exists()
        assert httpx.get(f"{base}/api/auth/me").status_code == 401
        wrong = httpx.post(
            f"{base}/api/auth/login", json={"username": "admin", "password": "admin"}
        )
        assert wrong.status_code == 401
        ok = httpx.post(f"{base}/api/auth/login", json={"username": "admin", "password": password})
        assert ok.status_code == 200, ok.text
    finally:
        process.terminate()
        process.wait(timeout=30)
    # a second start finds the admin and shows no password
    process = _start(tmp_path, port)
    try:
        output = _wait(process, base)
        assert "password" not in output
    finally:
        process.terminate()
        process.wait(timeout=30)
