"""Per-client token-bucket rate limiting (written here, no extra dependency).

Each client IP owns a bucket holding up to ``burst`` tokens, refilled at
``per_minute / 60`` tokens a second; a request takes one token, and a request
that finds the bucket empty gets ``429 Too Many Requests`` with ``Retry-After``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from app.middleware import send_json

EXEMPT_PATHS = frozenset({"/health", "/metrics"})


class TokenBucketLimiter:
    """Token buckets keyed by client; the least recently seen are dropped past ``max_clients``."""

    def __init__(
        self,
        per_minute: int,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        """Allow ``per_minute`` requests a minute per client, ``burst`` (default: the same) at once."""
        self.per_minute = per_minute
        self.capacity = float(burst if burst is not None else per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take a token for ``key``.

        :return: 0.0 when the request may proceed, else the seconds until a token is free.
        """
        now = self._clock()
        with self._lock:
            tokens, stamp = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0 if wait == 0.0 else tokens, now)
            while len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)
        return wait


class RateLimitMiddleware:
    """Answers 429 with ``Retry-After`` when a client IP exceeds its limit.

    ``/health`` and ``/metrics`` are exempt so probes and scrapes never fail.
    """

    def __init__(self, app: ASGIApp, limiter: TokenBucketLimiter) -> None:
        """Wrap ``app`` and limit with ``limiter``."""
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the client's bucket, then pass the request on or refuse it."""
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.limiter.acquire(client[0] if client else "unknown")
        if wait == 0.0:
            await self.app(scope, receive, send)
            return
        detail = f"rate limit exceeded: {self.limiter.per_minute} requests per minute"
        headers = {"Retry-After": str(max(1, math.ceil(wait)))}
        await send_json(send, 429, {"detail": detail}, headers)
