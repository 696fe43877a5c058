"""Registration, password policy and login over HTTP."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from svc_helpers import make_password, register

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"


def test_register_creates_an_account(client: TestClient) -> None:
    response = client.post(REGISTER, json={"username": "alice", "password": make_password()})
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "alice" and "created_at" in body
    assert "password" not in response.text


def test_duplicate_username_is_a_conflict_regardless_of_case(client: TestClient) -> None:
    register(client, "alice")
    response = client.post(REGISTER, json={"username": "ALICE", "password": make_password()})
    assert response.status_code == 409
    assert "already registered" in response.json()["detail"]


def test_weak_password_gets_422_with_every_broken_rule_and_no_echo(client: TestClient) -> None:
    weak = "weakpass"
    response = client.post(REGISTER, json={"username": "alice", "password": weak})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "password"]
    for rule in ("at least 12 characters", "uppercase", "digit", "symbol"):
        assert rule in error["msg"]
    assert weak not in response.text, "the submitted password must not be echoed"
    assert "input" not in error


def test_password_containing_the_username_is_refused(client: TestClient) -> None:
    response = client.post(REGISTER, json={"username": "alice", "password": "My-Alice-Pass-42!"})
    assert response.status_code == 422
    assert "must not contain the username" in response.json()["detail"][0]["msg"]


def test_registration_validates_username_and_rejects_extra_fields(client: TestClient) -> None:
    bad_name = client.post(REGISTER, json={"username": "a b", "password": make_password()})
    extra = client.post(REGISTER, json={"username": "carol", "password": make_password(), "admin": True})
    assert bad_name.status_code == 422 and extra.status_code == 422


def test_login_returns_a_working_bearer_token(client: TestClient) -> None:
    password = register(client, "alice")
    response = client.post(LOGIN, json={"username": "alice", "password": password})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    items = client.get("/api/v1/items", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert items.status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_401(client: TestClient) -> None:
    register(client, "alice")
    wrong = client.post(LOGIN, json={"username": "alice", "password": make_password()})
    unknown = client.post(LOGIN, json={"username": "nobody", "password": make_password()})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "invalid username or password"}
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_malformed_bodies_are_client_errors(client: TestClient) -> None:
    not_json = client.post(LOGIN, content=b"{not json", headers={"content-type": "application/json"})
    missing = client.post(LOGIN, json={"username": "alice"})
    assert not_json.status_code in (400, 422) and missing.status_code == 422


def test_tokens_from_another_instance_with_the_same_key_need_a_known_user(
    app_factory: Callable[..., TestClient],
) -> None:
    key = "shared-signing-key-for-two-replicas-000"
    first, second = app_factory(secret_key=key), app_factory(secret_key=key)
    password = register(first, "alice")
    token = first.post(LOGIN, json={"username": "alice", "password": password}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert first.get("/api/v1/items", headers=headers).status_code == 200
    assert second.get("/api/v1/items", headers=headers).status_code == 401
