"""Fault injection for rollback drills, and the logs of normal operation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from svc_helpers import auth_headers

import app.middleware
from app.config import FaultMode


def test_errors_mode_fails_api_requests_and_logs_error(
    app_factory: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    client = app_factory(fault_mode=FaultMode.ERRORS, fault_error_rate=1.0)
    with caplog.at_level(logging.INFO):
        response = client.get("/api/v1/items")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert response.headers["x-content-type-options"] == "nosniff"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and "injected fault" in errors[0].getMessage()
    assert client.get("/health").status_code == 200, "a faulty release still looks healthy"


def test_errors_mode_fails_about_the_configured_fraction(app_factory: Callable[..., TestClient]) -> None:
    client = app_factory(fault_mode=FaultMode.ERRORS, fault_error_rate=0.5)
    statuses = [client.get("/api/v1/items").status_code for _ in range(100)]
    failures = statuses.count(500)
    assert 20 <= failures <= 80, failures
    assert set(statuses) == {401, 500}


def test_errors_mode_uses_the_random_draw(
    app_factory: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    draws = iter([0.1, 0.9, 0.29, 0.31])
    monkeypatch.setattr(app.middleware, "random_fraction", lambda: next(draws))
    client = app_factory(fault_mode=FaultMode.ERRORS, fault_error_rate=0.3)
    assert [client.get("/api/v1/items").status_code for _ in range(4)] == [500, 401, 500, 401]


def test_random_fraction_is_in_the_unit_interval() -> None:
    values = [app.middleware.random_fraction() for _ in range(200)]
    assert all(0.0 <= v < 1.0 for v in values) and len(set(values)) > 100


def test_errors_mode_produces_500s_in_metrics(app_factory: Callable[..., TestClient]) -> None:
    client = app_factory(fault_mode=FaultMode.ERRORS, fault_error_rate=1.0)
    client.get("/api/v1/items/3")
    text = client.get("/metrics").text
    assert 'http_requests_total{method="GET",path="/api/v1/items/{item_id}",status="500"} 1.0' in text


def test_slow_mode_delays_api_requests_only(
    app_factory: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    delays: list[float] = []

    async def fake_delay(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(app.middleware, "fault_delay", fake_delay)
    client = app_factory(fault_mode=FaultMode.SLOW, fault_delay_seconds=2.5)
    assert client.get("/health").status_code == 200
    assert delays == []
    assert client.get("/api/v1/items").status_code == 401
    assert client.post("/api/v1/auth/login", json={}).status_code == 422
    assert delays == [2.5, 2.5]


def test_fault_delay_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(app.middleware.asyncio, "sleep", fake_sleep)
    asyncio.run(app.middleware.fault_delay(1.25))
    assert slept == [1.25]


def test_none_mode_leaves_requests_alone(app_factory: Callable[..., TestClient]) -> None:
    client = app_factory(fault_mode=FaultMode.NONE, fault_error_rate=1.0)
    assert client.get("/api/v1/items").status_code == 401


def test_normal_operation_logs_no_error(
    app_factory: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        client = app_factory(version="5.0.0")
        headers = auth_headers(client, "erin")
        client.post(
            "/api/v1/items",
            json={"name": "n", "sku": "ABC", "quantity": 1, "price_cents": 1},
            headers=headers,
        )
        client.get("/api/v1/items/999", headers=headers)
        client.get("/nothing")
    messages = [r.getMessage() for r in caplog.records]
    assert any("starting inventory-service version=5.0.0 fault_mode=none" in m for m in messages)
    assert any("/api/v1/items/{item_id} 404" in m for m in messages), "access log uses the route template"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not any("ERROR" in m for m in messages)


def test_startup_warns_about_generated_key_and_fault_mode(
    app_factory: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        app_factory(secret_key_generated=True, fault_mode=FaultMode.SLOW)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("APP_SECRET_KEY is not set" in w for w in warnings)
    assert any("FAULT_MODE=slow" in w for w in warnings)
