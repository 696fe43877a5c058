"""Prometheus metrics: ``http_requests_total`` and ``http_request_duration_seconds``
by method, route (``path``, the URL rule, or ``unmatched``) and status, served
at ``/metrics`` (the series golive's canary analysis and alert rules read)."""

import time

from flask import Response
from flask import g
from flask import request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest

LABELS = ("method", "path", "status")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METRICS_PATH = "/metrics"


def init_app(app):
    """Count and time every request but the scrape, and serve the metrics."""
    registry = CollectorRegistry()
    requests = Counter("http_requests", "HTTP requests handled.", LABELS, registry=registry)
    latency = Histogram(
        "http_request_duration_seconds",
        "Time from request to response, in seconds.",
        LABELS,
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )

    @app.before_request
    def start_timer():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def observe(response):
        if request.path != METRICS_PATH:
            rule = request.url_rule.rule if request.url_rule else "unmatched"
            labels = (request.method, rule, str(response.status_code))
            requests.labels(*labels).inc()
            started = g.get("metrics_started", time.perf_counter())
            latency.labels(*labels).observe(time.perf_counter() - started)
        return response

    @app.route(METRICS_PATH)
    def metrics():
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
