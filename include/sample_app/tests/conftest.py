"""Fixtures for the inventory service's unit tests (FastAPI TestClient, no network)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from svc_helpers import auth_headers, make_settings

import app.security
from app.main import create_app


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash with scrypt n=2**10 instead of 2**14: same code path, a sixteenth of the time."""
    monkeypatch.setattr(app.security, "SCRYPT_COST", 2**10)


@pytest.fixture
def app_factory() -> Iterator[Callable[..., TestClient]]:
    """Build started TestClients from setting overrides; all are closed after the test."""
    clients: list[TestClient] = []

    def build(**overrides: Any) -> TestClient:
        client = TestClient(create_app(make_settings(**overrides)))
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(app_factory: Callable[..., TestClient]) -> TestClient:
    """A client of a service with default test settings."""
    return app_factory()


@pytest.fixture
def auth(client: TestClient) -> dict[str, str]:
    """Authorization header of a fresh user ``alice`` on ``client``."""
    return auth_headers(client)
