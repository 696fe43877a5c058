"""The progress monitor: plan 002's thresholds on measured values; nothing measured never passes."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from local_http import serving

from golive.models import CriterionStatus, VerdictStatus
from golive.train.monitor import (
    RULES,
    ServiceProbe,
    evaluate_phase,
    measure_http,
    pod_usage_percent,
    probe_paths,
)


class _Half(BaseHTTPRequestHandler):
    def do_GET(self):
        status = 500 if self.path.startswith("/api") else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_the_thresholds_are_plan_002s():
    assert {(r.name, r.comparison, r.pass_at, r.unit, r.key) for r in RULES} == {
        ("response_time_p95", "<=", 2.0, "s", True), ("error_rate", "<=", 5.0, "%", True),
        ("memory_usage", "<=", 80.0, "%", True), ("cpu_usage", "<=", 70.0, "%", True)}


def test_measure_http_counts_5xx_as_errors_over_real_requests():
    with serving(_Half) as url:
        values, detail = measure_http(url, probe_paths("/health", ["/api/v1/items", "/health"]), requests=10)
    assert values["error_rate"] == 50.0
    assert detail["statuses"] == {"200": 5, "500": 5} and detail["paths"] == ["/health", "/api/v1/items"]
    assert values["response_time_p95"] is not None and values["response_time_p95"] >= 0


def test_measure_http_counts_an_unreachable_service_as_all_errors():
    values, detail = measure_http("http://127.0.0.1:9", ["/health"], requests=3, timeout=1)
    assert values["error_rate"] == 100.0 and detail["statuses"] == {"0": 3} and detail["last_error"]


def _pod(name: str, cpu: str | None = "500m", memory: str | None = "256Mi") -> dict:
    limits = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    return {"metadata": {"name": name}, "spec": {"containers": [{"name": "app", "resources": {"limits": limits}}]}}


def _metrics(name: str, cpu: str, memory: str) -> dict:
    return {"metadata": {"name": name}, "containers": [{"name": "app", "usage": {"cpu": cpu, "memory": memory}}]}


def test_pod_usage_is_the_busiest_pods_share_of_its_limits():
    values, errors, per_pod = pod_usage_percent(
        [_pod("a"), _pod("b")], [_metrics("a", "100000000n", "64Mi"), _metrics("b", "400m", "128Mi")])
    assert values == {"memory_usage": 50.0, "cpu_usage": 80.0} and errors == {}
    assert [p["pod"] for p in per_pod] == ["a", "b"]


def test_pod_usage_without_metrics_or_limits_is_no_data_with_the_reason():
    values, errors, _ = pod_usage_percent([_pod("a")], [])
    assert values == {"memory_usage": None, "cpu_usage": None}
    assert "metrics.k8s.io" in errors["memory_usage"]
    values, errors, _ = pod_usage_percent([_pod("a", cpu=None, memory=None)], [_metrics("a", "1m", "1Mi")])
    assert values["cpu_usage"] is None and "no cpu limit" in errors["cpu_usage"]


def test_a_phase_passes_only_when_every_service_meets_every_threshold():
    good = ServiceProbe("a", {"response_time_p95": 0.05, "error_rate": 0.0, "memory_usage": 30.0, "cpu_usage": 5.0})
    verdict = evaluate_phase(2, [good])
    assert verdict.gate == "train-phase-2" and verdict.status is VerdictStatus.PASS
    assert [c.name for c in verdict.criteria] == ["a.response_time_p95", "a.error_rate", "a.memory_usage",
                                                  "a.cpu_usage"]
    broken = ServiceProbe("b", {"response_time_p95": 0.02, "error_rate": 100.0, "memory_usage": 30.0,
                                "cpu_usage": 5.0})
    verdict = evaluate_phase(2, [good, broken])
    assert verdict.status is VerdictStatus.FAIL
    failed = [c for c in verdict.criteria if c.status is CriterionStatus.FAIL]
    assert [(c.name, c.value) for c in failed] == [("b.error_rate", 100.0)] and "misses <= 5 %" in failed[0].reason


def test_nothing_measured_is_no_data_which_fails_the_phase():
    verdict = evaluate_phase(1, [ServiceProbe("a", errors={"memory_usage": "no metrics"})])
    assert verdict.status is VerdictStatus.FAIL
    assert {c.status for c in verdict.criteria} == {CriterionStatus.NO_DATA}
    assert any("no metrics" in c.reason for c in verdict.criteria)
