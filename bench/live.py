"""Live feedback under load: many simulated gateways (two sensors at 100 Hz each) against one
server process, feedback latency (samples received to feedback sent to the patient's page).

Run as a script: ``python bench/live.py [--devices 25,50,100,150,200,250] [--seconds 15]
[--block-s 0.25] [--client-procs 2] [--pin] [--json PATH]``. Loopback only:

- the server: the live router under uvicorn, ONE process (``--pin`` puts it on CPU 0), with
  bench-only routes that hand over the latencies it measured (``on_sent``: from the moment a
  frame was received to the moment each feedback message it caused was written to a page's SSE
  stream), its process CPU time and the CPU time spent in each stage of the per-frame path
  (thread CPU time around decode, the live session, the monitor, the journal, the read-out and
  feedback; the rest of the process's CPU is the transport: event loop, WebSocket and HTTP
  framing, SSE writes);
- the clients: ``--client-procs`` processes of their own (on CPU 1 with ``--pin``), so the load
  generator's CPU is not counted as the server's: per simulated patient, a gateway WebSocket
  sending a frame every ``block_s`` seconds in real time (0.25 s by default, what ``simulate
  device`` and the gateway send) and a page reading its SSE feedback; each gateway offers
  permessage-deflate as ``simulate device`` does (the live servers decline it) and times
  frame -> ack round trips (which include any queueing before the server reads a frame);
- this script, which steps through the device counts, reads the server's figures at the start
  and end of each measured window (and how late its event loop ran a 50 ms timer: its own
  backlog, or its core taken by other processes), and prints the curve.

Each device streams a synthetic working-day recording in real time; devices connect spread over
30 s. Latencies are taken over ``--seconds`` once every device is past its calibration (the
monitor's first 26 s, analysed in one go when the forward-bend wait ends) and 10 s more. A
level is held when server p99 and ack p99 are both under 100 ms and no device failed. Every loop
is bounded in count and time and stops by itself. The server's CPU per frame gives the limit
that no tuning of the network side can pass: one Python process runs its event loop and the
monitors on one core, so ``1 / (CPU per frame x frames per second per device)`` devices fill it.
The peer is the monitor alone: ``LumbarMonitor.feed`` (and its read-out) on the same blocks in
one process, no network, no JSON, no file: what the live layer adds on top of the analysis.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

CALIBRATION_S = 26.0
"""The monitor's first results wait for 5 s of standing and up to 20 s for a forward bend."""
RAMP_S = 30.0
"""Devices connect spread over this long: their first analysis (26 s at once) is a CPU spike."""
SETTLE_S = 10.0
"""After the last device's first analysis, time for the server to catch up before measuring."""
TARGET_P99_MS = 100.0
STAGES = ("decode", "checks", "journal", "monitor", "feedback", "state", "transport")
"""Where the server's CPU per frame goes (see :func:`_breakdown`)."""


# --- server process ---


def _instrument(spent: dict[str, float]) -> None:
    """Add the thread CPU time of each stage of the per-frame path to ``spent`` (bench only)."""
    from spinecoach.live import service, session
    from spinecoach.live.journal import RecordingJournal
    from spinecoach.live.reading import MonitorReader
    from spinecoach.sensors.monitor import LumbarMonitor

    def timed(owner: Any, name: str, label: str) -> None:
        inner: Callable[..., Any] = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label] += time.thread_time() - start

        setattr(owner, name, wrapper)

    timed(service, "read_frame", "decode")
    timed(service.LiveService, "handle", "handle")
    timed(service.LiveService, "_end", "end")  # finishing on an end frame, inside handle
    timed(service.LiveService, "close", "finish")  # finishing a session (end, drop): per session
    timed(session.LiveSession, "receive", "receive")
    timed(session.LiveSession, "_feedback", "feedback")
    timed(LumbarMonitor, "feed", "monitor")
    timed(MonitorReader, "read", "reader")
    timed(RecordingJournal, "append", "journal")


