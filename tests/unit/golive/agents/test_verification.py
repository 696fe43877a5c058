"""Unit tests of the verification agent: rules, scoring, rollout logic, log counting, discovery, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from golive.analyzers.cluster.workload import count_error_lines, current_revision, redact_line, rollout_verdict
from golive.analyzers.live.cors import cors_allows
from golive.analyzers.live.headers import check_headers
from golive.analyzers.live.openapi import find_register_endpoint, registration_body
from golive.analyzers.live.password import strong_password, weak_passwords
from golive.gates.verification import VERIFICATION
from golive.kube.workloads import Revision, status_of
from golive.models import AnalyzerResult, CriterionStatus, Measurement, VerdictStatus

# -- rules and scoring --------------------------------------------------------------------------------


def _result(tool: str, **values: float | None) -> AnalyzerResult:
    return AnalyzerResult(agent="verification", tool=tool,
                          measurements=[Measurement(name=k, value=v, unit="") for k, v in values.items()])


GOOD = [
    _result("rollout", rollout_complete=1), _result("pods", pods_ready_ratio=100, pod_restarts=0),
    _result("logs", error_log_lines=0), _result("health", health_ok=1), _result("version", version_matches=1),
    _result("headers", security_headers_live=5), _result("cors", cors_foreign_refused=1),
    _result("ratelimit", rate_limited=1), _result("password", weak_password_refused=1),
]


def test_rules_cover_every_measurement_and_key_criteria_are_the_documented_ones():
    assert {r.measurement for r in VERIFICATION.rules} == set(VERIFICATION.producers)
    assert set(VERIFICATION.producers.values()) == set(VERIFICATION.analyzers)
    assert {r.name for r in VERIFICATION.rules if r.key} == {"rollout_complete", "pods_ready", "health", "version",
                                                             "error_log_lines"}
    assert sum(r.weight for r in VERIFICATION.rules) == 26
    by_name = {r.measurement: r for r in VERIFICATION.rules}
    assert (by_name["pod_restarts"].pass_at, by_name["pod_restarts"].warn_at) == (0, 2)
    assert (by_name["error_log_lines"].pass_at, by_name["error_log_lines"].warn_at) == (0, 3)
    assert (by_name["security_headers_live"].pass_at, by_name["security_headers_live"].warn_at) == (4, 3)
    assert VERIFICATION.late == ("logs", "ratelimit")  # logs read after the HTTP checks exercised the app


def test_all_good_passes_with_100():
    verdict = VERIFICATION.score(GOOD)
    assert verdict.status is VerdictStatus.PASS
    assert verdict.score == 100


def test_warnings_lower_the_score_and_a_failed_key_criterion_vetoes():
    results = [*GOOD[:1], _result("pods", pods_ready_ratio=100, pod_restarts=2),
               _result("logs", error_log_lines=3), *GOOD[3:]]
    verdict = VERIFICATION.score(results)
    assert verdict.status is VerdictStatus.PASS  # 24/26 = 92.3
    assert verdict.score == pytest.approx(92.31, abs=0.01)
    statuses = {c.name: c.status for c in verdict.criteria}
    assert statuses["pod_restarts"] is CriterionStatus.WARNING
    assert statuses["error_log_lines"] is CriterionStatus.WARNING

    vetoed = VERIFICATION.score([r if r.tool != "version" else _result("version", version_matches=0)
                                 for r in GOOD])
    assert vetoed.status is VerdictStatus.FAIL
    assert any("key criterion version failed" in reason for reason in vetoed.reasons)


def test_missing_or_failed_analyzers_are_no_data_never_pass():
    results = [r for r in GOOD if r.tool != "cors"]
    results.append(AnalyzerResult(agent="verification", tool="cors", error="unreachable"))
    verdict = VERIFICATION.score(results)
    assert verdict.status is VerdictStatus.FAIL
    cors = next(c for c in verdict.criteria if c.name == "cors_foreign_refused")
    assert cors.status is CriterionStatus.NO_DATA and "unreachable" in cors.reason

    nothing = VERIFICATION.score([])
    assert nothing.status is VerdictStatus.FAIL
    assert all(c.status is CriterionStatus.NO_DATA for c in nothing.criteria)
    assert nothing.score == 0


# -- rollout logic ------------------------------------------------------------------------------------

def _deployment(*, replicas=3, generation=2, observed=2, updated=3, total=3, available=3, available_cond="True",
                progressing_reason="NewReplicaSetAvailable"):
    conditions = [{"type": "Progressing", "status": "True", "reason": progressing_reason, "message": "m"}]
    if available_cond is not None:
        conditions.append({"type": "Available", "status": available_cond, "reason": "MinimumReplicasAvailable",
                           "message": "Deployment has minimum availability."})
    return {"metadata": {"name": "api", "namespace": "apps", "generation": generation, "uid": "d-uid",
                         "annotations": {"deployment.kubernetes.io/revision": "2"}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "api"}}},
            "status": {"observedGeneration": observed, "updatedReplicas": updated, "replicas": total,
                       "availableReplicas": available, "conditions": conditions}}


@pytest.mark.parametrize(("kwargs", "complete", "hopeless", "words"), [
    ({}, True, False, 'deployment "api" successfully rolled out: 3 of 3 replicas available, 3 updated, revision 2'),
    ({"observed": 1}, False, False, "Waiting for deployment spec update to be observed"),
    ({"updated": 1, "available": 1, "total": 3}, False, False, "1 out of 3 new replicas have been updated"),
    ({"total": 4}, False, False, "1 old replicas are pending termination"),
    ({"available": 2}, False, False, "2 of 3 updated replicas are available"),
    ({"available_cond": "False"}, False, False, "the Available condition is False (MinimumReplicasAvailable"),
    ({"available_cond": None}, False, False, "no Available condition is reported"),
    ({"progressing_reason": "ProgressDeadlineExceeded"}, False, True, "exceeded its progress deadline"),
])
def test_rollout_verdict_is_kubectl_rollout_status_plus_the_available_condition(kwargs, complete, hopeless, words):
    done, stuck, reason = rollout_verdict(status_of(_deployment(**kwargs)))
    assert (done, stuck) == (complete, hopeless)
    assert words in reason


def test_current_revision_is_the_deployment_annotation_else_the_newest():
    def rev(number):
        return Revision(revision=number, replicaset=f"api-{number}", images=[], version=None, replicas=1,
                        ready_replicas=1, available_replicas=1, created="", change_cause=None, template={})

    assert current_revision(_deployment(), [rev(1), rev(2), rev(3)]).replicaset == "api-2"
    assert current_revision(_deployment(), [rev(1), rev(5)]).replicaset == "api-5"
    assert current_revision(_deployment(), []) is None


# -- logs ---------------------------------------------------------------------------------------------

def test_error_lines_are_counted_and_redacted():
    text = "\n".join([
        "2026-01-01 INFO app started",
        "2026-01-01 ERROR db login failed password=hunter2hunter2 for user bob",
        "Traceback (most recent call last):",
        "  File x.py line 3",
        "2026-01-01 CRITICAL token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl",
        "ERRORS are fine as a word part, INFO ERRORless",
        "Authorization: Bearer abcdefghijklmnop connecting to postgres://admin:s3cret@db:5432/x",
        "2026-01-01 ERROR api_key=AKIAABCDEFGHIJKLMNOP",
    ])
    found = count_error_lines(text)
    assert found.count == 4
    assert found.lines == 8
    lines = [line for _, line in found.first]
    joined = "\n".join(lines)
    for secret in ("hunter2hunter2", "eyJhbGciOiJIUzI1NiJ9", "AKIAABCDEFGHIJKLMNOP"):
        assert secret not in joined
    assert "password=***" in lines[0]
    assert [n for n, _ in found.first] == [2, 3, 5, 8]
    assert count_error_lines(text, keep=1).first == [(2, lines[0])]


def test_redact_line_keeps_ordinary_text():
    assert redact_line("GET /api/v1/items 200 in 3 ms") == "GET /api/v1/items 200 in 3 ms"
    redacted = redact_line("Authorization: Bearer abcdefghijklmnop and https://u:p@host/x")
    assert "abcdefghijklmnop" not in redacted and "u:p@" not in redacted


# -- HTTP pure logic ----------------------------------------------------------------------------------

def test_check_headers_counts_valid_headers_on_every_response():
    good = httpx.Response(200, headers={
        "Strict-Transport-Security": "max-age=63072000", "Content-Security-Policy": "default-src 'none'",
        "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})
    weak = httpx.Response(404, headers={"Strict-Transport-Security": "max-age=0", "X-Frame-Options": "ALLOWALL",
                                        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "unsafe-url"})
    assert check_headers({"/a": good})[0] == 5
    count, problems, raw = check_headers({"/a": good, "/b": weak})
    assert count == 1
    assert problems["x-frame-options"] == "'ALLOWALL' on /b (want DENY or SAMEORIGIN)"
    assert problems["content-security-policy"] == "missing on /b"
    assert raw["/b"]["strict-transport-security"] == "max-age=0"


def test_cors_allows_only_the_wildcard_or_the_echoed_origin():
    origin = "https://evil.example"
    assert cors_allows(httpx.Headers({}), origin)[0] is False
    assert cors_allows(httpx.Headers({"access-control-allow-origin": "http://localhost:3000"}), origin)[0] is False
    assert cors_allows(httpx.Headers({"access-control-allow-origin": origin}), origin)[0] is True
    allowed, raw = cors_allows(httpx.Headers({"access-control-allow-origin": "*",
                                              "access-control-allow-credentials": "true"}), origin)
    assert allowed and "'*'" in raw and "'true'" in raw


def test_register_endpoint_discovery_follows_refs():
    doc = {"paths": {
        "/api/items": {"get": {}},
        "/api/v1/users/signup": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/SignUp"}}}}}}},
        "components": {"schemas": {"SignUp": {
            "type": "object", "required": ["email", "secret", "age"],
            "properties": {"email": {"type": "string", "format": "email"},
                           "secret": {"type": "string", "format": "password"},
                           "secret_confirm": {"type": "string"},
                           "age": {"type": "integer", "minimum": 18}}}}}}
    endpoint = find_register_endpoint(doc)
    assert endpoint is not None
    assert (endpoint.path, endpoint.password_field) == ("/api/v1/users/signup", "secret")
    body = registration_body(endpoint, "golive-verify-1", "pw")
    assert body == {"email": "golive-verify-1@example.com", "secret": "pw", "age": 18}
    assert find_register_endpoint({"paths": {"/register": {"get": {}}}}) is None


def test_password_samples_are_weak_and_strong():
    weak = weak_passwords()
    assert weak["'password'"] == "password" and weak["'12345678'"] == "12345678"
    lower = weak["12 lowercase letters"]
    assert len(lower) == 12 and lower.islower() and lower.isalpha()
    strong = strong_password()
    assert len(strong) == 24
    assert any(c.isupper() for c in strong) and any(c.islower() for c in strong)
    assert any(c.isdigit() for c in strong) and any(not c.isalnum() for c in strong)


# -- CLI ----------------------------------------------------------------------------------------------

def _cli_run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "golive.agents.verification", *args], capture_output=True,
                          text=True, timeout=60)


def test_cli_kubernetes_analyzer_without_deployment_prints_no_data():
    out = _cli_run("analyze", "--tool", "rollout", "--url", "http://127.0.0.1:9")
    assert out.returncode == 0, out.stderr
    result = AnalyzerResult.model_validate(json.loads(out.stdout))
    measurement = result.measurements[0]
    assert measurement.name == "rollout_complete" and measurement.value is None
    assert "no --namespace and no --deployment given" in measurement.detail


@pytest.mark.parametrize("bad", [["--namespace", "Bad_NS"], ["--burst-max", "0"], ["--api-path", "no-slash"],
                                 ["--expected-version", "-1"]])
def test_cli_rejects_bad_options(bad):
    out = _cli_run("analyze", "--tool", "health", "--url", "http://127.0.0.1:9", *bad)
    assert out.returncode == 2
    assert "error:" in out.stderr
