"""The live router as a standalone app (demos, benchmarks) with file-based device tokens.

The clinic service mounts :func:`~spinecoach.live.websocket.make_live_router` in its own app
with its own authority and sink; this app is the same router with a token file and
:class:`~spinecoach.live.session.FileRecordingSink`, and the same start-up and shutdown duties.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from spinecoach.live.devices import DeviceAuthority, TokenFileAuthority
from spinecoach.live.session import FileRecordingSink, RecordingSink
from spinecoach.live.websocket import make_live_router
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings

__all__ = ["UVICORN_OPTIONS", "create_live_app"]

UVICORN_OPTIONS: dict[str, Any] = {"ws_per_message_deflate": False}
"""uvicorn settings of every server carrying live streams (``live serve``, ``serve``, the bench).

A gateway's frame is a few kB of JSON every 0.25 s: with permessage-deflate (which uvicorn
offers by default and the ``websockets`` client accepts) the server would inflate every frame
and deflate every answer, CPU of the one event loop for a few kB of loopback or LAN traffic.
The event loop and HTTP parser are uvloop and httptools (dependencies; uvicorn's ``auto``
picks them).
"""


def create_live_app(
    data_dir: Path,
    token_file: Path | None = None,
    *,
    authority: DeviceAuthority | None = None,
    sink: RecordingSink | None = None,
    settings: SensorSettings = DEFAULT_SETTINGS,
    on_sent: Callable[[float], None] | None = None,
) -> FastAPI:
    """An app serving ``/live/...``; tokens from ``token_file`` unless ``authority`` is given."""
    if authority is None:
        if token_file is None:
            raise ValueError("a token file or an authority is needed")
        authority = TokenFileAuthority(token_file)
    router = make_live_router(
        authority, sink or FileRecordingSink(data_dir), data_dir, settings=settings
    )
    router.service.on_sent = on_sent

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        router.service.recover()
        yield
        router.service.shutdown()

    app = FastAPI(title="spinecoach live", lifespan=lifespan)
    app.include_router(router)
    app.state.live = router.service
    return app