def serve(port: int, data_dir: Path, token_file: Path, **options: Any) -> None:
    """The server process; ``options`` override :data:`UVICORN_OPTIONS` (comparisons)."""
    import uvicorn
    from starlette.responses import JSONResponse

    from spinecoach.live.app import UVICORN_OPTIONS, create_live_app

    latencies: list[float] = []
    spent: dict[str, float] = defaultdict(float)
    _instrument(spent)
    lags: list[float] = []
    app = create_live_app(data_dir, token_file, on_sent=latencies.append)

    async def watch() -> None:
        """How late the event loop runs a 50 ms timer: its stalls (CPU taken by others too)."""
        while True:
            due = time.perf_counter() + 0.05
            await asyncio.sleep(0.05)
            lags.append(time.perf_counter() - due)

    @app.get("/bench/stats")
    async def take() -> JSONResponse:  # the bench's own route, not part of the live router
        if not hasattr(app.state, "watch"):  # from the first call on
            app.state.watch = asyncio.get_running_loop().create_task(watch())
        out, lag = list(latencies), list(lags)
        latencies.clear()
        lags.clear()
        return JSONResponse(
            {
                "latency": out,
                "cpu_s": time.process_time(),
                "wall_s": time.monotonic(),
                "frames": app.state.live.frames_accepted,
                "sessions": len(app.state.live.sessions),
                "spent": dict(spent),
                "loop_lag": lag,
            }
        )

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="error",
        ws_max_size=2**21,
        ws_ping_interval=None,  # keep-alive pings would close a starved client's connections
        **(UVICORN_OPTIONS | options),
    )


# --- client processes ---


def _frames(block_s: float, seconds: float) -> tuple[str, list[str], list[float]]:
    from spinecoach.live.frames import gateway_frames, start_frame_for
    from spinecoach.simulate.recording import simulate_recording

    rec = simulate_recording("day", seconds=seconds, seed=7).recording
    frames = list(gateway_frames(rec, block_s, 100.0))
    return (
        json.dumps(start_frame_for(rec, 100.0)),
        [json.dumps(f) for f in frames],
        [f["t"][-1] for f in frames],
    )


async def _device(
    base: str,
    token: str,
    *,
    patient: str,
    start: str,
    frames: list[str],
    ends: list[float],
    at: float,
    stop_at: float,
    rtt: list[float],
    window: tuple[float, float],
) -> None:
    import httpx
    from websockets.asyncio.client import connect

    await asyncio.sleep(max(0.0, at - time.monotonic()))
    url = base.replace("http", "ws", 1) + "/live/ingest"
    sent: dict[int, float] = {}
    async with httpx.AsyncClient(timeout=None) as http:
        page = f"{base}/live/patients/{patient}/feedback?token={token}"
        async with (
            http.stream("GET", page) as feed,
            connect(
                url,
                additional_headers={"Authorization": f"Bearer {token}"},
                # compression offered as by the gateway (`simulate device`): the server decides
                ping_interval=None,  # the bench measures; keep-alive pings only add noise
                max_size=2**22,
            ) as ws,
        ):

            async def drain_page() -> None:
                with contextlib.suppress(httpx.HTTPError):  # the server ends it with the stream
                    async for _ in feed.aiter_raw():
                        pass

            async def read_acks() -> None:
                async for message in ws:
                    reply = json.loads(message)
                    sent_at = sent.pop(reply.get("seq", -1), None)
                    now = time.monotonic()
                    if sent_at is not None and window[0] <= now <= window[1]:
                        rtt.append(now - sent_at)

            page_task = asyncio.create_task(drain_page())
            await ws.send(start)
            await ws.recv()
            acks = asyncio.create_task(read_acks())
            t0 = time.monotonic()
            for seq, (frame, end) in enumerate(zip(frames, ends, strict=True)):
                wait = t0 + end - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if time.monotonic() > stop_at:
                    break
                sent[seq] = time.monotonic()
                await ws.send(frame)
            await ws.send('{"type": "end"}')
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(acks, 60)
            page_task.cancel()


