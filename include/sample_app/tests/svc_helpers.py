"""Helpers shared by the unit tests (importable because ``tests`` is on pytest's pythonpath)."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from fastapi.testclient import TestClient

import app.security
from app.config import Settings

# Read at import, before the autouse fixture in conftest lowers it for speed.
PRODUCTION_SCRYPT_COST = app.security.SCRYPT_COST

ALLOWED_ORIGIN = "https://shop.example.com"


def make_password() -> str:
    """A fresh password that satisfies the policy."""
    return "Pw-" + secrets.token_hex(6) + "-Zq9!"


def make_settings(**overrides: Any) -> Settings:
    """Settings for tests: a fixed-length random key, a generous rate limit, the given overrides."""
    base = Settings(
        secret_key=secrets.token_urlsafe(48),
        secret_key_generated=False,
        rate_limit_per_minute=100_000,
        cors_allow_origins=(ALLOWED_ORIGIN,),
    )
    return dataclasses.replace(base, **overrides)


def register(client: TestClient, username: str, password: str | None = None) -> str:
    """Register ``username`` and return the password used."""
    password = password or make_password()
    response = client.post("/api/v1/auth/register", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return password


def auth_headers(client: TestClient, username: str = "alice") -> dict[str, str]:
    """Register and log in ``username``; return the Authorization header."""
    password = register(client, username)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
