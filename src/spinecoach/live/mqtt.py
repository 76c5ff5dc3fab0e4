"""MQTT bridge: gateways that speak MQTT feed the same live sessions as the WebSocket.

Each device publishes the frames of :mod:`spinecoach.live.frames` to
``{prefix}/{device}/frames``; its start frame also carries ``"token"`` (the device token, which
must belong to that device). Answers (``started``, ``ack``, ``refused``, ``ended``, ``closing``)
go to ``{prefix}/{device}/replies``. MQTT has no connection per device, so a device silent for
``idle_s`` counts as dropped: its recording is finished and kept like a dropped WebSocket.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass

import aiomqtt

from spinecoach.errors import SpinecoachError
from spinecoach.live.service import AccessError, LiveService
from spinecoach.live.session import LiveSession

__all__ = ["MqttBridge"]

TOPIC_PREFIX = "spinecoach/live"


@dataclass
class _Stream:
    session: LiveSession
    last_seen: float


class MqttBridge:
    """Subscribes to every device's frames topic on one broker and runs their sessions."""

    def __init__(
        self,
        service: LiveService,
        host: str = "127.0.0.1",
        port: int = 1883,
        *,
        prefix: str = TOPIC_PREFIX,
        idle_s: float = 30.0,
    ) -> None:
        self.service = service
        self.host = host
        self.port = port
        self.prefix = prefix
        self.idle_s = idle_s
        self.streams: dict[str, _Stream] = {}
        self.ready = asyncio.Event()

    async def run(self) -> None:
        """Bridge until cancelled; open streams are finished as dropped when it stops."""
        try:
            async with aiomqtt.Client(self.host, self.port) as client:
                await client.subscribe(f"{self.prefix}/+/frames", qos=1)
                self.ready.set()
                idle = asyncio.create_task(self._watch_idle())
                try:
                    async for message in client.messages:
                        device = message.topic.value.split("/")[-2]
                        payload = message.payload
                        raw = payload if isinstance(payload, bytes | str) else b""
                        for reply in self._handle(device, raw):
                            await client.publish(f"{self.prefix}/{device}/replies", reply, qos=1)
                finally:
                    idle.cancel()
        finally:
            for device in list(self.streams):
                self._drop(device, "dropped")

    def _handle(self, device: str, raw: str | bytes) -> list[str]:
        stream = self.streams.get(device)
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("type") == "start":
            return self._start(device, message)
        if stream is None:
            return [
                json.dumps({"type": "refused", "reason": "no stream: send a start frame first"})
            ]
        stream.last_seen = time.monotonic()
        reply = self.service.handle(stream.session, raw, time.perf_counter())
        out = list(reply.messages)
        if reply.closing is not None:
            self.streams.pop(device, None)
            if reply.closing.code != 1000:
                out.append(json.dumps({"type": "closing", "reason": reply.closing.reason}))
        return out

    def _start(self, device: str, message: dict[str, object]) -> list[str]:
        token = message.pop("token", None)
        if device in self.streams:
            self._drop(device, "replaced")
        try:
            grant = self.service.grant(token if isinstance(token, str) else None, "stream")
            if grant.device_id != device:
                raise AccessError(f"topic {device}: the token belongs to another device")
            session, reply = self.service.open(str(token), json.dumps(message))
        except SpinecoachError as exc:
            return [json.dumps({"type": "refused", "reason": str(exc)})]
        self.streams[device] = _Stream(session, time.monotonic())
        return reply.messages

    def _drop(self, device: str, why: str) -> None:
        stream = self.streams.pop(device, None)
        if stream is not None and stream.session.ended is None:
            self.service.close(stream.session, "dropped" if why == "dropped" else "replaced")

    async def _watch_idle(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.idle_s / 4))
            now = time.monotonic()
            for device, stream in list(self.streams.items()):
                if now - stream.last_seen > self.idle_s:
                    self._drop(device, "dropped")
