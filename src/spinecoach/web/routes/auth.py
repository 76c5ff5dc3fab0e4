"""Logging in and out from the browser, and the home address sending each role to its pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from spinecoach.api.security import CSRF_COOKIE, SESSION_COOKIE, client_address
from spinecoach.services import accounts
from spinecoach.services.accounts import AuthenticationFailed
from spinecoach.services.actors import Role
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.web.pages import (
    LOGIN_CSRF_COOKIE,
    LoginRequired,
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
    if not session.second_factor:
        return _login_form(
            request,
            message="totp_code: this account needs a second factor; enrol it first",
            username=username,
            status_code=401,
        )
    secure = (
        context.settings.cookie_secure
        if context.settings.cookie_secure is not None
        else request.url.scheme == "https"
    )
    max_age = int(context.policy.session_absolute.total_seconds())
    response = RedirectResponse("/", status_code=303)
    for name, value, http_only in (
        (SESSION_COOKIE, session.token, True),
        (CSRF_COOKIE, session.csrf_token, False),
    ):
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=http_only,
            samesite="strict",
            secure=secure,
            path="/",
        )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def log_out(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    who = viewer(request)
    check_csrf(who, csrf_token)
    token = request.cookies.get(SESSION_COOKIE, "")
    accounts.logout(UnitOfWork(context_of(request).engine), who.actor, token)
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
        return RedirectResponse("/login", status_code=303)
    if who.actor.has(Role.CLINICIAN):
        return RedirectResponse("/clinic", status_code=303)
    if who.actor.patient_id is not None:
        return RedirectResponse(f"/patients/{who.actor.patient_id}/today", status_code=303)
    return page(request, "auth/admin.html", viewer=who)
