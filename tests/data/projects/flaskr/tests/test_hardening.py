from flaskr import create_app
from flaskr.hardening import SECURITY_HEADERS
from flaskr.hardening import TokenBucket


def test_security_headers_on_every_response(client):
    for path in ("/hello", "/auth/login", "/does-not-exist"):
        response = client.get(path)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value


def test_rate_limit_answers_429_with_retry_after(app):
    limited = create_app({**app.config, "RATE_LIMIT_PER_MINUTE": 3})
    client = limited.test_client()
    assert [client.get("/auth/login").status_code for _ in range(4)] == [200] * 3 + [429]
    response = client.get("/auth/login")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    # the health probe is never limited
    assert client.get("/hello").status_code == 200


def test_bucket_allows_its_rate_per_client():
    bucket = TokenBucket(60, clock=lambda: 0.0)
    assert [bucket.wait_for("a") for _ in range(60)] == [0.0] * 60
    assert bucket.wait_for("a") == 1.0
    assert bucket.wait_for("b") == 0.0


def test_bucket_refills_and_forgets_old_clients():
    now = [0.0]
    bucket = TokenBucket(60, clock=lambda: now[0], max_clients=2)
    for _ in range(60):
        bucket.wait_for("a")
    assert bucket.wait_for("a") > 0
    now[0] = 1.0
    assert bucket.wait_for("a") == 0.0
    bucket.wait_for("b")
    bucket.wait_for("c")
    assert len(bucket._buckets) == 2


def test_no_limit_when_disabled(app):
    unlimited = create_app({**app.config, "RATE_LIMIT_PER_MINUTE": 0})
    client = unlimited.test_client()
    assert all(client.get("/auth/login").status_code == 200 for _ in range(5))
