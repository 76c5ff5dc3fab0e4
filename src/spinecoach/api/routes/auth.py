"""Logging in and out, one's own password, personal access tokens and TOTP enrolment."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from spinecoach.api.deps import ContextDep, CurrentPrincipal, PendingPrincipal, UowDep
from spinecoach.api.schemas.auth import (
    LoginRequest,
    LoginResult,
    PasswordChange,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    TotpConfirm,
    TotpEnrolmentPublic,
    WhoAmI,
)
from spinecoach.api.schemas.users import UserPublic
from spinecoach.api.security import CSRF_COOKIE, SESSION_COOKIE, client_address
from spinecoach.services import accounts
from spinecoach.services.errors import Conflict, Forbidden

router = APIRouter(prefix="/auth", tags=["auth"])


def _secure(request: Request, context: ContextDep) -> bool:
    if context.settings.cookie_secure is not None:
        return context.settings.cookie_secure
    return request.url.scheme == "https"


@router.post("/login", response_model=LoginResult, responses={429: {}, 423: {}, 401: {}})
def log_in(
    body: LoginRequest, request: Request, response: Response, uow: UowDep, context: ContextDep
) -> LoginResult | Response:
    """Check the credentials (and TOTP code) and open a session held in an HttpOnly cookie."""
    remote = client_address(request)
    wait = context.login_limiter.allow(remote or "unknown")
    if wait is not None:
        return JSONResponse(
            {"detail": "login: too many attempts from this address; wait a minute"},
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(int(wait + 0.999))},
        )
    session = accounts.login(
        uow,
        username=body.username,
        password=body.password,
        totp_code=body.totp_code,
        remote_addr=remote,
        policy=context.policy,
    )
    secure = _secure(request, context)
    max_age = int(context.policy.session_absolute.total_seconds())
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        session.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="strict",
        secure=secure,
        path="/",
    )
    return LoginResult(
        user=UserPublic.of(session.account),
        csrf_token=session.csrf_token,
        expires_at=session.expires_at,
        second_factor=session.second_factor,
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def log_out(principal: PendingPrincipal, response: Response, uow: UowDep) -> None:
    """End this session (a token client revokes its token instead)."""
    if principal.session_token is None:
        raise Conflict("Authorization: a token has no session; revoke the token instead")
    accounts.logout(uow, principal.actor, principal.session_token)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/me", response_model=WhoAmI)
def who_am_i(principal: PendingPrincipal, uow: UowDep) -> WhoAmI:
    """The account behind this request and how it is authenticated."""
    account = accounts.get_user(uow, principal.actor, principal.actor.user_id)
    return WhoAmI(
        user=UserPublic.of(account),
        via=principal.via,
        scopes=sorted(principal.scopes),
        second_factor=principal.second_factor,
    )


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    body: PasswordChange, principal: CurrentPrincipal, response: Response, uow: UowDep
) -> None:
    """Change one's own password; every session of the account ends (log in again)."""
    accounts.change_password(
        uow,
        principal.actor,
        current_password=body.current_password,
        new_password=body.new_password,
    )
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/tokens", response_model=list[TokenPublic])
def list_tokens(principal: CurrentPrincipal, uow: UowDep) -> list[TokenPublic]:
    """One's own personal access tokens (the secrets are never shown again)."""
    return [TokenPublic.of(t) for t in accounts.list_tokens(uow, principal.actor)]


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(
    body: TokenCreate, principal: CurrentPrincipal, uow: UowDep, context: ContextDep
) -> TokenCreated:
    """A personal access token for API clients, scoped and expiring (from a login session)."""
    if principal.via != "session":
        raise Forbidden("Authorization: tokens are made from a login session, not by a token")
    new = accounts.create_token(
        uow,
        principal.actor,
        name=body.name,
        scopes=body.scopes,
        expires_in_days=body.expires_in_days,
        policy=context.policy,
    )
    return TokenCreated(token=TokenPublic.of(new.info), secret=new.secret)


@router.delete("/tokens/{token_id}", response_model=TokenPublic)
def revoke_token(token_id: str, principal: CurrentPrincipal, uow: UowDep) -> TokenPublic:
    """Revoke one of one's own tokens; it stops working at once."""
    return TokenPublic.of(accounts.revoke_token(uow, principal.actor, token_id))


@router.post("/totp", response_model=TotpEnrolmentPublic, status_code=status.HTTP_201_CREATED)
def begin_totp(principal: PendingPrincipal, uow: UowDep) -> TotpEnrolmentPublic:
    """Start TOTP enrolment: a secret and an otpauth:// URI for the authenticator app."""
    if principal.via != "session":
        raise Forbidden("Authorization: enrol a second factor from a login session")
    enrolment = accounts.begin_totp(uow, principal.actor)
    return TotpEnrolmentPublic(secret=enrolment.secret, uri=enrolment.uri)


@router.post("/totp/confirm", status_code=status.HTTP_204_NO_CONTENT)
def confirm_totp(body: TotpConfirm, principal: PendingPrincipal, uow: UowDep) -> None:
    """Finish enrolment with a current code; this session then counts as two-factor."""
    if principal.via != "session":
        raise Forbidden("Authorization: enrol a second factor from a login session")
    accounts.confirm_totp(uow, principal.actor, body.code, session_token=principal.session_token)