async def _clients(
    base: str,
    tokens: list[str],
    *,
    first: int,
    total: int,
    t0: float,
    block_s: float,
    seconds: float,
) -> dict[str, Any]:
    warm = RAMP_S + CALIBRATION_S + SETTLE_S
    start, frames, ends = _frames(block_s, warm + seconds + 40)
    window = (t0 + warm, t0 + warm + seconds)
    rtt: list[float] = []
    tasks = [
        asyncio.create_task(
            _device(
                base,
                tok,
                patient=f"p{first + i}",
                start=start,
                frames=frames,
                ends=ends,
                at=t0 + RAMP_S * (first + i) / total,
                stop_at=window[1] + 1,
                rtt=rtt,
                window=window,
            )
        )
        for i, tok in enumerate(tokens)
    ]
    done = await asyncio.wait_for(
        asyncio.gather(*tasks, return_exceptions=True), warm + seconds + 150
    )
    errors = [repr(e) for e in done if isinstance(e, BaseException)]
    return {"rtt": rtt, "errors": errors[:3], "error_count": len(errors)}


def clients(
    base: str,
    token_file: Path,
    *,
    first: int,
    count: int,
    total: int,
    t0: float,
    out: Path,
    block_s: float,
    seconds: float,
) -> None:
    tokens = json.loads(token_file.with_suffix(".plain.json").read_text())[first : first + count]
    result = asyncio.run(
        _clients(base, tokens, first=first, total=total, t0=t0, block_s=block_s, seconds=seconds)
    )
    out.write_text(json.dumps(result))


# --- the driver ---


def _pin(cpu: int, pin: bool) -> list[str]:
    return (
        ["taskset", "-c", str(cpu)] if pin and (os.cpu_count() or 1) >= 2 and _has_taskset() else []
    )


def _has_taskset() -> bool:
    return subprocess.run(["which", "taskset"], capture_output=True, check=False).returncode == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        if proc.poll() is not None:
            raise SystemExit("the bench server stopped while starting")
        time.sleep(0.2)
    raise SystemExit("the bench server did not start in time")


def _peer(block_s: float, blocks: int = 1200) -> tuple[float, float, float]:
    """p50, p99 (ms, wall) and mean CPU ms of LumbarMonitor.feed + readout() on the same blocks."""
    from spinecoach.sensors.monitor import LumbarMonitor
    from spinecoach.simulate.recording import simulate_recording

    rec = simulate_recording("day", seconds=30 + blocks * block_s, seed=7).recording
    monitor = LumbarMonitor()
    step = round(block_s * 100)
    times, cpu = [], 0.0
    for k, a in enumerate(range(0, len(rec), step)):
        t0, c0 = time.perf_counter(), time.thread_time()
        monitor.feed(rec.slice(a, a + step))
        monitor.readout()
        if k * block_s > 30:
            times.append(time.perf_counter() - t0)
            cpu += time.thread_time() - c0
    p50, p99 = np.percentile(times, [50, 99]) * 1e3
    return float(p50), float(p99), cpu / len(times) * 1e3


