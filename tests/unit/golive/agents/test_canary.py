"""The canary agent's command line and the canary gate's scoring of its results, without a cluster."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from typing import Any, ClassVar

import pytest
from repo_paths import REPO

from golive.agents import canary as canary_agent
from golive.canary.analysis import analyze, analyzer_result
from golive.canary.metrics import TrafficWindow
from golive.canary.targets import pod_target
from golive.gates.canary import CANARY
from golive.models import AnalyzerResult, CriterionStatus, VerdictStatus

BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]


class NoCluster:
    """A cluster that fails the test on any use: bad input must be refused before any side effect."""

    namespace = "apps"

    def __getattr__(self, name: str) -> Any:
        pytest.fail(f"the agent touched the cluster ({name}) on bad input")


# --- canary gate -----------------------------------------------------------------------------------


def _window(requests: int, errors: int, fast: int, *, seconds: float = 8.0) -> TrafficWindow:
    """``requests`` requests of which ``fast`` took ≤ 10 ms and the rest 0.5-1 s."""
    counts = [0.0, float(fast)] + [float(fast)] * 5 + [float(requests)] * 5
    return TrafficWindow(requests=requests, errors=errors, seconds=seconds,
                         status_counts={"200": requests - errors, "500": errors} if errors else {"200": requests},
                         bucket_bounds=BOUNDS, bucket_counts=counts)


@pytest.mark.parametrize(("canary", "stable"), [
    (_window(100, 0, 100), _window(100, 0, 100)),      # healthy
    (_window(100, 48, 100), _window(100, 0, 100)),     # errors canary
    (_window(100, 3, 100), _window(100, 0, 100)),      # a few errors: delta warning
    (_window(100, 0, 10), _window(100, 0, 100)),       # slow canary
    (_window(100, 0, 100), None),                      # first deploy: no baseline
    (_window(5, 0, 5), _window(100, 0, 100)),          # too few requests
    (_window(100, 0, 100), _window(3, 0, 3)),          # stable barely served
])
def test_score_equals_golive_canary_analyze(canary: TrafficWindow, stable: TrafficWindow | None) -> None:
    result = analyzer_result(canary, stable, tool="analysis")
    result = result.model_copy(update={"details": {**result.details, "thresholds": {
        "max_error_rate": 0.05, "max_p95_seconds": 2.0, "min_requests": 20}}})
    mine = CANARY.score([result], 85.0)
    reference = analyze(canary, stable, threshold=85.0)
    assert mine.status == reference.status
    assert mine.score == pytest.approx(reference.score)
    assert [(c.name, c.status, c.value) for c in mine.criteria] == [
        (c.name, c.status, c.value) for c in reference.criteria]


def test_score_uses_recorded_thresholds() -> None:
    canary, stable = _window(100, 8, 100), _window(100, 0, 100)
    result = analyzer_result(canary, stable, tool="analysis")
    loose = result.model_copy(update={"details": {**result.details, "thresholds": {"max_error_rate": 0.1}}})
    assert next(c for c in CANARY.score([loose]).criteria
                if c.name == "canary error rate").status == CriterionStatus.PASS
    assert CANARY.score([result]).status == VerdictStatus.FAIL


def test_score_of_a_failed_or_missing_analysis_fails() -> None:
    failed = AnalyzerResult(agent="canary", tool="analysis", error="no ready pod of the canary track")
    for results in ([failed], []):
        verdict = CANARY.score(results, 85.0)
        assert verdict.status == VerdictStatus.FAIL
        key = [c for c in verdict.criteria if c.key]
        assert key and all(c.status == CriterionStatus.NO_DATA for c in key)
    assert CANARY.analyzers == ("analysis",)


def test_pod_target() -> None:
    pod = {"metadata": {"name": "shop-canary-api-x", "labels": {"app.kubernetes.io/version": "1.1.0"},
                        "annotations": {"prometheus.io/port": "8000", "prometheus.io/path": "/metrics"}},
           "spec": {"containers": [{"name": "api", "ports": [{"name": "http", "containerPort": 9000}]}]},
           "status": {"phase": "Running", "podIP": "127.0.1.7", "conditions": [{"type": "Ready", "status": "True"}]}}
    target = pod_target(pod, "canary")
    assert target is not None
    assert (target.base_url, target.metrics_url, target.version) == (
        "http://127.0.1.7:8000", "http://127.0.1.7:8000/metrics", "1.1.0")
    pod["metadata"]["annotations"] = {}
    assert pod_target(pod, "canary").base_url == "http://127.0.1.7:9000"
    pod["status"]["conditions"] = [{"type": "Ready", "status": "False"}]
    assert pod_target(pod, "canary") is None


def test_canary_cli_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code = canary_agent.main(["analyze", "--application", "shop", "--namespace", "apps", "--requests", "0"],
                             cluster=NoCluster())
    assert code == 2
    assert "requests" in json.loads(capsys.readouterr().out)["error"]


def test_canary_analysis_without_canary_pods_is_an_error_result(capsys: pytest.CaptureFixture[str]) -> None:
    class Empty:
        namespace = "apps"

        def pods(self, selector: dict) -> list:
            return []

        def service_url(self, name: str) -> str:
            return "http://127.0.0.1:9"

    code = canary_agent.main(["analyze", "--tool", "analysis", "--application", "shop", "--namespace", "apps",
                              "--weight", "25"], cluster=Empty())
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["tool"] == "analysis" and "no ready pod of the canary track" in doc["error"]
    assert CANARY.score([AnalyzerResult.model_validate(doc)]).status == VerdictStatus.FAIL


class _FakeApp(http.server.BaseHTTPRequestHandler):
    """The sample app's auth and items endpoints plus a Prometheus query API, on one loopback port."""

    queries: ClassVar[list[str]] = []
    items = 0
    posts = 0

    def log_message(self, *args: Any) -> None:
        pass

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        type(self).posts += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.endswith("/register"):
            self._json(201, {"username": "u"})
        else:
            self._json(200, {"access_token": "tok", "token_type": "bearer"})

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/api/v1/items":
            type(self).items += 1
            self._json(200 if self.headers.get("Authorization") == "Bearer tok" else 401, {"items": []})
            return
        query = urllib.parse.parse_qs(url.query)["query"][0]
        type(self).queries.append(query)
        canary = 'track="canary"' in query
        if query.startswith("sum by (status)"):
            result = [{"metric": {"status": "200"}, "value": [0, "90" if canary else "100"]}]
            if canary:
                result.append({"metric": {"status": "500"}, "value": [0, "10"]})
        elif query.startswith("sum by (le)"):
            result = [{"metric": {"le": "0.1"}, "value": [0, "100"]}, {"metric": {"le": "+Inf"}, "value": [0, "100"]}]
        else:
            result = [{"metric": {"version": "1.1.0" if canary else "1.0.0"}, "value": [0, "1"]}]
        self._json(200, {"status": "success", "data": {"resultType": "vector", "result": result}})


