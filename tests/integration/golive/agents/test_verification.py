"""The verification agent's HTTP analyzers against real servers.

* the bundled sample app (``python -m app``, RATE_LIMIT_PER_MINUTE=600): every HTTP check passes, a wrong
  expected version is caught, FAULT_MODE=errors keeps /health ok while its log fills with ERROR lines;
* a deliberately insecure stdlib server (no security headers, CORS ``*`` with credentials, no rate limit,
  any password accepted): every live hardening check fails, with the raw values in the reasons;
* a closed port: every HTTP analyzer is no-data, never a pass.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from local_http import serving

from golive.agents import verification
from golive.analyzers.base import Context, run_analyzers
from golive.analyzers.cluster.workload import count_error_lines
from golive.gates.verification import HTTP_ANALYZERS, VERIFICATION
from golive.models import CriterionStatus, VerdictStatus

HTTP = HTTP_ANALYZERS


@pytest.fixture(scope="module")
def sample_app(sample_app_factory):
    return sample_app_factory("verification", RATE_LIMIT_PER_MINUTE="600", ACCESS_LOG="true")


def ctx(url: str, expected: str | None = "1.0.0", timeout: float = 20, **options: object) -> Context:
    return Context(agent="verification", url=url, expected_version=expected, timeout=timeout, options=options)


def criteria(results):
    return {c.name: c for c in VERIFICATION.score(results).criteria}


# -- the sample app -----------------------------------------------------------------------------------

def test_sample_app_passes_every_http_check_and_logs_no_errors(sample_app):
    spec_http = {name: verification.REGISTRY[name] for name in HTTP}
    context = ctx(sample_app.url)
    first = run_analyzers(spec_http, context, [n for n in HTTP if n != "ratelimit"])
    # last, as verify runs it; a 600-token bucket refills 10 a second: a client slowed to 30 requests a second
    # by a busy machine needs about 32 s to empty it, so the burst gets 60 s (it stops at the first 429)
    results = first + run_analyzers(spec_http, ctx(sample_app.url, timeout=60), ["ratelimit"])
    for result in results:
        assert result.error is None, f"{result.tool}: {result.error}"
    by_name = criteria(results)
    for name in ("health", "version", "security_headers_live", "cors_foreign_refused", "rate_limited",
                 "weak_password_refused"):
        assert by_name[name].status is CriterionStatus.PASS, by_name[name].reason
    assert by_name["security_headers_live"].value == 5
    burst = next(r for r in results if r.tool == "ratelimit")
    # 600 per minute = a 600-token bucket: the 429 cannot come before ~600 requests
    assert 590 <= burst.details["first_429_at"] <= 1000, burst.details
    password = next(r for r in results if r.tool == "password")
    assert password.details["path"] == "/api/v1/auth/register"
    assert set(password.details["weak"].values()) == {422} and password.details["strong"] == 201
    # what the Kubernetes-side logs analyzer would count: the healthy app's log has no error line
    log = count_error_lines(sample_app.log_text())
    assert log.lines > 600 and log.count == 0, log.first


def test_version_mismatch_is_detected_with_both_values(sample_app):
    result = verification.REGISTRY["version"](ctx(sample_app.url, expected="2.0.0"))
    assert result.value("version_matches") == 0
    criterion = criteria([result])["version"]
    assert criterion.status is CriterionStatus.FAIL and criterion.key
    assert "running '1.0.0' (from /version), expected '2.0.0'" in criterion.reason
    assert result.findings[0].rule_id == "version-mismatch"

    unknown = verification.REGISTRY["version"](ctx(sample_app.url, expected=None))
    assert unknown.value("version_matches") is None
    assert criteria([unknown])["version"].status is CriterionStatus.NO_DATA
    assert "no --expected-version given (running version '1.0.0'" in criteria([unknown])["version"].reason


def test_cli_analyze_version_against_the_sample_app(sample_app):
    out = subprocess.run([sys.executable, "-m", "golive.agents.verification", "analyze", "--tool", "version",
                          "--url", sample_app.url + "/", "--expected-version", "v1.0.0"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["tool"] == "version" and payload["error"] is None
    assert payload["measurements"][0]["value"] == 1.0
    assert payload["details"]["running"] == "1.0.0"


def test_fault_mode_errors_keeps_health_ok_and_fills_the_log(sample_app_factory):
    app = sample_app_factory("errors", RATE_LIMIT_PER_MINUTE="600", FAULT_MODE="errors", FAULT_ERROR_RATE="1.0")
    try:
        health = verification.REGISTRY["health"](ctx(app.url))
        assert health.error is None and health.value("health_ok") == 1
        statuses = [httpx.get(f"{app.url}/api/v1/items", timeout=5).status_code for _ in range(4)]
        assert statuses == [500] * 4
        time.sleep(0.3)
        log = count_error_lines(app.log_text())
        assert log.count >= 4
        assert any("injected fault" in line for _, line in log.first)
    finally:
        app.stop()


# -- an insecure application --------------------------------------------------------------------------

_INSECURE_OPENAPI = {
    "openapi": "3.1.0", "info": {"title": "insecure", "version": "0.1"},
    "paths": {
        "/health": {"get": {}},
        "/api/items": {"get": {}},
        "/api/accounts/register": {"post": {"requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["login", "password"],
            "properties": {"login": {"type": "string"}, "password": {"type": "string"}}}}}}}},
    },
}


class _Insecure(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    registered: list[dict[str, object]] = []  # noqa: RUF012 - shared on purpose

    def _send(self, code: int, body: object, cors: bool = True) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if cors:
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Credentials", "true")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/openapi.json":
            self._send(200, _INSECURE_OPENAPI)
        elif self.path == "/health":
            self._send(200, {"status": "ok"})
        elif self.path == "/version":
            self._send(200, {"version": "0.1"})
        elif self.path == "/api/items":
            self._send(200, [])
        else:
            self._send(404, {"detail": "not found"})

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Credentials", "true")
        self.send_header("Access-Control-Allow-Methods", "*")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        self.registered.append(body)
        self._send(201, {"login": body.get("login")})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def insecure_app() -> Iterator[str]:
    with serving(_Insecure) as url:
        yield url


def test_insecure_app_fails_every_live_hardening_check(insecure_app: str):
    context = ctx(insecure_app, expected="0.1", burst_max=150, burst_concurrency=8)
    results = [verification.REGISTRY[name](context) for name in ("headers", "cors", "password", "ratelimit")]
    for result in results:
        assert result.error is None, f"{result.tool}: {result.error}"
    by_name = criteria(results)
    headers = by_name["security_headers_live"]
    assert headers.status is CriterionStatus.FAIL and headers.value == 0
    assert "strict-transport-security: missing on /health" in headers.reason
    cors = by_name["cors_foreign_refused"]
    assert cors.status is CriterionStatus.FAIL and cors.value == 0
    assert "OPTIONS /api/items from https://evil.example → 204" in cors.reason
    assert "access-control-allow-origin='*', access-control-allow-credentials='true'" in cors.reason
    rate = by_name["rate_limited"]
    assert rate.status is CriterionStatus.FAIL and rate.value == 0
    assert "no 429 in 150 answered of 150 requests to GET /api/items" in rate.reason
    assert "--burst-max 150" in rate.reason and "200×150" in rate.reason
    assert "--burst-max must exceed the limit per minute × the replicas" in rate.reason
    password = by_name["weak_password_refused"]
    assert password.status is CriterionStatus.FAIL and password.value == 0
    assert "weak 'password' → 201, '12345678' → 201, 12 lowercase letters → 201; strong → 201" in password.reason
    registered = [b["password"] for b in _Insecure.registered[-4:]]
    assert registered[:2] == ["password", "12345678"]
    assert all(b["login"].startswith("golive-verify-") for b in _Insecure.registered[-4:])
    assert {f.rule_id for r in results for f in r.findings} == {
        "missing-strict-transport-security", "missing-content-security-policy",
        "missing-x-content-type-options", "missing-x-frame-options", "missing-referrer-policy",
        "cors-foreign-origin-allowed", "weak-password-accepted", "no-rate-limit"}


# -- nothing listening --------------------------------------------------------------------------------

def test_unreachable_url_is_no_data_never_a_pass():
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    results = run_analyzers(verification.REGISTRY, ctx(url, burst_max=50), list(HTTP))
    for result in results:
        assert result.error and "could not be reached" in result.error, (result.tool, result.error)
    verdict = VERIFICATION.score(results)
    assert verdict.status is VerdictStatus.FAIL
    assert not any(c.status is CriterionStatus.PASS for c in verdict.criteria)
    http_criteria = [c for c in verdict.criteria if VERIFICATION.producers[
        next(r.measurement for r in VERIFICATION.rules if r.name == c.name)] in HTTP]
    assert len(http_criteria) == 6
    assert all(c.status is CriterionStatus.NO_DATA for c in http_criteria)
