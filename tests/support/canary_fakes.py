"""A fake pod's Prometheus metrics (the sample app's series) for the canary tests."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, Info, generate_latest

from golive.canary.metrics import TrafficWindow, window
from golive.canary.providers.scrape import parse_exposition

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class FakePod:
    """The sample app's metrics in a registry of their own: one process of one track."""

    def __init__(self, version: str = "1.0.0") -> None:
        self.registry = CollectorRegistry()
        labels = ("method", "path", "status")
        self.requests = Counter("http_requests", "HTTP requests handled.", labels, registry=self.registry)
        self.latency = Histogram("http_request_duration_seconds", "Latency.", labels, buckets=BUCKETS,
                                 registry=self.registry)
        Info("app", "Running service.", registry=self.registry).info({"name": "inventory", "version": version})

    def serve(self, n: int, seconds: float, status: int = 200, path: str = "/api/v1/items") -> None:
        for _ in range(n):
            self.requests.labels("GET", path, str(status)).inc()
            self.latency.labels("GET", path, str(status)).observe(seconds)

    def text(self) -> str:
        return generate_latest(self.registry).decode()

    def snapshot(self, at: float, source: str = "pod-a") -> Any:
        return parse_exposition(self.text(), source=source, scraped_at=at)


def fake_window(*traffic: tuple[int, float, int], version: str = "1.0.0") -> TrafficWindow:
    """A window in which one pod served ``(count, seconds, status)`` batches."""
    pod = FakePod(version)
    pod.serve(3, 0.01)
    before = pod.snapshot(100.0)
    for count, seconds, status in traffic:
        pod.serve(count, seconds, status)
    return window(before, pod.snapshot(160.0))
