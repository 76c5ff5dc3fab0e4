"""What every page shares: the templates, the page security headers, the signed-in actor, CSRF.

Pages are rendered on the server (Jinja2, autoescaped). The browser session is the API's own
cookie session; every form carries the session's CSRF token in a hidden field (the login form,
before there is a session, a double-submit token in its own cookie).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from spinecoach.api.deps import ApiContext
from spinecoach.api.security import CSRF_COOKIE, SESSION_COOKIE, client_address
from spinecoach.errors import SpinecoachError
from spinecoach.services import accounts
from spinecoach.services.actors import Actor

__all__ = [
    "LOGIN_CSRF_COOKIE",
    "PAGE_CSP",
    "LoginRequired",
    "Viewer",
    "check_csrf",
    "context_of",
    "new_login_token",
    "page",
    "viewer",
]

TEMPLATES = Path(__file__).parent / "templates"
LOGIN_CSRF_COOKIE = "spinecoach_login_csrf"

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""Our own scripts and styles only (no inline script or style); pictures may be data URIs;
the upload progress bar posts to this server only."""

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


class LoginRequired(SpinecoachError):  # noqa: N818 (a redirect, not an error the user made)
    """No valid session: the page sends the browser to the login form."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person of a page and their session's CSRF token."""

    actor: Actor
    csrf_token: str


def context_of(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.context
    return context


def viewer(request: Request) -> Viewer:
    """The actor behind the session cookie (LoginRequired when there is none or it ended)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise LoginRequired("log in first")
    context = context_of(request)
    from spinecoach.store.unit_of_work import UnitOfWork

    grant = accounts.session_grant(
        UnitOfWork(context.engine),
        cookie,
        policy=context.policy,
        remote_addr=client_address(request),
    )
    if grant is None or not grant.second_factor:
        raise LoginRequired("session ended")
    csrf = request.cookies.get(CSRF_COOKIE, "")
    if not csrf or not grant.csrf_matches(csrf):
        raise LoginRequired("session without its CSRF token")
    return Viewer(grant.actor, csrf)


def check_csrf(viewer: Viewer, sent: str | None) -> None:
    """A form post must carry its session's CSRF token."""
    if not sent or not secrets.compare_digest(sent, viewer.csrf_token):
        from spinecoach.services.errors import Forbidden

        raise Forbidden("csrf_token: missing or not this session's; reload the page")


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def page(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """Render ``template`` with the page security policy."""
    html = _env.get_template(template).render(request=request, **values)
    return HTMLResponse(
        html, status_code=status_code, headers={"content-security-policy": PAGE_CSP}
    )
