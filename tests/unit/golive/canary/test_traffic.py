"""Bounded traffic generation against a live server."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from local_http import serving

from golive.canary.metrics import CanaryError
from golive.canary.traffic import drive, generate_traffic, sign_in, traffic_paths
from golive.profile.model import Endpoints

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


# --- what the traffic calls: the profile's endpoints ---------------------------------------------------


def test_traffic_paths_come_from_the_profile_first() -> None:
    endpoints = Endpoints(traffic_paths=["/hello", "/auth/login"])
    paths, note = traffic_paths(endpoints, {"openapi": "3.1.0", "paths": {"/other": {"get": {}}}})
    assert paths == ("/hello", "/auth/login") and "traffic_paths" in note


def test_traffic_paths_from_openapi_get_operations_without_parameters() -> None:
    doc = {"openapi": "3.1.0", "paths": {"/items": {"get": {}}, "/items/{id}": {"get": {}}, "/login": {"post": {}},
                                         "/health": {"get": {}}, "/about": {"get": {}}}}
    paths, note = traffic_paths(Endpoints(), doc)
    assert paths == ("/about", "/items") and "OpenAPI" in note


def test_without_paths_or_openapi_traffic_only_hits_health() -> None:
    paths, note = traffic_paths(Endpoints(health="/hello"), None)
    assert paths == ("/hello",)
    assert "only hits the health path /hello" in note


def test_no_account_is_created_without_signup_and_login() -> None:
    class Refuse:
        def post(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("sign_in must not POST without endpoints.signup")

    token, note = sign_in([], Refuse(), Endpoints())  # type: ignore[arg-type]
    assert token is None and "only anonymous traffic" in note


def test_drive_gets_the_given_paths(tiny_server: str) -> None:
    reports = drive(tiny_server, seconds=5, requests=6, token=None, paths=["/ok"], concurrency=1)
    assert reports[0]["sent"] == 6 and reports[0]["status_counts"] == {"200": 6}
