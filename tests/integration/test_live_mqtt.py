"""The MQTT bridge against the real Mosquitto broker on 127.0.0.1:1883 (skips when none runs)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiomqtt
import pytest
from tests.unit.live.streams import assert_same

from spinecoach.live.devices import MemoryDeviceAuthority
from spinecoach.live.frames import gateway_frames, start_frame_for
from spinecoach.live.mqtt import MqttBridge
from spinecoach.live.service import LiveService
from spinecoach.live.session import MemoryRecordingSink
from spinecoach.sensors.monitor import analyze
from spinecoach.simulate.recording import simulate_recording

BROKER = ("127.0.0.1", 1883)


def _broker_runs() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(BROKER, timeout=2):
        return True
    return False


pytestmark = pytest.mark.skipif(
    not _broker_runs(), reason="no MQTT broker (Mosquitto) listening on 127.0.0.1:1883"
)


async def _exchange(bridge: MqttBridge, device: str, messages: list[str]) -> list[dict]:  # type: ignore[type-arg]
    """Publish ``messages`` one by one, each after the reply to the previous one."""
    replies: list[dict] = []  # type: ignore[type-arg]
    async with aiomqtt.Client(*BROKER) as client:
        await client.subscribe(f"{bridge.prefix}/{device}/replies", qos=1)
        for raw in messages:
            await client.publish(f"{bridge.prefix}/{device}/frames", raw, qos=1)
            async with asyncio.timeout(30):
                async for message in client.messages:
                    payload = message.payload
                    assert isinstance(payload, bytes)
                    replies.append(json.loads(payload))
                    break
    return replies


def test_frames_over_mqtt_feed_the_same_sessions(tmp_path: Path) -> None:
    syn = simulate_recording("forward-bends", seed=3)
    authority = MemoryDeviceAuthority()
    sink = MemoryRecordingSink()
    service = LiveService(authority, sink, tmp_path)
    device = f"phone-{uuid.uuid4().hex[:8]}"
    token = authority.issue("p1", device)
    frames = [json.dumps(f) for f in gateway_frames(syn.recording, 1.0, 100.0)]
    start = json.dumps(start_frame_for(syn.recording, 100.0) | {"token": token})
    bad_token = json.dumps(start_frame_for(syn.recording, 100.0) | {"token": "nope"})
    prefix = f"test-{uuid.uuid4().hex[:8]}/live"

    async def main() -> list[dict]:  # type: ignore[type-arg]
        bridge = MqttBridge(service, *BROKER, prefix=prefix)
        task = asyncio.create_task(bridge.run())
        try:
            async with asyncio.timeout(30):
                await bridge.ready.wait()
            messages = [bad_token, start, frames[0], "{broken", *frames[1:], '{"type": "end"}']
            return await _exchange(bridge, device, messages)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # a loop of its own in a thread of its own: another test in this worker (the browser tests'
    # Playwright) may keep an event loop running in the main thread
    with ThreadPoolExecutor(1) as thread:
        replies = thread.submit(asyncio.run, main()).result()
    kinds = [r["type"] for r in replies]
    assert kinds[0] == "refused"
    assert "token" in replies[0]["reason"]
    assert kinds[1] == "started"
    assert kinds[3] == "refused"
    assert "not valid JSON" in replies[3]["reason"]
    assert kinds.count("ack") == len(frames)
    assert kinds[-1] == "ended"
    (done,) = sink.finished
    assert done.samples == len(syn.recording)
    assert done.analysis is not None
    assert_same(done.analysis.model_dump(), analyze(syn.recording).model_dump())
