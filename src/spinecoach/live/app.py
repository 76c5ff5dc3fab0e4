"""The live router as a standalone app (demos, benchmarks) with file-based device tokens.

The clinic service mounts :func:`~spinecoach.live.websocket.make_live_router` in its own app
with its own authority and sink; this app is the same router with a token file and
:class:`~spinecoach.live.session.FileRecordingSink`, and the same start-up and shutdown duties.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from spinecoach.live.devices import DeviceAuthority, TokenFileAuthority
from spinecoach.live.session import FileRecordingSink, RecordingSink
from spinecoach.live.websocket import make_live_router
from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings

__all__ = ["create_live_app"]


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
