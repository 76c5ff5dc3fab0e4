"""HTTP security of the API: cookie names, security headers, login rate limiting.

The browser holds an opaque session id in an HttpOnly, SameSite=Strict cookie (Secure over
https); writes authenticated by that cookie must echo the session's CSRF token (given at login,
also in the readable ``spinecoach_csrf`` cookie) in the ``X-CSRF-Token`` header. API clients
send a personal access token as ``Authorization: Bearer ...`` and need no CSRF token.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "LoginRateLimiter",
    "SecurityHeaders",
]

SESSION_COOKIE = "spinecoach_session"
CSRF_COOKIE = "spinecoach_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cache-control", b"no-store"),
)
_HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    """ASGI middleware adding the security headers to every response (HSTS over https).

    Health data must not be cached, framed or sniffed; the API serves JSON only, so its content
    security policy allows nothing to load.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in _HEADERS if h[0] not in present)
                if https:
                    headers.append(_HSTS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LoginRateLimiter:
    """At most ``per_minute`` login attempts per client address in any 60-second window.

    Kept in memory per server process (a lockout in the database stops slow guessing of one
    account across processes; this stops fast guessing across accounts from one address).
    """

    WINDOW_S = 60.0

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._attempts: MutableMapping[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, address: str, now: float | None = None) -> float | None:
        """Count an attempt; None when allowed, else the seconds to wait before the next one."""
        now = time.monotonic() if now is None else now
        with self._lock:
            attempts = self._attempts.setdefault(address, deque())
            while attempts and attempts[0] <= now - self.WINDOW_S:
                attempts.popleft()
            if len(attempts) >= self.per_minute:
                return max(1.0, attempts[0] + self.WINDOW_S - now)
            attempts.append(now)
            if len(self._attempts) > 10_000:  # forget idle addresses; memory stays bounded
                for key in [k for k, v in self._attempts.items() if not v]:
                    del self._attempts[key]
            return None

    def reset(self) -> None:
        with self._lock:
            self._attempts.clear()


def client_address(scope_or_request: Any) -> str | None:
    """The peer address of a request (what the audit trail keeps as "from where")."""
    client = getattr(scope_or_request, "client", None)
    return client.host if client is not None else None
