"""Security headers, CORS and rate limiting."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from svc_helpers import ALLOWED_ORIGIN

from app.ratelimit import TokenBucketLimiter

REQUIRED_HEADERS = {
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


@pytest.mark.parametrize(("method", "path"), [("GET", "/health"), ("GET", "/api/v1/items"), ("GET", "/nope")])
def test_security_headers_on_every_response(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    for name, value in REQUIRED_HEADERS.items():
        assert response.headers[name] == value
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "camera=()" in response.headers["permissions-policy"]
    assert response.headers["cache-control"] == "no-store"


def test_docs_are_off_by_default_and_get_a_docs_csp_when_on(app_factory: Callable[..., TestClient]) -> None:
    assert app_factory().get("/docs").status_code == 404
    response = app_factory(enable_docs=True).get("/docs")
    assert response.status_code == 200
    assert "cdn.jsdelivr.net" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def _preflight(client: TestClient, origin: str) -> dict[str, str]:
    response = client.options(
        "/api/v1/items",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    return {"status": str(response.status_code), **response.headers}


def test_cors_preflight_from_an_allowed_origin(client: TestClient) -> None:
    headers = _preflight(client, ALLOWED_ORIGIN)
    assert headers["status"] == "200"
    assert headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in headers


def test_cors_preflight_from_a_foreign_origin_gets_no_allow_origin(client: TestClient) -> None:
    headers = _preflight(client, "https://evil.example.net")
    assert headers["status"] == "400"
    assert "access-control-allow-origin" not in headers
    assert headers["x-content-type-options"] == "nosniff"


def test_cors_simple_request(client: TestClient) -> None:
    allowed = client.get("/health", headers={"Origin": ALLOWED_ORIGIN})
    foreign = client.get("/health", headers={"Origin": "https://evil.example.net"})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "access-control-allow-origin" not in foreign.headers


def test_default_cors_allow_list_is_localhost_3000(app_factory: Callable[..., TestClient]) -> None:
    client = app_factory(cors_allow_origins=("http://localhost:3000",))
    assert (
        _preflight(client, "http://localhost:3000")["access-control-allow-origin"] == "http://localhost:3000"
    )


class FakeClock:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_the_burst_then_refills() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(per_minute=60, clock=clock)
    assert all(limiter.acquire("a") == 0.0 for _ in range(60))
    wait = limiter.acquire("a")
    assert wait == pytest.approx(1.0)
    assert limiter.acquire("b") == 0.0, "buckets are per client"
    clock.now += 1.0
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0.0


def test_token_bucket_forgets_the_least_recent_clients() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(per_minute=1, clock=clock, max_clients=2)
    limiter.acquire("a")
    limiter.acquire("b")
    limiter.acquire("c")
    assert limiter.acquire("a") == 0.0, "a was evicted, so it starts with a full bucket"
    assert limiter.acquire("c") > 0.0


def test_rate_limit_answers_429_with_retry_after(app_factory: Callable[..., TestClient]) -> None:
    client = app_factory(rate_limit_per_minute=5)
    statuses = [client.get("/api/v1/items").status_code for _ in range(5)]
    assert statuses == [401] * 5
    limited = client.get("/api/v1/items")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert "5 requests per minute" in limited.json()["detail"]
    assert limited.headers["x-frame-options"] == "DENY"
    assert client.get("/health").status_code == 200, "health probes are exempt"
    assert client.get("/metrics").status_code == 200, "scrapes are exempt"


def test_rate_limit_zero_disables_limiting(app_factory: Callable[..., TestClient]) -> None:
    client = app_factory(rate_limit_per_minute=0)
    assert {client.get("/version").status_code for _ in range(10)} == {200}
