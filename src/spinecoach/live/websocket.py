"""HTTP face of the live layer: a WebSocket for gateways and Server-Sent Events for pages.

``make_live_router(authority, sink, data_dir)`` gives a router the clinic's API app mounts:

- ``WS  /live/ingest`` — a gateway streams frames (see :mod:`spinecoach.live.frames`) with
  its device token (``Authorization: Bearer`` or ``?token=``); each frame is answered with
  ``ack`` or ``refused`` (with the reason); the session ends on ``end``, a drop, a fatal fault
  or a revoked token, and the recording is kept in every case.
- ``GET /live/patients/{id}/feedback`` — SSE: the current ``state`` first, then ``state``
  after every block and ``alert``/``cue``/``rep``/``hold``/``status`` messages. A page that
  reconnects (EventSource does so by itself, sending ``Last-Event-ID``) gets what it missed
  from a short backlog and the current state.
- ``GET /live/patients/{id}/state`` and ``PUT /live/patients/{id}/exercise`` — the state as
  JSON, and switching the live session into exercise mode (``{"exercise_id": ...}`` from the
  catalogue or ``{"target": {...}}``) or back to posture mode (``{}``).

Who may read a patient's feedback is the :class:`ViewerAccess` seam (the clinic checks its own
login); the default accepts a device token with the ``feedback`` scope for that patient.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import APIRouter, Body, HTTPException, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import HTTPConnection, Request

from spinecoach.errors import InputError, SpinecoachError
from spinecoach.live.devices import DeviceAuthority
from spinecoach.live.feedback import (
    DEFAULT_FEEDBACK,
    ExerciseTarget,
    FeedbackSettings,
    target_for_exercise,
)
from spinecoach.live.service import AccessError, LiveService
from spinecoach.live.session import LiveSession, RecordingSink
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings

__all__ = ["LiveRouter", "TokenViewerAccess", "ViewerAccess", "make_live_router"]

START_TIMEOUT_S = 30.0
"""A gateway must send its start frame this soon after connecting."""
SSE_KEEPALIVE_S = 15.0
"""A comment line this often keeps proxies from closing a quiet feedback stream."""


class ViewerAccess(Protocol):
    """May the user behind ``connection`` read ``patient_id``'s live feedback?"""

    def may_view(self, connection: HTTPConnection, patient_id: str) -> bool: ...


def bearer_token(connection: HTTPConnection) -> str | None:
    """The token from ``Authorization: Bearer ...`` or the ``token`` query parameter."""
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return connection.query_params.get("token") or None


class TokenViewerAccess:
    """A device token with the ``feedback`` scope reads its own patient's feedback."""

    def __init__(self, service: LiveService) -> None:
        self.service = service

    def may_view(self, connection: HTTPConnection, patient_id: str) -> bool:
        try:
            self.service.grant(bearer_token(connection), "feedback", patient_id)
        except AccessError:
            return False
        return True


class ExerciseRequest(BaseModel):
    """Body of ``PUT .../exercise``: a catalogue exercise, an explicit target, or neither."""

    model_config = ConfigDict(extra="forbid")

    exercise_id: str | None = None
    target: ExerciseTarget | None = Field(default=None)


class LiveRouter(APIRouter):
    """The live routes, with the :class:`LiveService` behind them (``router.service``)."""

    service: LiveService


