"""Logging in and out from the browser, TOTP enrolment at the first login of an account whose
role needs a second factor, and the home address sending each role to its pages."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from spinecoach.api.security import CSRF_COOKIE, SESSION_COOKIE, client_address
from spinecoach.errors import InputError
from spinecoach.services import accounts
from spinecoach.services.accounts import AuthenticationFailed
from spinecoach.services.actors import Role
from spinecoach.services.errors import Conflict
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.web.pages import (
    LOGIN_CSRF_COOKIE,
    LoginRequired,
    Viewer,
    check_csrf,
    context_of,
    new_login_token,
    page,
    viewer,
)

router = APIRouter(include_in_schema=False)


def _login_form(
    request: Request, *, message: str | None = None, username: str = "", status_code: int = 200
) -> Response:
    token = new_login_token()
    response = page(
        request,
        "auth/login.html",
        status_code=status_code,
        login_token=token,
        message=message,
        username=username,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login", max_age=3600
    )
    return response


@router.get("/login")
def login_page(request: Request) -> Response:
    return _login_form(request)


@router.post("/login")
def log_in(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    totp_code: Annotated[str, Form()] = "",
    login_token: Annotated[str, Form()] = "",
) -> Response:
    """Check the credentials and open the same cookie session the API uses."""
    context = context_of(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or login_token != expected:
        return _login_form(
            request,
            message="login_token: the form expired; try again",
            username=username,
            status_code=403,
        )
    remote = client_address(request)
    if context.login_limiter.allow(remote or "unknown") is not None:
        return _login_form(
            request,
            message="login: too many attempts from this address; wait a minute",
            username=username,
            status_code=429,
        )
    try:
        session = accounts.login(
            UnitOfWork(context.engine),
            username=username,
            password=password,
            totp_code=totp_code or None,
            remote_addr=remote,
            policy=context.policy,
        )
    except AuthenticationFailed as exc:
        return _login_form(request, message=str(exc), username=username, status_code=401)
    response = RedirectResponse("/" if session.second_factor else "/login/totp", status_code=303)
    _set_session_cookies(request, response, session.token, session.csrf_token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _set_session_cookies(request: Request, response: Response, token: str, csrf: str) -> None:
    context = context_of(request)
    secure = (
        context.settings.cookie_secure
        if context.settings.cookie_secure is not None
        else request.url.scheme == "https"
    )
    max_age = int(context.policy.session_absolute.total_seconds())
    for name, value, http_only in ((SESSION_COOKIE, token, True), (CSRF_COOKIE, csrf, False)):
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=http_only,
            samesite="strict",
            secure=secure,
            path="/",
        )


@dataclass(frozen=True)
class _Pending:
    """A signed-in session that may still wait for its second factor (enrolment only)."""

    viewer: Viewer
    token: str
    second_factor: bool


def _pending(request: Request) -> _Pending:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired("log in first")
    context = context_of(request)
    grant = accounts.session_grant(
        UnitOfWork(context.engine),
        token,
        policy=context.policy,
        remote_addr=client_address(request),
    )
    csrf = request.cookies.get(CSRF_COOKIE, "")
    if grant is None or not csrf or not grant.csrf_matches(csrf):
        raise LoginRequired("session ended")
    return _Pending(Viewer(grant.actor, csrf), token, grant.second_factor)


def _enrolment_page(
    request: Request, who: _Pending, *, message: str | None = None, status_code: int = 200
) -> Response:
    enrolment = accounts.begin_totp(
        UnitOfWork(context_of(request).engine), who.viewer.actor, keep_pending=True
    )
    qr = segno.make(enrolment.uri, error="m")
    return page(
        request,
        "auth/totp.html",
        status_code=status_code,
        viewer=who.viewer,
        secret=" ".join(textwrap.wrap(enrolment.secret, 4)),
        qr=qr.svg_data_uri(scale=5, border=4, title="Authenticator app QR code"),
        message=message,
    )


@router.get("/login/totp")
def totp_page(request: Request) -> Response:
    """First login of an account that must use a second factor: the secret as text and as a
    QR code for the authenticator app, and the box for its first code."""
    who = _pending(request)
    if who.second_factor:
        return RedirectResponse("/", status_code=303)
    try:
        return _enrolment_page(request, who)
    except Conflict:  # enrolled from another session: this one logs in again with a code
        return RedirectResponse("/login", status_code=303)


@router.post("/login/totp")
def confirm_totp(
    request: Request,
    code: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Confirm the enrolment with a current code; this session then counts as two-factor and
    every later login asks for a code."""
    who = _pending(request)
    check_csrf(who.viewer, csrf_token)
    if who.second_factor:
        return RedirectResponse("/", status_code=303)
    try:
        accounts.confirm_totp(
            UnitOfWork(context_of(request).engine),
            who.viewer.actor,
            code,
            session_token=who.token,
        )
    except InputError as exc:
        return _enrolment_page(request, who, message=str(exc), status_code=422)
    except Conflict:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def log_out(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    """End the session (also one still waiting for its second factor)."""
    who = _pending(request)
    check_csrf(who.viewer, csrf_token)
    accounts.logout(UnitOfWork(context_of(request).engine), who.viewer.actor, who.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/")
def home(request: Request) -> Response:
    """Clinicians to their patients, a patient to today's exercises."""
    try:
        who = viewer(request)
    except LoginRequired:
        try:
            waiting = not _pending(request).second_factor
        except LoginRequired:
            waiting = False
        return RedirectResponse("/login/totp" if waiting else "/login", status_code=303)
    if who.actor.has(Role.CLINICIAN):
        return RedirectResponse("/clinic", status_code=303)
    if who.actor.patient_id is not None:
        return RedirectResponse(f"/patients/{who.actor.patient_id}/today", status_code=303)
    return page(request, "auth/admin.html", viewer=who)