def _in_process(block_s: float, seconds: float = 150.0, rounds: int = 3) -> dict[str, float]:
    """CPU ms per frame by stage of one live session fed decoded frames in this process (no
    network, no event loop): the per-frame path without transport, least of ``rounds`` runs
    over the frames after the monitor's first 40 s (its calibration is a one-off)."""
    from spinecoach.live import session
    from spinecoach.live.devices import DeviceGrant
    from spinecoach.live.frames import (
        SampleArrays,
        StartFrame,
        gateway_frames,
        read_frame,
        start_frame_for,
    )
    from spinecoach.live.journal import RecordingJournal
    from spinecoach.live.reading import MonitorReader
    from spinecoach.sensors.monitor import LumbarMonitor
    from spinecoach.simulate.recording import simulate_recording

    rec = simulate_recording("day", seconds=seconds, seed=7).recording
    start = read_frame(json.dumps(start_frame_for(rec, 100.0)))
    assert isinstance(start, StartFrame)

    def samples(raw: str) -> SampleArrays:
        frame = read_frame(raw)
        assert isinstance(frame, SampleArrays)
        return frame

    raws = [json.dumps(f) for f in gateway_frames(rec, block_s, 100.0)]
    warm = round(40.0 / block_s)
    spent: dict[str, float] = defaultdict(float)
    saved = {
        (owner, name): getattr(owner, name)
        for owner, name in (
            (session.LiveSession, "receive"),
            (session.LiveSession, "_feedback"),
            (LumbarMonitor, "feed"),
            (MonitorReader, "read"),
            (RecordingJournal, "append"),
        )
    }
    labels = ("receive", "feedback", "monitor", "reader", "journal")
    for ((owner, name), inner), label in zip(saved.items(), labels, strict=True):

        def wrapper(*args: Any, _inner: Any = inner, _label: str = label, **kw: Any) -> Any:
            t0 = time.thread_time()
            try:
                return _inner(*args, **kw)
            finally:
                spent[_label] += time.thread_time() - t0

        setattr(owner, name, wrapper)
    best: dict[str, float] | None = None
    try:
        for _ in range(rounds):
            with tempfile.TemporaryDirectory() as tmp:
                grant = DeviceGrant("p0", "dev0", frozenset({"stream"}))
                live = session.LiveSession(grant, start, Path(tmp))
                for raw in raws[:warm]:
                    live.receive(samples(raw))
                spent.clear()
                c0 = time.thread_time()
                for raw in raws[warm:]:
                    t0 = time.thread_time()
                    frame = samples(raw)
                    spent["decode"] += time.thread_time() - t0
                    live.receive(frame)
                    json.dumps(live.state())
                total = time.thread_time() - c0
                live.finish("end")
            inner = spent["monitor"] + spent["journal"] + spent["reader"] + spent["feedback"]
            parts = {
                "decode": spent["decode"],
                "checks": spent["receive"] - inner,
                "journal": spent["journal"],
                "monitor": spent["monitor"],
                "feedback": spent["reader"] + spent["feedback"],
                "state": total - spent["receive"] - spent["decode"],
            }
            n = len(raws) - warm
            row = {k: v / n * 1e3 for k, v in parts.items()}
            if best is None or sum(row.values()) < sum(best.values()):
                best = row
    finally:
        for (owner, name), inner in saved.items():
            setattr(owner, name, inner)
    assert best is not None
    return best


def _wait_idle(base: str, timeout_s: float) -> None:
    """Until the server has finished every session and taken no frame for 2 s (bounded): the
    next level must not pay for the backlog of this one."""
    import httpx

    deadline = time.monotonic() + timeout_s
    last = -1
    with httpx.Client(timeout=60) as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                stats = http.get(f"{base}/bench/stats").json()
                if stats["sessions"] == 0 and stats["frames"] == last:
                    return
                last = stats["frames"]
            time.sleep(2.0)


def _breakdown(before: dict[str, Any], after: dict[str, Any], frames: int) -> dict[str, float]:
    """CPU ms per frame by stage; the stages add up to the process's CPU per frame.

    decode: JSON to arrays; checks: the stream's and the recording validator's checks of the
    block (the rest of ``LiveSession.receive``); journal: the durable append; monitor:
    ``LumbarMonitor.feed``; feedback: read-out and feedback rules; state: the state message and
    publishing to the pages (the rest of ``LiveService.handle``); transport: everything else in
    the process (event loop, WebSocket and HTTP framing, SSE writes, acks, token checks).
    Finishing sessions (Parquet, final analysis) is a cost per session and is left out.
    """
    d = defaultdict(
        float, {k: after["spent"].get(k, 0.0) - before["spent"].get(k, 0.0) for k in after["spent"]}
    )
    cpu = after["cpu_s"] - before["cpu_s"] - d["finish"]
    inner = d["monitor"] + d["journal"] + d["reader"] + d["feedback"]
    parts = {
        "decode": d["decode"],
        "checks": d["receive"] - inner,
        "journal": d["journal"],
        "monitor": d["monitor"],
        "feedback": d["reader"] + d["feedback"],
        "state": d["handle"] - d["end"] - d["receive"] - d["decode"],
        "transport": cpu - (d["handle"] - d["end"]),
    }
    return {k: v / max(frames, 1) * 1e3 for k, v in parts.items()}


