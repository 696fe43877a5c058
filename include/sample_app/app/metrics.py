"""Prometheus metrics and the access log.

``http_requests_total{method,path,status}`` counts requests and
``http_request_duration_seconds{method,path,status}`` records their latency;
``path`` is the route template (``/api/v1/items/{item_id}``), or ``unmatched``
for paths that match no route, so label values stay bounded.
"""

from __future__ import annotations

import logging
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    ProcessCollector,
    generate_latest,
)
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("app.access")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
NOT_MEASURED = frozenset({"/metrics"})


class Metrics:
    """The service's metrics, in a registry of their own."""

    def __init__(self, app_name: str, version: str) -> None:
        """Create the metrics and record the service's name and version in ``app_info``."""
        self.registry = CollectorRegistry()
        labels = ("method", "path", "status")
        self.requests = Counter("http_requests", "HTTP requests handled.", labels, registry=self.registry)
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from request to response, in seconds.",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_progress = Gauge(
            "http_requests_in_progress", "HTTP requests being handled.", registry=self.registry
        )
        Info("app", "Running service.", registry=self.registry).info({"name": app_name, "version": version})
        ProcessCollector(registry=self.registry)

    def observe(self, method: str, path: str, status: int, seconds: float) -> None:
        """Count one request and record its latency."""
        labels = (method if method in KNOWN_METHODS else "OTHER", path, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        """Return the exposition text and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def route_template(scope: Scope) -> str:
    """Return the template of the route that ``scope`` matches, or ``unmatched``."""
    router = getattr(scope.get("app"), "router", None)
    partial = UNMATCHED
    for route in getattr(router, "routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return getattr(route, "path", UNMATCHED)
        if match is Match.PARTIAL and partial == UNMATCHED:
            partial = getattr(route, "path", UNMATCHED)
    return partial


class MetricsMiddleware:
    """Measures every HTTP request (except ``/metrics``) and writes the access log line."""

    def __init__(self, app: ASGIApp, metrics: Metrics, access_log_enabled: bool = True) -> None:
        """Wrap ``app`` and record into ``metrics``."""
        self.app = app
        self.metrics = metrics
        self.access_log_enabled = access_log_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request, then record its method, route template and status."""
        if scope["type"] != "http" or scope["path"] in NOT_MEASURED:
            await self.app(scope, receive, send)
            return
        status = 500
        path = route_template(scope)

        async def send_and_capture(message: Message) -> None:
            """Remember the response status, then send the message."""
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        start = time.perf_counter()
        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, send_and_capture)
        finally:
            self.metrics.in_progress.dec()
            self._record(scope, path, status, time.perf_counter() - start)

    def _record(self, scope: Scope, path: str, status: int, seconds: float) -> None:
        """Update the metrics and write the access log line."""
        self.metrics.observe(scope["method"], path, status, seconds)
        if self.access_log_enabled:
            client = scope.get("client")
            access_log.info(
                "%s %s %d %.1fms client=%s",
                scope["method"][:16],
                path,
                status,
                seconds * 1000,
                client[0] if client else "-",
            )
