"""A sensor gateway in software: replays a recording over the live WebSocket, as a phone would.

Frames of ``block_s`` seconds are sent when their last sample would have been measured, divided
by ``speed`` (0: as fast as the server answers); each frame waits for its ``ack`` or ``refused``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI
from websockets.sync.client import connect

from spinecoach.errors import InputError
from spinecoach.live.frames import gateway_frames, start_frame_for
from spinecoach.sensors.recording import Recording

__all__ = ["GatewayReport", "replay"]


@dataclass
class GatewayReport:
    """What the server said: session id, frames acknowledged and refused, and the end summary."""

    session: str | None = None
    acked: int = 0
    samples_kept: int = 0
    refused: list[str] = field(default_factory=list)
    ended: dict[str, Any] | None = None
    closed: str | None = None


def replay(
    rec: Recording,
    url: str,
    token: str,
    *,
    rate_hz: float,
    speed: float = 1.0,
    block_s: float = 0.25,
    start: dict[str, Any] | None = None,
    stop_after_s: float | None = None,
) -> GatewayReport:
    """Stream ``rec`` to ``url``; ``stop_after_s`` drops the connection after that much data."""
    report = GatewayReport()
    headers = {"Authorization": f"Bearer {token}"}
    try:
        ws = connect(url, additional_headers=headers, open_timeout=10, max_size=2**22)
    except (OSError, InvalidURI, InvalidStatus) as exc:
        raise InputError(f"--url {url}: cannot connect ({exc})") from None
    with ws:
        ws.send(json.dumps(start_frame_for(rec, rate_hz, **(start or {}))))
        first = json.loads(ws.recv(timeout=30))
        if first.get("type") != "started":
            raise InputError(f"the server refused the stream: {first.get('reason')}")
        report.session = first["session"]
        t0 = time.monotonic()
        try:
            for frame in gateway_frames(rec, block_s, rate_hz):
                stream_t = frame["t"][-1] - float(rec.t[0])
                if stop_after_s is not None and stream_t > stop_after_s:
                    return report  # leaving the block drops the connection without an end frame
                if speed > 0:
                    delay = t0 + stream_t / speed - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                ws.send(json.dumps(frame))
                _read_reply(ws, report)
            ws.send(json.dumps({"type": "end"}))
            reply = json.loads(ws.recv(timeout=120))
            report.ended = reply if reply.get("type") == "ended" else None
        except ConnectionClosed as exc:
            report.closed = exc.rcvd.reason if exc.rcvd else "connection closed"
    return report


def _read_reply(ws: Any, report: GatewayReport) -> None:
    reply = json.loads(ws.recv(timeout=60))
    kind = reply.get("type")
    if kind == "ack":
        report.acked += 1
        report.samples_kept = int(reply["samples"])
    elif kind == "refused":
        report.refused.append(str(reply.get("reason")))
    elif kind == "closing":
        report.closed = str(reply.get("reason"))
