"""Bounded traffic generation against a live server."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from local_http import serving

from golive.canary.metrics import CanaryError
from golive.canary.traffic import generate_traffic

# --- traffic ------------------------------------------------------------------------------------------


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        code = 200 if self.path == "/ok" else 404
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def tiny_server() -> Iterator[str]:
    with serving(_Ok) as url:
        yield url


def test_generate_traffic_is_bounded_by_count(tiny_server: str) -> None:
    report = generate_traffic(tiny_server, requests=40, paths=["/ok", "/missing"], concurrency=3)
    assert report.sent == 40 and report.transport_errors == 0
    assert report.status_counts == {200: 20, 404: 20}


def test_generate_traffic_stops_by_itself_after_the_time_bound(tiny_server: str) -> None:
    ticks = iter(range(1000))
    report = generate_traffic(tiny_server, seconds=5, paths=["/ok"], concurrency=1, clock=lambda: next(ticks))
    # the fake clock advances one "second" per reading: the loop stops once five have passed
    assert 0 < report.sent < 10 and report.status_counts == {200: report.sent}


def test_generate_traffic_refuses_unbounded_or_remote_load() -> None:
    with pytest.raises(CanaryError, match="needs a bound"):
        generate_traffic("http://127.0.0.1:1")
    with pytest.raises(CanaryError, match="not a loopback address"):
        generate_traffic("http://example.com", requests=1)
    with pytest.raises(CanaryError, match="requests must be"):
        generate_traffic("http://127.0.0.1:1", requests=10**7)
    with pytest.raises(CanaryError, match="paths must"):
        generate_traffic("http://127.0.0.1:1", requests=1, paths=["api"])
    down = generate_traffic("http://127.0.0.1:9", requests=3, concurrency=1, timeout=2.0)
    assert down.sent == 3 and down.transport_errors == 3 and "ConnectError" in down.last_error