def make_live_router(
    authority: DeviceAuthority,
    sink: RecordingSink,
    data_dir: Path,
    *,
    viewer: ViewerAccess | None = None,
    settings: SensorSettings = DEFAULT_SETTINGS,
    policy: FeedbackSettings = DEFAULT_FEEDBACK,
    prefix: str = "/live",
    service: LiveService | None = None,
) -> LiveRouter:
    """The live router. The app calls ``router.service.recover()`` on start-up (finishing
    recordings a stopped process left) and ``router.service.shutdown()`` on shutdown."""
    svc = service or LiveService(authority, sink, data_dir, settings=settings, policy=policy)
    access = viewer or TokenViewerAccess(svc)
    router = LiveRouter(prefix=prefix, tags=["live"])
    router.service = svc

    @router.websocket("/ingest")
    async def ingest(ws: WebSocket) -> None:
        await ws.accept()
        token = bearer_token(ws)
        try:
            first = await asyncio.wait_for(_receive(ws), START_TIMEOUT_S)
        except (TimeoutError, WebSocketDisconnect):
            await _close(ws, 4408, "no start frame")
            return
        if first is None:
            return
        try:
            session, reply = svc.open(token, first)
        except SpinecoachError as exc:
            await ws.send_text(json.dumps({"type": "refused", "reason": str(exc)}))
            code = 4401 if isinstance(exc, AccessError) else 4400
            await _close(ws, code, str(exc))
            return
        for m in reply.messages:
            await ws.send_text(m)
        await _stream(ws, svc, session)

    def _allowed(connection: HTTPConnection, patient_id: str) -> None:
        if not access.may_view(connection, patient_id):
            raise HTTPException(403, "not allowed to read this patient's live feedback")

    @router.get("/patients/{patient_id}/feedback")
    async def feedback(request: Request, patient_id: str) -> StreamingResponse:
        _allowed(request, patient_id)
        last = request.headers.get("last-event-id")
        last_id = int(last) if last and last.isdigit() else None
        channel = svc.channel(patient_id)
        queue, first = channel.listen(last_id)

        async def events() -> AsyncIterator[str]:
            try:
                for msg in first:
                    yield _sse(msg)
                while True:
                    try:  # a timeout scope, not wait_for: no task made for every message
                        async with asyncio.timeout(SSE_KEEPALIVE_S):
                            nxt = await queue.get()
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    if nxt is None:
                        return
                    batch, done = [nxt], False  # what is waiting (a block's events, its
                    while not queue.empty():  # state): one write
                        more = queue.get_nowait()
                        if more is None:
                            done = True
                            break
                        batch.append(more)
                    yield "".join(map(_sse, batch))
                    if svc.on_sent is not None:
                        now = time.perf_counter()
                        for msg in batch:
                            svc.on_sent(now - msg[3])
                    if done:
                        return
            finally:
                channel.leave(queue)

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    @router.get("/patients/{patient_id}/state")
    async def state(request: Request, patient_id: str) -> JSONResponse:
        _allowed(request, patient_id)
        data = svc.channel(patient_id).state
        return JSONResponse(json.loads(data) if data else {"status": "waiting"})

    @router.put("/patients/{patient_id}/exercise")
    async def exercise(
        request: Request,
        patient_id: str,
        body: Annotated[ExerciseRequest, Body()],
    ) -> JSONResponse:
        _allowed(request, patient_id)
        try:
            target = body.target
            if body.exercise_id is not None:
                from spinecoach.exercises import load_catalogue

                target = target_for_exercise(load_catalogue().get(body.exercise_id), settings)
            return JSONResponse(svc.set_exercise(patient_id, target))
        except InputError as exc:
            status = 404 if "no live session" in str(exc) else 422
            raise HTTPException(status, str(exc)) from None

    return router


async def _receive(ws: WebSocket) -> str | bytes | None:
    """The next message, or None when the gateway has gone."""
    msg = await ws.receive()
    if msg["type"] == "websocket.disconnect":
        return None
    text: str | None = msg.get("text")
    if text is not None:
        return text
    data: bytes | None = msg.get("bytes")
    return data if data is not None else b""


async def _stream(ws: WebSocket, svc: LiveService, session: LiveSession) -> None:
    ending_seen = False
    try:
        while True:
            raw = await _receive(ws)
            if raw is None:
                break
            received = time.perf_counter()
            if svc.recheck_due(session):  # the token's lookup may query a database: not here
                await asyncio.to_thread(svc.recheck, session)
            reply = svc.handle(session, raw, received)
            if not await _send_all(ws, reply.messages):
                break  # the gateway has gone while its frame was handled: a drop
            if reply.closing is not None:
                ending_seen = True
                await _close(ws, reply.closing.code, reply.closing.reason)
                return
    except WebSocketDisconnect:
        pass
    finally:
        if not ending_seen and session.ended is None:
            svc.close(session, "dropped")


async def _send_all(ws: WebSocket, messages: list[str]) -> bool:
    """Send the replies; False when the connection closed meanwhile (nothing is lost: the
    frame is kept, and the stream is finished as dropped)."""
    try:
        for m in messages:
            await ws.send_text(m)
    except (RuntimeError, WebSocketDisconnect):  # starlette: send after the peer closed
        return False
    return True


async def _close(ws: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await ws.close(code, reason.encode("utf-8")[:120].decode("utf-8", "ignore"))


def _sse(msg: tuple[int, str, str, float]) -> str:
    seq, event, data, _ = msg
    return f"id: {seq}\nevent: {event}\ndata: {data}\n\n"