def _level(
    args: argparse.Namespace, base: str, token_file: Path, n: int, tmpdir: Path
) -> dict[str, Any]:
    """Run ``n`` devices once; the server's and the clients' figures for the measured window."""
    import httpx

    procs = max(1, min(args.client_procs, n))
    t0 = time.monotonic() + 3.0  # every client process has started by then
    warm = RAMP_S + CALIBRATION_S + SETTLE_S
    window = (t0 + warm, t0 + warm + args.seconds)
    outs, running = [], []
    for k in range(procs):
        first, last = n * k // procs, n * (k + 1) // procs
        out = tmpdir / f"clients-{n}-{k}.json"
        out.unlink(missing_ok=True)
        outs.append(out)
        cmd = [*_pin(1, args.pin), sys.executable, __file__, "--clients", base, str(token_file)]
        cmd += [str(first), str(last - first), str(n), repr(t0), str(out)]
        cmd += ["--block-s", str(args.block_s), "--seconds", str(args.seconds)]
        running.append(subprocess.Popen(cmd))
    load0 = os.getloadavg()[0]
    try:
        with httpx.Client(timeout=120) as http:
            time.sleep(max(0.0, window[0] - time.monotonic()))
            before = http.get(f"{base}/bench/stats").json()  # drops the warm-up's latencies
            time.sleep(max(0.0, window[1] - time.monotonic()))
            after = http.get(f"{base}/bench/stats").json()
    except httpx.HTTPError as exc:  # a server too far behind to answer its own stats
        for proc in running:
            proc.wait(timeout=args.seconds + 300)
        return {"failed": f"server did not answer ({type(exc).__name__})"}
    load1 = os.getloadavg()[0]
    rtt: list[float] = []
    errors: list[str] = []
    error_count = 0
    for proc, out in zip(running, outs, strict=True):
        try:
            proc.wait(timeout=args.seconds + 300)
        except subprocess.TimeoutExpired:
            proc.kill()
        if out.is_file():
            result = json.loads(out.read_text())
            rtt += result["rtt"]
            errors += result["errors"]
            error_count += result["error_count"]
        else:
            error_count += 1
            errors.append(f"client process exit code {proc.returncode}")
    frames = after["frames"] - before["frames"]
    finish = after["spent"].get("finish", 0.0) - before["spent"].get("finish", 0.0)
    cpu = after["cpu_s"] - before["cpu_s"]
    wall = after["wall_s"] - before["wall_s"]
    _wait_idle(base, timeout_s=300)
    return {
        "latency_ms": np.asarray(after["latency"]) * 1e3,
        "rtt_ms": np.asarray(rtt) * 1e3,
        "frames": frames,
        "expected_frames": n * args.seconds / args.block_s,
        "cpu_share": cpu / wall if wall > 0 else float("nan"),
        "cpu_per_frame_ms": (cpu - finish) / max(frames, 1) * 1e3,
        "finish_s": finish,
        "stages": _breakdown(before, after, frames),
        "errors": errors[:3],
        "error_count": error_count,
        "load": (load0, load1),
        "loop_lag_ms": np.asarray(after["loop_lag"]) * 1e3,
    }


