"""Black-box E2E fixtures: every test talks HTTP to the deployed service at SAMPLE_APP_URL.

Run with ``SAMPLE_APP_URL=http://host:port python -m pytest tests_e2e`` from
``include/sample_app``; set ``EXPECTED_VERSION`` to also check the deployed version.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator

import httpx
import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to run without a target: a missing URL is a usage error, never a skip."""
    if not os.environ.get("SAMPLE_APP_URL", "").strip():
        raise pytest.UsageError(
            "SAMPLE_APP_URL is not set: export the base URL of the deployed service, "
            "e.g. SAMPLE_APP_URL=http://127.0.0.1:8000, then run the E2E suite again"
        )


@pytest.fixture(scope="session")
def base_url() -> str:
    """Base URL of the service under test."""
    return os.environ["SAMPLE_APP_URL"].strip().rstrip("/")


@pytest.fixture(scope="session")
def http(base_url: str) -> Iterator[httpx.Client]:
    """An HTTP client bound to the service."""
    with httpx.Client(base_url=base_url, timeout=15.0, follow_redirects=False) as client:
        yield client


@pytest.fixture(scope="session")
def expected_version() -> str | None:
    """The version the deployment must report, when EXPECTED_VERSION is set."""
    return os.environ.get("EXPECTED_VERSION", "").strip() or None


def _new_credentials() -> tuple[str, str]:
    """A unique username and a policy-compliant password, so reruns never collide."""
    return f"e2e_{secrets.token_hex(6)}", f"E2e-{secrets.token_urlsafe(12)}-9x!"


@pytest.fixture
def new_credentials() -> Callable[[], tuple[str, str]]:
    """Make unique credentials on demand."""
    return _new_credentials


@pytest.fixture(scope="session")
def auth_headers(http: httpx.Client) -> dict[str, str]:
    """Register a fresh account, log in and return its Authorization header."""
    username, password = _new_credentials()
    registered = http.post("/api/v1/auth/register", json={"username": username, "password": password})
    assert registered.status_code == 201, registered.text
    login = http.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}
