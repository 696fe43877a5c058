"""Health, version, metrics and the OpenAPI document."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families


def test_health_reports_status_and_version(app_factory: Callable[..., TestClient]) -> None:
    response = app_factory(version="3.1.4").get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"] == "3.1.4" and body["uptime_seconds"] >= 0


def test_version(app_factory: Callable[..., TestClient]) -> None:
    assert app_factory(version="3.1.4").get("/version").json() == {
        "name": "inventory-service",
        "version": "3.1.4",
    }


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_count_requests_by_route_template_and_status(
    client: TestClient, auth: dict[str, str]
) -> None:
    client.get("/api/v1/items/41", headers=auth)
    client.get("/api/v1/items/42", headers=auth)
    client.get("/no/such/path")
    client.get("/health")
    samples = _samples(client)
    labels = (("method", "GET"), ("path", "/api/v1/items/{item_id}"), ("status", "404"))
    assert samples[("http_requests_total", labels)] == 2
    assert samples[("http_request_duration_seconds_count", labels)] == 2
    buckets = {
        dict(lbl)["le"]: value
        for (name, lbl), value in samples.items()
        if name == "http_request_duration_seconds_bucket" and set(labels) <= set(lbl)
    }
    assert list(buckets) == [
        "0.005",
        "0.01",
        "0.025",
        "0.05",
        "0.1",
        "0.25",
        "0.5",
        "1.0",
        "2.5",
        "5.0",
        "10.0",
        "+Inf",
    ]
    assert buckets["+Inf"] == 2
    unmatched = (("method", "GET"), ("path", "unmatched"), ("status", "404"))
    assert samples[("http_requests_total", unmatched)] == 1
    health = (("method", "GET"), ("path", "/health"), ("status", "200"))
    assert samples[("http_requests_total", health)] == 1
    login = (("method", "POST"), ("path", "/api/v1/auth/login"), ("status", "200"))
    assert samples[("http_requests_total", login)] == 1
    assert not any(name == "http_requests_total" and ("path", "/metrics") in lbl for name, lbl in samples)


def test_metrics_expose_the_version_and_bound_odd_methods(app_factory: Callable[..., TestClient]) -> None:
    client = app_factory(version="7.0.0")
    client.request("BREW", "/health")
    samples = _samples(client)
    assert samples[("app_info", (("name", "inventory-service"), ("version", "7.0.0")))] == 1
    odd = (("method", "OTHER"), ("path", "/health"), ("status", "405"))
    assert samples[("http_requests_total", odd)] == 1


def test_wrong_method_is_labelled_with_the_route(client: TestClient) -> None:
    client.put("/api/v1/items")
    labels = (("method", "PUT"), ("path", "/api/v1/items"), ("status", "405"))
    assert _samples(client)[("http_requests_total", labels)] == 1


def test_openapi_declares_auth_and_error_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["version"] == "1.0.0"
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    item = spec["paths"]["/api/v1/items/{item_id}"]["get"]["responses"]
    assert {"200", "401", "404", "422", "429"} <= set(item)
    assert "Retry-After" in item["429"]["headers"]
    register = spec["paths"]["/api/v1/auth/register"]["post"]["responses"]
    assert {"201", "400", "409", "422", "429"} <= set(register)
    assert "/metrics" not in spec["paths"]


def test_access_log_can_be_switched_off(
    app_factory: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        app_factory(access_log=False).get("/health")
        quiet = [r for r in caplog.records if r.name == "app.access"]
        app_factory().get("/health")
        loud = [r for r in caplog.records if r.name == "app.access"]
    assert quiet == [] and len(loud) == 1
    assert loud[0].getMessage().startswith("GET /health 200 ")