def _row(
    case: str, ours: float, unit: str, note: str, peer: tuple[str, float] | None = None
) -> dict[str, Any]:
    return {
        "bench": "live",
        "case": case,
        "ours": round(ours, 3),
        "unit": unit,
        "peer_name": peer[0] if peer else None,
        "peer": round(peer[1], 3) if peer else None,
        "ratio": round(ours / peer[1], 2) if peer and peer[1] else None,
        "note": note,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", default="25,50,100,150,200,250")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured window per level")
    parser.add_argument("--block-s", type=float, default=0.25, help="seconds of samples per frame")
    parser.add_argument("--client-procs", type=int, default=2, help="client processes")
    parser.add_argument("--pin", action="store_true", help="server on CPU 0, clients on CPU 1")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--stages-only",
        action="store_true",
        help="only the in-process CPU per frame by stage (no server, no network)",
    )
    parser.add_argument(
        "--serve", nargs=3, metavar=("PORT", "DATA", "TOKENS"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--clients",
        nargs=7,
        metavar=("BASE", "TOKENS", "FIRST", "COUNT", "TOTAL", "T0", "OUT"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), Path(args.serve[1]), Path(args.serve[2]))
        return
    if args.clients:
        base, tokens, first, count, total, t0, out = args.clients
        clients(
            base,
            Path(tokens),
            first=int(first),
            count=int(count),
            total=int(total),
            t0=float(t0),
            out=Path(out),
            block_s=args.block_s,
            seconds=args.seconds,
        )
        return

    from spinecoach.live.devices import add_token

    levels = [int(x) for x in args.devices.split(",")]
    per_s = 1.0 / args.block_s
    alone = _in_process(args.block_s)
    cost_alone = sum(alone.values())
    print(
        f"in process, no network: {cost_alone:.3f} ms CPU a frame = "
        + " + ".join(f"{k} {v:.3f}" for k, v in alone.items())
        + f"; {1000.0 / (cost_alone * per_s):.0f} devices would fill a core before transport"
    )
    in_process_rows = [
        _row(
            f"in-process CPU per frame: {k}",
            v,
            "ms",
            "one live session fed decoded frames in one process, least of 3 runs (no transport)",
        )
        for k, v in alone.items()
    ]
    if args.stages_only:
        if args.json:
            args.json.write_text(json.dumps(in_process_rows, indent=1))
        return
    peer50, peer99, peer_cpu = _peer(args.block_s)
    peer_name = "LumbarMonitor.feed + readout alone (in-process, same blocks)"
    print(
        f"peer: LumbarMonitor.feed + readout alone, {args.block_s:g} s blocks: p50 {peer50:.2f} ms, "
        f"p99 {peer99:.2f} ms, CPU {peer_cpu:.2f} ms per block"
    )
    rows: list[dict[str, Any]] = list(in_process_rows)
    results: dict[int, dict[str, Any]] = {}
    held = 0
    note = (
        f"{args.block_s:g} s frames (2 sensors at 100 Hz), one server process, "
        f"{os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        token_file = tmpdir / "tokens.json"
        plain = [add_token(token_file, f"p{i}", f"dev{i}") for i in range(max(levels))]
        token_file.with_suffix(".plain.json").write_text(json.dumps(plain))
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        cmd = [*_pin(0, args.pin), sys.executable, __file__, "--serve", str(port)]
        server = subprocess.Popen([*cmd, str(tmpdir / "data"), str(token_file)])
        try:
            _wait_port(port, server)
            print(
                f"{'devices':>7} {'p50 ms':>8} {'p99 ms':>8} {'ack p50':>8} {'ack p99':>8} "
                f"{'frames/s':>8} {'CPU %':>6} {'CPU ms/frame':>12}  load"
            )
            for n in levels:
                r = _level(args, base, token_file, n, tmpdir)
                if "failed" in r:
                    print(f"{n:>7} {r['failed']}: the server cannot keep up; stopping here")
                    break
                results[n] = r
                lat, rtt = r["latency_ms"], r["rtt_ms"]
                if len(lat) == 0 or len(rtt) == 0:
                    print(f"{n:>7} no feedback measured; errors: {r['errors']}")
                    continue
                p50, p99 = (float(x) for x in np.percentile(lat, [50, 99]))
                a50, a99 = (float(x) for x in np.percentile(rtt, [50, 99]))
                r |= {"p50": p50, "p99": p99, "a50": a50, "a99": a99}
                rate = r["frames"] / args.seconds
                print(
                    f"{n:>7} {p50:>8.1f} {p99:>8.1f} {a50:>8.1f} {a99:>8.1f} {rate:>8.0f} "
                    f"{100 * r['cpu_share']:>6.0f} {r['cpu_per_frame_ms']:>12.2f}  "
                    f"{r['load'][0]:.1f}-{r['load'][1]:.1f}"
                    + (
                        f"  ({r['error_count']} device errors: {r['errors'][:1]})"
                        if r["error_count"]
                        else ""
                    )
                )
                lag = r["loop_lag_ms"]
                if len(lag):
                    lag50, lag99 = (float(x) for x in np.percentile(lag, [50, 99]))
                    r |= {"lag50": lag50, "lag99": lag99}
                    print(
                        f"{'':>7} event loop lag (a 50 ms timer's lateness) p50 {lag50:.1f} ms, "
                        f"p99 {lag99:.1f} ms, max {lag.max():.0f} ms"
                    )
                ok = p99 < TARGET_P99_MS and a99 < TARGET_P99_MS and not r["error_count"]
                kept_up = r["frames"] >= 0.95 * r["expected_frames"]
                if ok and kept_up:
                    held = max(held, n)
                level_note = f"{note}; load average {r['load'][0]:.1f}-{r['load'][1]:.1f}"
                rows += [
                    _row(
                        f"{n} devices: feedback latency p50 (received to sent)",
                        p50,
                        "ms",
                        level_note,
                        (peer_name, peer50),
                    ),
                    _row(
                        f"{n} devices: feedback latency p99 (received to sent)",
                        p99,
                        "ms",
                        level_note,
                        (peer_name, peer99),
                    ),
                    _row(
                        f"{n} devices: server CPU per frame (whole path)",
                        r["cpu_per_frame_ms"],
                        "ms",
                        "process CPU time over frames kept: less sensitive to other load",
                        ("LumbarMonitor.feed + readout alone, CPU per block", peer_cpu),
                    ),
                    _row(
                        f"{n} devices: gateway frame-to-ack round trip p99",
                        a99,
                        "ms",
                        "measured by the clients; includes queueing before the server reads a frame",
                    ),
                    _row(
                        f"{n} devices: server CPU use (share of one core)",
                        100 * r["cpu_share"],
                        "%",
                        "process CPU time over the measured window's wall time",
                    ),
                ]
                if "lag99" in r:
                    rows.append(
                        _row(
                            f"{n} devices: event loop lag p99",
                            r["lag99"],
                            "ms",
                            "how late the server runs a 50 ms timer: its backlog, or CPU taken "
                            "by other processes",
                        )
                    )
                if r["frames"] < 0.5 * r["expected_frames"]:
                    print(f"{n:>7} handled under half the frames sent: stopping here")
                    break
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
    rows.append(
        _row(
            f"devices held with p99 < {TARGET_P99_MS:g} ms (of {args.devices})",
            float(held),
            "devices",
            "server p99 and ack p99 both under 100 ms, no device failed, every frame handled in time; target at least 200",
        )
    )
    print(f"held with p99 < {TARGET_P99_MS:g} ms (server and ack): {held} devices")
    measured = [r for r in results.values() if r["frames"] > 0]
    if measured:
        frames = sum(r["frames"] for r in measured)
        stages = {s: sum(r["stages"][s] * r["frames"] for r in measured) / frames for s in STAGES}
        cost = sum(stages.values())
        full = 1000.0 / (cost * per_s)
        print(
            f"server CPU per frame, all levels: {cost:.2f} ms = "
            + " + ".join(f"{s} {stages[s]:.2f}" for s in STAGES)
        )
        print(
            f"CPU limit of one server process: {full:.0f} devices sending {args.block_s:g} s frames "
            f"fill one core ({per_s * cost:.1f} ms of CPU per device-second); the monitor alone is "
            f"{stages['monitor']:.2f} ms a frame ({1000.0 / (stages['monitor'] * per_s):.0f} devices)"
        )
        for s in STAGES:
            rows.append(
                _row(
                    f"server CPU per frame: {s}",
                    stages[s],
                    "ms",
                    "thread CPU time by stage, all levels (see bench/live.py _breakdown)",
                )
            )
        rows.append(
            _row(
                f"devices one server process can carry at 100 % of a core ({args.block_s:g} s frames)",
                full,
                "devices",
                "from measured CPU per frame: the ceiling no latency tuning passes; p99 < 100 ms needs headroom below it",
            )
        )
        rows.append(
            _row(
                f"devices per core at 50 % load, from CPU per frame ({args.block_s:g} s frames)",
                full / 2,
                "devices",
                "an estimate from measured CPU time, not a latency measurement",
            )
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
