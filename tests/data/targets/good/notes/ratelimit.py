"""A per-client token bucket, and the middleware that answers 429 when a client exceeds it."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class TokenBucket:
    """Allow ``capacity`` requests per client, refilled at ``rate`` tokens per second."""

    def __init__(self, capacity: int, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.rate = rate
        self.clock = clock
        self._state: dict[str, tuple[float, float]] = {}

    def allow(self, client: str) -> bool:
        """Take one token for ``client``; False when the bucket is empty."""
        now = self.clock()
        tokens, last = self._state.get(client, (float(self.capacity), now))
        tokens = min(float(self.capacity), tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._state[client] = (tokens - 1.0 if allowed else tokens, now)
        return allowed


class RateLimitMiddleware(BaseHTTPMiddleware):
    """Answer 429 Too Many Requests to a client that has no token left."""

    def __init__(self, app: Callable[..., Awaitable[None]], bucket: TokenBucket) -> None:
        super().__init__(app)
        self.bucket = bucket

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Let the request through, or refuse it with 429."""
        client = request.client.host if request.client else "unknown"
        if not self.bucket.allow(client):
            return JSONResponse({"detail": "too many requests"}, status_code=429)
        return await call_next(request)
