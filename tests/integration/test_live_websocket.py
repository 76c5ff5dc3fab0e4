"""The live router on a real uvicorn server with real WebSocket and SSE clients."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from tests.serving import served
from tests.unit.live.streams import assert_same
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from spinecoach.live.app import UVICORN_OPTIONS
from spinecoach.live.devices import MemoryDeviceAuthority
from spinecoach.live.frames import gateway_frames, start_frame_for
from spinecoach.live.gateway import replay
from spinecoach.live.service import LiveService
from spinecoach.live.session import FinishedRecording, MemoryRecordingSink
from spinecoach.live.websocket import make_live_router
from spinecoach.sensors.files import read_recording
from spinecoach.sensors.monitor import analyze
from spinecoach.simulate.recording import SyntheticRecording, simulate_recording


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
def live_server(
    data_dir: Path, recheck_s: float = 5.0, authority: MemoryDeviceAuthority | None = None
) -> Iterator[Live]:
    authority = authority or MemoryDeviceAuthority()
    sink = MemoryRecordingSink()
    router = make_live_router(authority, sink, data_dir)
    router.service.recheck_s = recheck_s
    app = FastAPI()
    app.include_router(router)
    with served(app, **UVICORN_OPTIONS) as url:
        yield Live(url, authority, sink, router.service)


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


def test_the_live_server_does_not_compress_frames(tmp_path: Path) -> None:
    """The gateway's client offers permessage-deflate; the live server declines it (every frame
    would be inflated and every answer deflated on the event loop). uvicorn's automatic choice
    is the compiled event loop and HTTP parser, which are dependencies."""
    from uvicorn.loops.auto import auto_loop_factory
    from uvicorn.protocols.http.auto import AutoHTTPProtocol
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    assert AutoHTTPProtocol is HttpToolsProtocol
    if sys.platform != "win32":  # uvloop is a dependency where it builds
        assert "uvloop" in auto_loop_factory().__module__
    with live_server(tmp_path) as live:
        token = live.authority.issue("p1", "phone1")
        with connect(live.ingest, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            assert ws.request is not None
            assert ws.response is not None
            assert "permessage-deflate" in ws.request.headers.get("Sec-WebSocket-Extensions", "")
            assert ws.response.headers.get("Sec-WebSocket-Extensions") is None


@pytest.fixture(scope="module")
def bends() -> SyntheticRecording:
    return simulate_recording("forward-bends", seed=3)


def test_a_streamed_recording_is_saved_and_analysed_like_an_upload(
    tmp_path: Path, bends: SyntheticRecording
) -> None:
    with live_server(tmp_path) as live:
        token = live.authority.issue("p1", "phone")
        feedback = FeedbackListener(f"{live.base}/live/patients/p1/feedback?token={token}")
        thread = feedback.run()
        exercise = {"exercise": {"kind": "reps", "axis": "flexion", "direction": "flexion"}}
        report = replay(bends.recording, live.ingest, token, rate_hz=100.0, speed=0, start=exercise)
        thread.join(60)
        (done,) = live.wait_finished()
    assert report.refused == []
    assert report.ended is not None
    assert report.ended["samples"] == len(bends.recording) == done.samples
    assert done.ending == "end"
    assert done.patient_id == "p1"
    saved = read_recording(done.path)
    np.testing.assert_array_equal(saved.t, bends.recording.t)
    assert done.analysis is not None
    assert_same(done.analysis.model_dump(), analyze(saved).model_dump())
    assert_same(done.analysis.model_dump(), analyze(bends.recording).model_dump())
    reps = [data["value"] for _, kind, data in feedback.events if kind == "rep"]
    assert reps == [float(i) for i in range(1, 9)]
    states = [data for _, kind, data in feedback.events if kind == "state"]
    assert states[0]["status"] in {"waiting", "calibrating"}
    assert any(s["status"] == "live" and s["exercise"]["reps"] == 8 for s in states)


def test_a_dropped_connection_keeps_everything_received(
    tmp_path: Path, bends: SyntheticRecording
) -> None:
    with live_server(tmp_path) as live:
        token = live.authority.issue("p1", "phone")
        report = replay(
            bends.recording, live.ingest, token, rate_hz=100.0, speed=0, stop_after_s=30
        )
        (done,) = live.wait_finished()
    assert report.ended is None
    assert done.ending == "dropped"
    assert done.samples == report.samples_kept == 3000
    saved = read_recording(done.path)
    np.testing.assert_array_equal(saved.t, bends.recording.t[:3000])
    assert done.analysis is not None
    assert_same(done.analysis.model_dump(), analyze(saved).model_dump())


def _frames(rec: SyntheticRecording) -> list[dict]:  # type: ignore[type-arg]
    return list(gateway_frames(rec.recording, 0.5, 100.0))


def test_each_bad_input_is_refused_with_its_reason_and_the_stream_goes_on(
    tmp_path: Path, bends: SyntheticRecording
) -> None:
    frames = _frames(bends)
    deg_s = json.loads(json.dumps(frames[3]))
    deg_s["sensors"]["lumbar"]["gyr"] = (
        np.degrees(deg_s["sensors"]["lumbar"]["gyr"]) + 50
    ).tolist()
    in_g = json.loads(json.dumps(frames[3]))
    in_g["sensors"]["sacrum"]["acc"] = (
        np.asarray(in_g["sensors"]["sacrum"]["acc"]) / 9.81
    ).tolist()
    too_fast = json.loads(json.dumps(frames[3]))
    too_fast["t"] = (frames[2]["t"][-1] + np.arange(1, 51) * 0.002).tolist()
    backwards = frames[1]
    bad = [
        ("{not json", "frame: not valid JSON"),
        (json.dumps({"type": "samples", "seq": 3, "t": [1.0]}), "field sensors: Field required"),
        (json.dumps(deg_s), "looks like deg/s"),
        (json.dumps(in_g), "field sensors.sacrum.acc"),
        (json.dumps(backwards), "time goes backwards"),
        (json.dumps(too_fast), "far above the declared 100 Hz"),
        ("x" * 1_100_000, "over the 1000000 byte limit"),
    ]
    with live_server(tmp_path) as live:
        token = live.authority.issue("p1", "phone")
        with connect(
            live.ingest, additional_headers={"Authorization": f"Bearer {token}"}, max_size=2**22
        ) as ws:
            ws.send(json.dumps(start_frame_for(bends.recording, 100.0)))
            assert json.loads(ws.recv(timeout=30))["type"] == "started"
            for frame in frames[:3]:
                ws.send(json.dumps(frame))
                assert json.loads(ws.recv(timeout=30))["type"] == "ack"
            for raw, reason in bad:
                ws.send(raw)
                reply = json.loads(ws.recv(timeout=30))
                assert reply["type"] == "refused", raw[:80]
                assert reason in reply["reason"], reply
                assert "\n" not in reply["reason"]
            for frame in frames[3:]:
                ws.send(json.dumps(frame))
                assert json.loads(ws.recv(timeout=30))["type"] == "ack"
            ws.send(json.dumps({"type": "end"}))
            ended = json.loads(ws.recv(timeout=60))
        (done,) = live.wait_finished()
    assert ended["type"] == "ended"
    assert ended["refused_frames"] == 4, ended
    assert done.samples == len(bends.recording)
    assert done.analysis is not None
    assert_same(done.analysis.model_dump(), analyze(bends.recording).model_dump())


def _refused_at_start(url: str, token: str | None, start: dict) -> tuple[str, int | None]:  # type: ignore[type-arg]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with connect(url, additional_headers=headers) as ws:
        ws.send(json.dumps(start))
        reply = json.loads(ws.recv(timeout=30))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=30)
    assert reply["type"] == "refused"
    return reply["reason"], closed.value.rcvd.code if closed.value.rcvd else None


def test_tokens_are_checked_and_scoped_to_one_patient(
    tmp_path: Path, bends: SyntheticRecording
) -> None:
    start = start_frame_for(bends.recording, 100.0)
    with live_server(tmp_path) as live:
        token = live.authority.issue("p1", "phone")
        viewer_only = live.authority.issue("p1", "tablet", ("feedback",))
        reason, code = _refused_at_start(live.ingest, "nope", start)
        assert "token: missing, unknown or revoked" in reason
        assert code == 4401
        reason, code = _refused_at_start(live.ingest, None, start)
        assert code == 4401
        reason, code = _refused_at_start(live.ingest, viewer_only, start)
        assert "not allowed to stream" in reason
        reason, code = _refused_at_start(live.ingest, token, start | {"patient": "p2"})
        assert reason == "field patient: the device token is for another patient"
        assert code == 4401
        reason, code = _refused_at_start(live.ingest, token, _frames(bends)[0])
        assert "the first frame must be a start frame" in reason
        assert code == 4400
        # the feedback stream: only with the feedback scope, only for the token's patient
        other = live.authority.issue("p2", "watch")
        assert httpx_status(f"{live.base}/live/patients/p1/state?token={other}") == 403
        assert httpx_status(f"{live.base}/live/patients/p1/state") == 403
        assert httpx_status(f"{live.base}/live/patients/p1/state?token={token}") == 200
    assert live.sink.finished == []


def httpx_status(url: str) -> int:
    return httpx.get(url, timeout=30).status_code


def test_a_revoked_token_ends_the_stream_and_keeps_the_recording(
    tmp_path: Path, bends: SyntheticRecording
) -> None:
    frames = _frames(bends)
    with live_server(tmp_path, recheck_s=0.0) as live:
        token = live.authority.issue("p1", "phone")
        with connect(live.ingest, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            ws.send(json.dumps(start_frame_for(bends.recording, 100.0)))
            ws.recv(timeout=30)
            for frame in frames[:20]:
                ws.send(json.dumps(frame))
                ws.recv(timeout=30)
            live.authority.revoke(token)
            ws.send(json.dumps(frames[20]))
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=30)
        (done,) = live.wait_finished()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
    assert done.ending == "revoked"
    assert done.samples == 20 * 50


class ThreadNotingAuthority(MemoryDeviceAuthority):
    """Tokens in memory; notes the thread of every lookup."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []

    def grant_for(self, token: str) -> Any:
        self.threads.append(threading.current_thread().name)
        return super().grant_for(token)


