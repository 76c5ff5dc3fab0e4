"""Typed dependencies: the unit of work, the authenticated actor, role requirements.

Route signatures read as plain typed parameters (``uow: UowDep, actor: CurrentActor``). The
actor comes from a personal access token (``Authorization: Bearer``) or the session cookie; a
cookie-authenticated write must carry the CSRF token; a token may only do what its scopes allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from spinecoach.api.processing import ProcessingQueue
from spinecoach.api.security import (
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    LoginRateLimiter,
    client_address,
)
from spinecoach.services import accounts
from spinecoach.services.accounts import AccessPolicy, AuthenticationFailed
from spinecoach.services.actors import Actor, Role
from spinecoach.services.errors import Forbidden
from spinecoach.settings import ServiceSettings
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = [
    "AdminActor",
    "ApiContext",
    "ContextDep",
    "CurrentActor",
    "CurrentPrincipal",
    "PendingPrincipal",
    "Principal",
    "RequireRole",
    "SettingsDep",
    "UowDep",
]


@dataclass(frozen=True)
class ApiContext:
    """What every request shares: settings, the database engine, the access policy."""

    settings: ServiceSettings
    engine: sa.Engine
    policy: AccessPolicy
    login_limiter: LoginRateLimiter
    processing: ProcessingQueue


def _context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.context
    return context


ContextDep = Annotated[ApiContext, Depends(_context)]


def _settings(context: ContextDep) -> ServiceSettings:
    return context.settings


SettingsDep = Annotated[ServiceSettings, Depends(_settings)]


def _uow(context: ContextDep) -> UnitOfWork:
    return UnitOfWork(context.engine)


UowDep = Annotated[UnitOfWork, Depends(_uow)]

_bearer = HTTPBearer(auto_error=False, description="a personal access token (spc_...)")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="login session (browser)")


@dataclass(frozen=True)
class Principal:
    """Who is calling and how: by session cookie or by token (with its scopes)."""

    actor: Actor
    via: Literal["session", "token"]
    scopes: frozenset[str]
    session_token: str | None = None
    second_factor: bool = True


def _authenticate(
    request: Request,
    context: ApiContext,
    bearer: HTTPAuthorizationCredentials | None,
    cookie: str | None,
    *,
    allow_pending: bool,
) -> Principal:
    remote = client_address(request)
    uow = UnitOfWork(context.engine)
    if bearer is not None:
        grant = accounts.token_grant(uow, bearer.credentials, remote_addr=remote)
        if grant is None:
            raise AuthenticationFailed("Authorization: token unknown, revoked or expired")
        needed = "read" if request.method in SAFE_METHODS else "write"
        if needed not in grant.scopes:
            raise Forbidden(f"scopes: this token lacks {needed!r}")
        return Principal(actor=grant.actor, via="token", scopes=grant.scopes)
    if cookie:
        session = accounts.session_grant(uow, cookie, policy=context.policy, remote_addr=remote)
        if session is None:
            raise AuthenticationFailed(f"{SESSION_COOKIE}: session unknown, ended or expired")
        if request.method not in SAFE_METHODS:
            csrf = request.headers.get(CSRF_HEADER, "")
            if not csrf or not session.csrf_matches(csrf):
                raise Forbidden(f"{CSRF_HEADER}: missing or not this session's CSRF token")
        if not session.second_factor and not allow_pending:
            raise Forbidden("totp: enrol a second factor first (POST /api/auth/totp)")
        return Principal(
            actor=session.actor,
            via="session",
            scopes=frozenset(accounts.SCOPES),
            session_token=cookie,
            second_factor=session.second_factor,
        )
    raise AuthenticationFailed("Authorization: log in or send a personal access token")


def _principal(
    request: Request,
    context: ContextDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    return _authenticate(request, context, bearer, cookie, allow_pending=False)


def _pending_principal(
    request: Request,
    context: ContextDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    return _authenticate(request, context, bearer, cookie, allow_pending=True)


CurrentPrincipal = Annotated[Principal, Depends(_principal)]
PendingPrincipal = Annotated[Principal, Depends(_pending_principal)]
"""Also a session still waiting for its required second factor (enrolment routes only)."""


def _actor(principal: CurrentPrincipal) -> Actor:
    return principal.actor


CurrentActor = Annotated[Actor, Depends(_actor)]


class RequireRole:
    """Dependency: the actor must hold one of ``roles`` (403 otherwise)."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    def __call__(self, actor: CurrentActor) -> Actor:
        if not self.roles & actor.roles:
            names = " or ".join(sorted(self.roles))
            raise Forbidden(f"role: this needs the {names} role")
        return actor


AdminActor = Annotated[Actor, Depends(RequireRole(Role.ADMIN))]
