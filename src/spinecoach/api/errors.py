"""Error responses: every 4xx is one line naming the field or object at fault; no tracebacks.

=========================================  ======
error                                      status
=========================================  ======
request body / query / path invalid        422 (each error names its field)
``AuthenticationFailed``                   401
``Forbidden``                              403
``NotFound``                               404
``Conflict``                               409
``AccountLocked``                          423
``InputError`` (incl. documents)           422
``ClinicalSafetyError``                    422
anything else                              500, with a reference only
=========================================  ======

The log gets the method, the route's path template (ids are not in it), the status and, for a
500, the exception type and the stack's file:line frames (no message, no source lines:
either may quote personal data).
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from spinecoach.errors import ClinicalSafetyError, InputError, SpinecoachError
from spinecoach.services.accounts import AccountLocked, AuthenticationFailed
from spinecoach.services.errors import Conflict, Forbidden, NotFound

__all__ = ["ErrorBody", "install_error_handlers", "status_for"]

log = logging.getLogger("spinecoach.api")


def status_for(exc: SpinecoachError) -> int:
    """The HTTP status of a deliberate error of the package."""
    if isinstance(exc, AccountLocked):
        return 423
    if isinstance(exc, AuthenticationFailed):
        return 401
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, InputError | ClinicalSafetyError):
        return 422
    return 400


class ErrorBody(dict[str, Any]):
    """``{"detail": "<field>: <what is wrong>", "errors": [{"field", "message"}, ...]}``."""


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        where, rest = parts[0], parts[1:]
        if not rest:
            return "body" if where == "body" else where
        name = ".".join(rest)
        return name if where == "body" else f"{name} ({where})"
    return ".".join(parts) or "request"


def _validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    out = []
    for error in exc.errors():
        field = _field(error.get("loc", ()))
        message = str(error.get("msg", "invalid"))
        if error.get("type") == "json_invalid":
            field, message = "body", "not valid JSON"
        out.append({"field": field, "message": message})
    return out


def _route_template(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", "(unmatched)"))


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        first = errors[0] if errors else {"field": "request", "message": "invalid"}
        log.info("422 %s %s", request.method, _route_template(request))
        return JSONResponse(
            {"detail": f"{first['field']}: {first['message']}", "errors": errors},
            status_code=422,
        )

    @app.exception_handler(SpinecoachError)
    async def _service_error(request: Request, exc: SpinecoachError) -> JSONResponse:
        status = status_for(exc)
        log.info("%d %s %s", status, request.method, _route_template(request))
        message = " ".join(str(exc).split()) or type(exc).__name__
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": message}, status_code=status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = "path: no such route (see /api/openapi.json)"
        elif exc.status_code == 405:
            detail = f"method: {request.method} is not allowed on this path"
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        reference = uuid.uuid4().hex[:12]
        # Where it failed, without source lines or the message (either may quote patient data).
        frames = "\n".join(
            f"  {frame.filename}:{frame.lineno} in {frame.name}"
            for frame in traceback.extract_tb(exc.__traceback__)
        )
        log.error(
            "500 %s %s reference=%s %s\n%s",
            request.method,
            _route_template(request),
            reference,
            type(exc).__name__,
            frames,
        )
        return JSONResponse({"detail": f"internal error; reference {reference}"}, status_code=500)