def test_while_streaming_the_token_is_looked_up_again_off_the_event_loop(
    tmp_path: Path, bends: SyntheticRecording
) -> None:
    authority = ThreadNotingAuthority()
    with live_server(tmp_path, recheck_s=0.0, authority=authority) as live:
        token = authority.issue("p1", "phone")
        with connect(live.ingest, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            ws.send(json.dumps(start_frame_for(bends.recording, 100.0)))
            ws.recv(timeout=30)
            for frame in _frames(bends)[:5]:
                ws.send(json.dumps(frame))
                assert json.loads(ws.recv(timeout=30))["type"] == "ack"
    at_connect, *while_streaming = authority.threads
    assert len(while_streaming) == 5  # one lookup before each frame (recheck_s 0)
    # the event loop's thread answers the connection; the lookups while streaming run in
    # the loop's worker threads, so a slow database holds up no other stream
    assert at_connect not in while_streaming


@pytest.mark.slow
def test_a_page_that_reconnects_gets_what_it_missed_and_the_current_state(
    tmp_path: Path,
) -> None:
    syn = simulate_recording("sit-stand", seed=2)
    with live_server(tmp_path) as live:
        token = live.authority.issue("p1", "phone")
        url = f"{live.base}/live/patients/p1/feedback?token={token}"
        first = FeedbackListener(url, max_events=3)
        first.run().join(30)
        report = replay(syn.recording, live.ingest, token, rate_hz=100.0, speed=0)
        assert report.ended is not None
        again = FeedbackListener(url, last_event_id=first.events[-1][0], stop_on="state")
        again.run().join(30)
        fresh = FeedbackListener(url, stop_on="state")
        fresh.run().join(30)
    missed = [kind for _, kind, _ in again.events]
    assert "alert" in missed  # the sustained flexion alert raised while it was away
    assert missed[-2:] == ["status", "state"]
    assert again.events[-1][2]["status"] == "ended"
    assert [kind for _, kind, _ in fresh.events] == ["state"]
    assert fresh.events[0][2] == again.events[-1][2]


def test_a_sustained_slump_reaches_the_page_within_a_second_of_stream_time(
    tmp_path: Path,
) -> None:
    syn = simulate_recording("sit-stand", seed=2)
    truth = syn.truth_deg[:, 0]
    crossing = float(syn.recording.t[np.argmax(truth > 20.0)]) + 30.0
    with live_server(tmp_path) as live:
        token = live.authority.issue("p1", "phone")
        page = FeedbackListener(f"{live.base}/live/patients/p1/feedback?token={token}")
        thread = page.run()
        t0 = time.monotonic()
        replay(syn.recording, live.ingest, token, rate_hz=100.0, speed=0, block_s=0.25)
        thread.join(60)
        assert time.monotonic() - t0 < 120
    events = page.events
    i = next(
        i for i, (_, kind, data) in enumerate(events) if data.get("kind") == "sustained_flexion"
    )
    alert = events[i][2]
    assert alert["t_s"] == pytest.approx(crossing, abs=1.0)
    # the state sent with the same block says how far the stream had got when the alert went out
    sent_at = next(data["t_s"] for _, kind, data in events[i:] if kind == "state")
    assert sent_at - crossing <= 1.0


def test_the_page_switches_a_running_session_into_exercise_mode(
    tmp_path: Path, bends: SyntheticRecording
) -> None:
    frames = _frames(bends)
    with live_server(tmp_path) as live:
        token = live.authority.issue("p1", "phone")
        url = f"{live.base}/live/patients/p1/exercise?token={token}"
        none = httpx.put(url, json={"exercise_id": "cat_cow"}, timeout=30)
        assert none.status_code == 404
        assert "no live session" in none.json()["detail"]
        with connect(live.ingest, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            ws.send(json.dumps(start_frame_for(bends.recording, 100.0)))
            ws.recv(timeout=30)
            for frame in frames[:10]:
                ws.send(json.dumps(frame))
                ws.recv(timeout=30)
            state = httpx.put(url, json={"exercise_id": "cat_cow"}, timeout=30)
            assert state.status_code == 200
            assert state.json()["mode"] == "exercise"
            assert state.json()["exercise"]["target"]["exercise_id"] == "cat_cow"
            unknown = httpx.put(url, json={"exercise_id": "moonwalk"}, timeout=30)
            assert unknown.status_code == 422
            assert "moonwalk" in unknown.json()["detail"]
            for frame in frames[10:]:
                ws.send(json.dumps(frame))
                ws.recv(timeout=30)
            back = httpx.put(url, json={}, timeout=30)
            assert back.json()["mode"] == "posture"
            ws.send(json.dumps({"type": "end"}))
            ws.recv(timeout=60)
        other = live.authority.issue("p2", "watch")
        forbidden = httpx.put(
            f"{live.base}/live/patients/p1/exercise?token={other}", json={}, timeout=30
        )
        assert forbidden.status_code == 403
