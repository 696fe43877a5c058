"""The smoke checks call the profile's endpoints, not the sample app's."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest
from local_http import serving

from golive.analyzers.base import Context
from golive.analyzers.testing.smoke import run_smoke
from golive.settings import get_settings


class _Flaskr(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = b"Hello, World!" if self.path == "/hello" else b"not found"
        self.send_response(200 if self.path == "/hello" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_health_on_the_profiles_path_and_no_version_check_without_a_version_endpoint(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_PROFILE", "endpoints: {health: /hello, version: null}")
    get_settings.cache_clear()
    with serving(_Flaskr) as url:
        result = run_smoke(Context(agent="testing", url=url, expected_version="1.0.0"))
    checks = {c["name"]: c for c in result.details["checks"]}
    assert checks["health"]["passed"] and "GET /hello answered 200" in checks["health"]["detail"]
    assert "version" not in checks
    assert any("image tag" in s for s in result.details["skipped"])


def test_an_application_that_serves_no_openapi_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """``openapi: false``: no smoke check of it and no schema fuzzing (not-applicable, not no-data);
    left undeclared, a missing document still fails the smoke check."""
    from golive.analyzers.testing.fuzz import run_fuzz

    monkeypatch.setenv("GOLIVE_PROFILE", "endpoints: {health: /hello, version: null, openapi: false}")
    get_settings.cache_clear()
    with serving(_Flaskr) as url:
        result = run_smoke(Context(agent="testing", url=url))
        fuzz = run_fuzz(Context(agent="testing", url=url))
    assert "openapi" not in {c["name"] for c in result.details["checks"]}
    assert any(s.startswith("openapi: ") and "openapi: false" in s for s in result.details["skipped"])
    assert fuzz.measurements and all(not m.applicable and m.value is None for m in fuzz.measurements)
    assert "no OpenAPI document" in fuzz.measurements[0].detail
    monkeypatch.setenv("GOLIVE_PROFILE", "endpoints: {health: /hello, version: null}")
    get_settings.cache_clear()
    with serving(_Flaskr) as url:
        checks = {c["name"]: c for c in run_smoke(Context(agent="testing", url=url)).details["checks"]}
    assert not checks["openapi"]["passed"]
