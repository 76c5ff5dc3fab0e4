"""`spinecoach live serve|pair|revoke` and `spinecoach simulate device` as a user runs them,
and a server killed mid-stream that finishes the recording when it starts again."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from websockets.sync.client import connect

from spinecoach.cli import main
from spinecoach.live.frames import gateway_frames, start_frame_for
from spinecoach.sensors.files import read_recording, write_recording
from spinecoach.simulate.recording import simulate_recording

BIN = Path(sys.executable).with_name("spinecoach")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, timeout=300, check=False
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serve(data: Path, tokens: Path, port: int) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [
            str(BIN),
            "live",
            "serve",
            "--data-dir",
            str(data),
            "--token-file",
            str(tokens),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.2)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _finished(data: Path, count: int, timeout_s: float = 60) -> list[dict]:  # type: ignore[type-arg]
    path = data / "finished.jsonl"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            lines = [json.loads(x) for x in path.read_text().splitlines()]
            if len(lines) >= count:
                return lines
        time.sleep(0.2)
    raise AssertionError(f"{path}: fewer than {count} finished recordings")


@pytest.mark.slow
def test_serve_pair_replay_revoke(tmp_path: Path) -> None:
    tokens, data = tmp_path / "tokens.json", tmp_path / "data"
    paired = _run(
        "live",
        "pair",
        "--token-file",
        str(tokens),
        "--patient",
        "p1",
        "--device",
        "phone",
        "--json",
    )
    assert paired.returncode == 0, paired.stderr
    token = json.loads(paired.stdout)["token"]
    rec = tmp_path / "bends.parquet"
    write_recording(simulate_recording("forward-bends", seed=3).recording, rec)
    port = _free_port()
    url = f"ws://127.0.0.1:{port}/live/ingest"
    with _serve(data, tokens, port):
        done = _run(
            "simulate", "device", str(rec), "--url", url, "--token", token, "--speed", "0", "--json"
        )
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["samples_kept"] == 5300
        assert out["ended"]["reps"] == 8
        (line,) = _finished(data, 1)
        assert line["patient"] == "p1"
        assert line["ending"] == "end"
        revoked = _run("live", "revoke", "--token-file", str(tokens), "--device", "phone", "--json")
        assert revoked.returncode == 0
        time.sleep(0.05)
        again = _run("simulate", "device", str(rec), "--url", url, "--token", token, "--speed", "0")
        assert again.returncode == 2
        assert (
            again.stderr.strip()
            == "error: the server refused the stream: token: missing, unknown or revoked"
        )
    report = json.loads(
        Path(line["recording"]).with_name(f"{line['session']}.analysis.json").read_text()
    )
    assert report["analysis"]["reps"]["rep_count"] == 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "simulate",
                "device",
                "missing.csv",
                "--url",
                "ws://127.0.0.1:9/live/ingest",
                "--token",
                "t",
            ],
            "missing.csv: file not found",
        ),
        (
            ["simulate", "device", "REC", "--url", "ws://127.0.0.1:9/live/ingest", "--token", "t"],
            "--url ws://127.0.0.1:9/live/ingest: cannot connect",
        ),
        (
            ["simulate", "device", "REC", "--url", "http://x", "--token", "t", "--speed", "-1"],
            "--speed -1.0: must be 0 or more",
        ),
        (
            ["live", "serve", "--data-dir", "d", "--token-file", "none.json"],
            "none.json: token file not found",
        ),
        (["live", "revoke", "--token-file", "none.json", "--device", "x"], "none.json"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    rec = tmp_path / "rec.csv"
    write_recording(simulate_recording("standing", seconds=12).recording, rec)
    monkeypatch.chdir(tmp_path)
    assert main([str(rec) if a == "REC" else a for a in args]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert message in lines[0]


@pytest.mark.slow
def test_a_killed_server_loses_no_acknowledged_sample(tmp_path: Path) -> None:
    tokens, data = tmp_path / "tokens.json", tmp_path / "data"
    token = _run(
        "live",
        "pair",
        "--token-file",
        str(tokens),
        "--patient",
        "p1",
        "--device",
        "phone",
        "--text",
    ).stdout.strip()
    syn = simulate_recording("forward-bends", seed=3)
    port = _free_port()
    url = f"ws://127.0.0.1:{port}/live/ingest"
    headers = {"Authorization": f"Bearer {token}"}
    with _serve(data, tokens, port) as proc, connect(url, additional_headers=headers) as ws:
        ws.send(json.dumps(start_frame_for(syn.recording, 100.0)))
        ws.recv(timeout=30)
        acked = 0
        for frame in list(gateway_frames(syn.recording, 0.5, 100.0))[:60]:
            ws.send(json.dumps(frame))
            acked = json.loads(ws.recv(timeout=30))["samples"]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    assert not (data / "finished.jsonl").exists()
    with _serve(data, tokens, port):  # starting again finishes what the killed one left
        (line,) = _finished(data, 1)
    assert line["ending"] == "recovered"
    assert line["samples"] == acked == 3000
    saved = read_recording(line["recording"])
    assert (saved.t == syn.recording.t[:3000]).all()
