"""The API application factory: ``create_app(settings)`` -> a FastAPI app mounted at ``/api``."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI

from spinecoach import __version__
from spinecoach.api.deps import ApiContext
from spinecoach.api.errors import install_error_handlers
from spinecoach.api.live import clinic_live
from spinecoach.api.processing import ProcessingQueue
from spinecoach.api.security import LoginRateLimiter, SecurityHeaders
from spinecoach.services import clinic
from spinecoach.services.accounts import AccessPolicy
from spinecoach.settings import ServiceSettings
from spinecoach.store.engine import make_engine
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = ["API_PREFIX", "ROUTERS", "create_app"]

API_PREFIX = "/api"

ROUTERS = (
    "auth",
    "users",
    "patients",
    "intakes",
    "assessments",
    "programs",
    "sessions",
    "checkins",
    "recordings",
    "devices",
    "outcomes",
    "fhir",
    "alerts",
    "catalogue",
    "audit",
    "settings",
    "patient_data",
)
"""One router module per resource, under ``spinecoach.api.routes``."""


def api_router() -> APIRouter:
    router = APIRouter()
    for name in ROUTERS:
        module = importlib.import_module(f"spinecoach.api.routes.{name}")
        router.include_router(module.router)
    return router


def create_app(
    settings: ServiceSettings | None = None, *, engine: sa.Engine | None = None
) -> FastAPI:
    """The API for ``settings`` (read from the environment when not given).

    The database must be migrated already (``spinecoach serve`` and ``db upgrade`` do it); the
    clinic's run-time settings are seeded from ``settings`` when it has none yet.
    No interactive docs page is served (it would load scripts from a CDN); the OpenAPI
    document is at ``/api/openapi.json``.
    """
    settings = settings or ServiceSettings()
    engine = engine or make_engine(settings.url)
    clinic.seed_policy(UnitOfWork(engine), settings)
    processing = ProcessingQueue(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        live.start()  # streams a stopped server left are finished and filed
        yield
        live.stop()  # running streams are finished and filed before processing stops
        processing.shutdown()

    app = FastAPI(
        lifespan=lifespan,
        title="spinecoach clinic API",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = context = ApiContext(
        settings=settings,
        engine=engine,
        policy=AccessPolicy.from_settings(settings),
        login_limiter=LoginRateLimiter(settings.login_attempts_per_minute),
        processing=processing,
    )
    live = clinic_live(context)
    app.state.live = live
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.include_router(api_router(), prefix=API_PREFIX)
    app.include_router(live.router)  # /api/live: gateways' WebSocket, pages' feedback
    return app
