"""Production hardening of the tutorial app: security response headers and a
per-client rate limit (stdlib only, so the app keeps its one dependency on
Flask plus pydantic for input validation)."""

import math
import threading
import time
from collections import OrderedDict

from flask import abort
from flask import request

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

#: Paths the limit never applies to: the health probe and the metrics scrape.
EXEMPT_PATHS = frozenset({"/hello", "/metrics"})


class TokenBucket:
    """Per-client token buckets: ``per_minute`` requests a minute, as a burst too."""

    def __init__(self, per_minute, clock=time.monotonic, max_clients=10_000):
        self.per_minute = per_minute
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._max_clients = max_clients
        self._buckets = OrderedDict()
        self._lock = threading.Lock()

    def wait_for(self, client):
        """Take a token for ``client``: 0 when the request may go on, else the
        seconds until the next token."""
        now = self._clock()
        with self._lock:
            tokens, stamp = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
            self._buckets[client] = (tokens - 1.0 if wait == 0.0 else tokens, now)
            while len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)
        return wait


def init_app(app):
    """Limit every client to RATE_LIMIT_PER_MINUTE requests (429 with
    Retry-After past it) and set the security headers on every response."""
    per_minute = app.config["RATE_LIMIT_PER_MINUTE"]
    limiter = TokenBucket(per_minute) if per_minute > 0 else None

    @app.before_request
    def rate_limit():
        if limiter is None or request.path in EXEMPT_PATHS:
            return None
        wait = limiter.wait_for(request.remote_addr or "unknown")
        if wait > 0:
            response = app.make_response(
                (f"Too many requests: {per_minute} a minute.", 429)
            )
            response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            abort(response)
        return None

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
