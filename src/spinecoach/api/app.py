"""The API application factory: ``create_app(settings)`` -> a FastAPI app mounted at ``/api``."""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI

from spinecoach import __version__
from spinecoach.api.deps import ApiContext
from spinecoach.api.errors import install_error_handlers
from spinecoach.api.security import LoginRateLimiter, SecurityHeaders
from spinecoach.services.accounts import AccessPolicy
from spinecoach.settings import ServiceSettings
from spinecoach.store.engine import make_engine

__all__ = ["API_PREFIX", "ROUTERS", "create_app"]

API_PREFIX = "/api"

ROUTERS = (
    "auth",
    "users",
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

    The database must be migrated already (``spinecoach serve`` and ``db upgrade`` do it).
    No interactive docs page is served (it would load scripts from a CDN); the OpenAPI
    document is at ``/api/openapi.json``.
    """
    settings = settings or ServiceSettings()
    app = FastAPI(
        title="spinecoach clinic API",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = ApiContext(
        settings=settings,
        engine=engine or make_engine(settings.url),
        policy=AccessPolicy.from_settings(settings),
        login_limiter=LoginRateLimiter(settings.login_attempts_per_minute),
    )
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.include_router(api_router(), prefix=API_PREFIX)
    return app
