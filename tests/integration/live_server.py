"""A real uvicorn server on 127.0.0.1 running the live router, for the live integration tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from spinecoach.live.devices import MemoryDeviceAuthority
from spinecoach.live.service import LiveService
from spinecoach.live.session import FinishedRecording, MemoryRecordingSink
from spinecoach.live.websocket import make_live_router


@dataclass
class Live:
    base: str
    authority: MemoryDeviceAuthority
    sink: MemoryRecordingSink
    service: LiveService

    @property
    def ingest(self) -> str:
        return self.base.replace("http", "ws", 1) + "/live/ingest"

    def wait_finished(self, count: int = 1, timeout_s: float = 30.0) -> list[FinishedRecording]:
        """The sink's recordings once ``count`` have arrived (a drop is noticed asynchronously)."""
        deadline = time.monotonic() + timeout_s
        while len(self.sink.finished) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.sink.finished)


@contextmanager
def live_server(data_dir: Path, recheck_s: float = 5.0) -> Iterator[Live]:
    authority = MemoryDeviceAuthority()
    sink = MemoryRecordingSink()
    router = make_live_router(authority, sink, data_dir)
    router.service.recheck_s = recheck_s
    app = FastAPI()
    app.include_router(router)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Live(f"http://127.0.0.1:{port}", authority, sink, router.service)
    finally:
        server.should_exit = True
        thread.join(15)


@dataclass
class FeedbackListener:
    """Reads a patient's SSE feedback stream in a thread until ``stop_on`` or a time limit."""

    url: str
    stop_on: str = "status"
    last_event_id: int | None = None
    events: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    connected: threading.Event = field(default_factory=threading.Event)
    max_events: int | None = None

    def run(self, timeout_s: float = 120.0) -> threading.Thread:
        thread = threading.Thread(target=self._read, args=(timeout_s,), daemon=True)
        thread.start()
        assert self.connected.wait(30), "feedback stream did not connect"
        return thread

    def _read(self, timeout_s: float) -> None:
        headers = {"Last-Event-ID": str(self.last_event_id)} if self.last_event_id else {}
        deadline = time.monotonic() + timeout_s
        with httpx.stream("GET", self.url, headers=headers, timeout=timeout_s) as response:
            assert response.status_code == 200, response.status_code
            self.connected.set()
            seq, event = 0, ""
            for line in response.iter_lines():
                if line.startswith("id: "):
                    seq = int(line[4:])
                elif line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    self.events.append((seq, event, json.loads(line[6:])))
                    if event == self.stop_on:
                        return
                    if self.max_events is not None and len(self.events) >= self.max_events:
                        return
                if time.monotonic() > deadline:
                    return