def _prometheus_gate(capsys: pytest.CaptureFixture[str], requests: int = 20) -> tuple[int, dict[str, Any]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeApp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    url = f"http://127.0.0.1:{port}"

    class Cluster:
        namespace = "apps"

        def pods(self, selector: dict) -> list:
            meta = {"name": f"shop-{selector['track']}-1", "annotations": {"prometheus.io/port": str(port)}}
            return [{"metadata": meta, "status": {"phase": "Running", "podIP": "127.0.0.1",
                                                  "conditions": [{"type": "Ready", "status": "True"}]}}]

        def service_url(self, name: str) -> str:
            return url

    try:
        code = canary_agent.main(["gate", "--application", "shop", "--namespace", "apps", "--requests", str(requests),
                                  "--seconds", "5", "--prometheus-url", url, "--prometheus-range", "1m",
                                  "--source", str(REPO / "include" / "sample_app")], cluster=Cluster())
    finally:
        server.shutdown()
    return code, json.loads(capsys.readouterr().out)


def test_no_analysis_user_in_prod_without_the_profiles_consent(capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from golive.settings import get_settings

    monkeypatch.setenv("GOLIVE_ENVIRONMENT", "prod")
    get_settings.cache_clear()
    _FakeApp.posts = _FakeApp.items = 0
    try:
        _code, doc = _prometheus_gate(capsys)
        posts, items = _FakeApp.posts, _FakeApp.items
    finally:
        _FakeApp.posts = _FakeApp.items = 0
    details = doc["results"][0]["details"]
    assert posts == 0 and items == 20  # anonymous traffic only, no account created
    assert any("not consented in prod" in n for n in details["notes"])
    assert [t["authenticated"] for t in details["traffic"]] == [False]


def test_canary_analysis_from_prometheus(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _prometheus_gate(capsys, requests=40)
    result = doc["results"][0]
    assert result["error"] is None and result["details"]["source"] == "prometheus"
    assert result["details"]["versions"] == {"canary": "1.1.0", "stable": "1.0.0"}
    assert AnalyzerResult.model_validate(result).value("canary_error_rate") == pytest.approx(0.1)
    assert code == 1 and doc["verdict"]["status"] == "FAIL"
    assert _FakeApp.items == 40  # the bounded traffic went through the Service URL
    assert any('namespace="apps"' in q and 'track="canary"' in q and "[1m]" in q for q in _FakeApp.queries)
