"""Items CRUD and authorization."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from svc_helpers import auth_headers

ITEMS = "/api/v1/items"


def _item(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Widget", "sku": "WID-001", "quantity": 5, "price_cents": 1299}
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic YWxpY2U6cHc="}],
)
def test_items_require_a_valid_bearer_token(client: TestClient, headers: dict[str, str]) -> None:
    for method, path in (("GET", ITEMS), ("POST", ITEMS), ("GET", ITEMS + "/1"), ("DELETE", ITEMS + "/1")):
        response = client.request(method, path, headers=headers, json=_item() if method == "POST" else None)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"


def test_create_get_list_delete(client: TestClient, auth: dict[str, str]) -> None:
    created = client.post(ITEMS, json=_item(description="blue"), headers=auth)
    assert created.status_code == 201
    item = created.json()
    assert item["id"] >= 1 and item["sku"] == "WID-001" and item["description"] == "blue"

    fetched = client.get(f"{ITEMS}/{item['id']}", headers=auth)
    assert fetched.status_code == 200 and fetched.json() == item

    listed = client.get(ITEMS, headers=auth).json()
    assert listed["total"] == 1 and listed["items"] == [item]

    deleted = client.delete(f"{ITEMS}/{item['id']}", headers=auth)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(f"{ITEMS}/{item['id']}", headers=auth).status_code == 404
    assert client.delete(f"{ITEMS}/{item['id']}", headers=auth).status_code == 404


def test_pagination(client: TestClient, auth: dict[str, str]) -> None:
    for n in range(5):
        assert client.post(ITEMS, json=_item(sku=f"SKU-{n}"), headers=auth).status_code == 201
    page = client.get(ITEMS, params={"limit": 2, "offset": 3}, headers=auth).json()
    assert page["total"] == 5 and [i["sku"] for i in page["items"]] == ["SKU-3", "SKU-4"]
    assert client.get(ITEMS, params={"limit": 0}, headers=auth).status_code == 422
    assert client.get(ITEMS, params={"limit": 101}, headers=auth).status_code == 422


def test_items_are_private_to_their_owner(client: TestClient, auth: dict[str, str]) -> None:
    item_id = client.post(ITEMS, json=_item(), headers=auth).json()["id"]
    bob = auth_headers(client, "bob")
    assert client.get(f"{ITEMS}/{item_id}", headers=bob).status_code == 404
    assert client.delete(f"{ITEMS}/{item_id}", headers=bob).status_code == 404
    assert client.get(ITEMS, headers=bob).json()["total"] == 0
    assert client.post(ITEMS, json=_item(), headers=bob).status_code == 201, "SKUs are unique per owner"
    assert client.get(f"{ITEMS}/{item_id}", headers=auth).status_code == 200


def test_duplicate_sku_is_a_conflict(client: TestClient, auth: dict[str, str]) -> None:
    assert client.post(ITEMS, json=_item(), headers=auth).status_code == 201
    response = client.post(ITEMS, json=_item(name="Other"), headers=auth)
    assert response.status_code == 409 and "WID-001" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        _item(quantity=True),
        _item(quantity="5"),
        _item(quantity=-1),
        _item(quantity=2.5),
        _item(price_cents=False),
        _item(sku="lower-case"),
        _item(name=""),
        _item(extra="field"),
        {"name": "Widget"},
    ],
)
def test_invalid_items_are_rejected(client: TestClient, auth: dict[str, str], body: dict[str, Any]) -> None:
    assert client.post(ITEMS, json=body, headers=auth).status_code == 422


def test_whole_number_floats_are_accepted_as_integers(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(ITEMS, json=_item(quantity=3.0), headers=auth)
    assert response.status_code == 201 and response.json()["quantity"] == 3


@pytest.mark.parametrize("item_id", ["0", "-1", "abc", str(2**60)])
def test_invalid_item_ids_are_422(client: TestClient, auth: dict[str, str], item_id: str) -> None:
    assert client.get(f"{ITEMS}/{item_id}", headers=auth).status_code == 422


def test_unsupported_method_gets_405_with_the_full_allow_header(client: TestClient) -> None:
    collection = client.put(ITEMS)
    member = client.patch(f"{ITEMS}/1")
    assert collection.status_code == member.status_code == 405
    assert collection.headers["allow"] == "GET, POST"
    assert member.headers["allow"] == "DELETE, GET"


def test_unknown_path_is_404(client: TestClient) -> None:
    assert client.get("/api/v1/nothing-here").status_code == 404
