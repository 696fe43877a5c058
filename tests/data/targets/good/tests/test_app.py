import pytest
from fastapi.testclient import TestClient

from notes.app import create_app
from notes.ratelimit import TokenBucket


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("NOTES_API_TOKEN", "fixture-token")
    return TestClient(create_app())


def test_writes_need_the_token(client):
    assert client.post("/notes", json={"title": "t", "body": "b"}).status_code == 401
    ok = client.post("/notes", json={"title": "t", "body": "b"}, headers={"Authorization": "Bearer fixture-token"})
    assert ok.status_code == 201
    assert client.get("/notes").json() == [{"title": "t", "body": "b", "by": "api-client"}]


def test_responses_carry_security_headers(client):
    response = client.get("/notes")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_password_check(client):
    auth = {"Authorization": "Bearer fixture-token"}
    assert client.post("/password-check", json={"password": "short"}, headers=auth).json()["problems"]


def test_rate_limit_answers_429():
    client = TestClient(create_app(TokenBucket(capacity=2, rate=0.0)))
    codes = [client.get("/notes").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_bucket_refills():
    now = [0.0]
    bucket = TokenBucket(capacity=1, rate=1.0, clock=lambda: now[0])
    assert bucket.allow("a") and not bucket.allow("a")
    now[0] = 1.0
    assert bucket.allow("a")
