"""ASGI middleware: security headers and fault injection."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import FaultMode

logger = logging.getLogger("app.faults")

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def random_fraction() -> float:
    """A uniformly distributed number in [0, 1) from the OS random source."""
    return secrets.randbelow(1_000_000) / 1_000_000


async def fault_delay(seconds: float) -> None:
    """Wait ``seconds`` before handling a request in ``slow`` mode."""
    await asyncio.sleep(seconds)


class SecurityHeadersMiddleware:
    """Adds HSTS, CSP, nosniff, frame, referrer and permissions headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and add the headers to its response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"].startswith(DOCS_PATHS) else API_CSP

        async def send_with_headers(message: Message) -> None:
            """Add the headers to ``http.response.start`` messages."""
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class FaultInjectionMiddleware:
    """Makes ``/api/*`` requests fail or slow down, to rehearse a bad release.

    ``errors`` answers a fraction of requests with 500 and logs an ERROR line;
    ``slow`` delays each request. Other paths, such as ``/health``, are untouched.
    """

    def __init__(
        self, app: ASGIApp, mode: FaultMode, error_rate: float = 0.5, delay_seconds: float = 2.5
    ) -> None:
        """Wrap ``app`` with the given fault ``mode``."""
        self.app = app
        self.mode = mode
        self.error_rate = error_rate
        self.delay_seconds = delay_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply the configured fault to API requests, then pass them on."""
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if self.mode is FaultMode.SLOW:
            await fault_delay(self.delay_seconds)
        elif self.mode is FaultMode.ERRORS and random_fraction() < self.error_rate:
            logger.error("injected fault: answering 500 to %s %r", scope["method"], scope["path"][:200])
            await send_json(send, 500, {"detail": "internal server error"})
            return
        await self.app(scope, receive, send)


async def send_json(
    send: Send, status: int, body: dict[str, str], headers: dict[str, str] | None = None
) -> None:
    """Send a complete JSON response."""
    payload = json.dumps(body).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})
