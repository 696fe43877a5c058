"""End-to-end checks of a deployed inventory service (black box, over HTTP)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

SECURITY_HEADERS = (
    "strict-transport-security",
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "permissions-policy",
)


def test_health_is_ok(http: httpx.Client, expected_version: str | None) -> None:
    response = http.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    if expected_version:
        assert body["version"] == expected_version


def test_version_matches_the_release(http: httpx.Client, expected_version: str | None) -> None:
    response = http.get("/version")
    assert response.status_code == 200
    version = response.json()["version"]
    assert version == http.get("/health").json()["version"]
    if expected_version:
        assert version == expected_version, f"deployed {version}, expected {expected_version}"


def test_item_lifecycle(http: httpx.Client, auth_headers: dict[str, str]) -> None:
    body = {"name": "E2E widget", "sku": "E2E-001", "quantity": 3, "price_cents": 450}
    created = http.post("/api/v1/items", json=body, headers=auth_headers)
    assert created.status_code == 201, created.text
    item = created.json()
    assert {k: item[k] for k in body} == body

    fetched = http.get(f"/api/v1/items/{item['id']}", headers=auth_headers)
    assert fetched.status_code == 200 and fetched.json() == item
    listed = http.get("/api/v1/items", headers=auth_headers).json()
    assert item in listed["items"]

    deleted = http.delete(f"/api/v1/items/{item['id']}", headers=auth_headers)
    assert deleted.status_code == 204
    assert http.get(f"/api/v1/items/{item['id']}", headers=auth_headers).status_code == 404


def test_missing_item_is_404(http: httpx.Client, auth_headers: dict[str, str]) -> None:
    response = http.get("/api/v1/items/987654321", headers=auth_headers)
    assert response.status_code == 404
    assert response.json()["detail"] == "item 987654321 not found"


def test_unknown_path_is_404(http: httpx.Client) -> None:
    assert http.get("/definitely/not/here").status_code == 404


def test_items_need_a_token(http: httpx.Client) -> None:
    response = http.get("/api/v1/items")
    assert response.status_code == 401
    assert response.headers.get("www-authenticate") == "Bearer"


def test_weak_password_is_refused(http: httpx.Client, new_credentials: Callable[[], tuple[str, str]]) -> None:
    username, _ = new_credentials()
    response = http.post("/api/v1/auth/register", json={"username": username, "password": "password"})
    assert response.status_code == 422
    assert "password is too weak" in response.text


@pytest.mark.parametrize("path", ["/health", "/api/v1/items", "/definitely/not/here"])
def test_security_headers_are_present(http: httpx.Client, path: str) -> None:
    headers = http.get(path).headers
    missing = [name for name in SECURITY_HEADERS if name not in headers]
    assert not missing, f"{path} lacks {missing}"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_metrics_and_openapi_are_served(http: httpx.Client) -> None:
    metrics = http.get("/metrics")
    assert metrics.status_code == 200 and "http_requests_total" in metrics.text
    spec = http.get("/openapi.json")
    assert spec.status_code == 200 and "/api/v1/items" in spec.json()["paths"]
