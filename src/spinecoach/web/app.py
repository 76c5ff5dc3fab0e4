"""The web app: the API of :func:`spinecoach.api.create_app` plus the pages and their static files.

``create_web_app`` is what ``spinecoach serve`` runs. Errors on a page are pages (a 404 page for
a record that is not the viewer's, the login form when the session ended); under ``/api`` they
stay the API's JSON.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from spinecoach.api import create_app
from spinecoach.api.app import API_PREFIX
from spinecoach.errors import SpinecoachError
from spinecoach.services.errors import NotFound
from spinecoach.settings import ServiceSettings
from spinecoach.web.pages import LoginRequired, page

__all__ = ["PAGES", "create_web_app"]

STATIC = Path(__file__).parent / "static"
PAGES = ("auth", "clinician", "recordings", "patient", "documents", "intake", "live")
"""One router module per area, under ``spinecoach.web.routes``."""


def _page_errors(app: FastAPI) -> None:
    api_error = app.exception_handlers[SpinecoachError]
    api_http = app.exception_handlers[StarletteHTTPException]

    async def on_error(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(API_PREFIX):
            return await _call(api_error, request, exc)
        if isinstance(exc, LoginRequired):
            return RedirectResponse("/login", status_code=303)
        if isinstance(exc, NotFound):
            return page(request, "not_found.html", status_code=404)
        status = 403 if exc.__class__.__name__ == "Forbidden" else 400
        return page(request, "error.html", status_code=status, message=str(exc))

    async def on_http(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(API_PREFIX) or not isinstance(exc, StarletteHTTPException):
            return await _call(api_http, request, exc)
        if exc.status_code == 404:
            return page(request, "not_found.html", status_code=404)
        return page(request, "error.html", status_code=exc.status_code, message=str(exc.detail))

    app.add_exception_handler(SpinecoachError, on_error)
    app.add_exception_handler(StarletteHTTPException, on_http)


async def _call(handler: Any, request: Request, exc: Exception) -> Response:
    result = handler(request, exc)
    if hasattr(result, "__await__"):
        result = await result
    response: Response = result
    return response


def create_web_app(
    settings: ServiceSettings | None = None, *, engine: sa.Engine | None = None
) -> FastAPI:
    """The clinic's pages beside its API, one application."""
    app = create_app(settings, engine=engine)
    _page_errors(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for name in PAGES:
        module = importlib.import_module(f"spinecoach.web.routes.{name}")
        app.include_router(module.router)
    return app
