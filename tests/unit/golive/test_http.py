"""golive.http: the one client, health rule, version lookup and OpenAPI discovery for a deployed app."""

from __future__ import annotations

import httpx
import pytest

from golive import http as app_http


def _json(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body)


@pytest.mark.parametrize("word", ["ok", "pass", "up", "healthy", "green", "UP", "Ok ", "PASS"])
def test_every_healthy_word_of_the_old_rules_is_healthy(word: str) -> None:
    assert app_http.is_healthy(_json(200, {"status": word}))


@pytest.mark.parametrize("response", [
    _json(200, {"status": "degraded"}),
    _json(200, {"status": "fail"}),
    _json(200, {"status": "down"}),
    _json(503, {"status": "ok"}),
    _json(500, None),
    httpx.Response(301, headers={"Location": "https://elsewhere.example/health"}),
])
def test_unhealthy_answers(response: httpx.Response) -> None:
    assert not app_http.is_healthy(response)


def test_a_200_without_a_status_word_is_healthy() -> None:
    """Like a Kubernetes probe: the HTTP status answers; a body only vetoes with a status word of its own."""
    assert app_http.is_healthy(httpx.Response(200, text="OK"))
    assert app_http.is_healthy(_json(200, {"checks": {}}))
    assert app_http.health_status(_json(200, {"checks": {}})) is None
    assert app_http.health_status(_json(200, {"status": "UP"})) == "UP"


def test_version_of_reads_a_200_json_version_only() -> None:
    assert app_http.version_of(_json(200, {"version": "1.2.0", "name": "shop"})) == "1.2.0"
    assert app_http.version_of(_json(200, {"version": 2})) == "2"
    for response in (_json(200, {"version": ""}), _json(200, {"name": "shop"}), _json(404, {"version": "1"}),
                     httpx.Response(200, text="1.2.0"), _json(200, ["1.2.0"])):
        assert app_http.version_of(response) is None


def test_versions_match_ignores_a_leading_v_and_blanks() -> None:
    assert app_http.versions_match("v1.2.0", "1.2.0") and app_http.versions_match(" 1.2.0", "V1.2.0")
    assert not app_http.versions_match("1.2.0", "1.2.1")
    assert not app_http.versions_match("vnext", "next")  # only a v before a digit is a prefix


OPENAPI = {"openapi": "3.1.0", "paths": {"/api/items": {"get": {}}}}


def test_is_openapi_wants_a_version_field_and_paths() -> None:
    assert app_http.is_openapi(OPENAPI)
    assert app_http.is_openapi({"swagger": "2.0", "paths": {"/x": {}}})
    assert not app_http.is_openapi({"openapi": "3.1.0", "paths": {}})
    assert not app_http.is_openapi({"paths": {"/x": {}}})
    assert not app_http.is_openapi(["openapi"])


def test_find_openapi_tries_the_paths_in_order() -> None:
    asked: list[str] = []

    def get(path: str) -> httpx.Response:
        asked.append(path)
        if path == "/v3/api-docs":
            return _json(200, OPENAPI)
        return _json(200, {"detail": "not a schema"}) if path == "/swagger.json" else _json(404, {})

    assert app_http.find_openapi(get) == ("/v3/api-docs", OPENAPI)
    assert asked == list(app_http.OPENAPI_PATHS)
    assert app_http.find_openapi(get, ("/openapi.json",)) is None


def test_the_client_follows_no_redirect_and_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "https://elsewhere.example/"})

    with app_http.client("http://app.test", timeout=3.0, keepalive=0) as http:
        assert not http.trust_env and not http.follow_redirects
        assert http.timeout == httpx.Timeout(3.0)
        http._transport = httpx.MockTransport(handler)
        assert http.get("/health").status_code == 302
    assert [str(r.url) for r in seen] == ["http://app.test/health"]
    assert seen[0].headers["user-agent"] == app_http.USER_AGENT
    with app_http.client(user_agent="golive-testing-agent", headers={"X-A": "1"}) as http:
        assert http.headers["user-agent"] == "golive-testing-agent" and http.headers["x-a"] == "1"
