"""Canary analysis on synthetic metrics: exposition parsing, windows, quantiles, Prometheus API, verdicts.

Expositions are produced by prometheus_client itself (the library the sample app uses), with the
sample app's metric names and buckets, so the parser sees exactly what a pod serves.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
import promql_parser
import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, Info, generate_latest

from golive.canary.analysis import analyze, analyzer_result
from golive.canary.metrics import CanaryError, TrafficWindow, combine, histogram_quantile, window
from golive.canary.providers import PROVIDERS, provider_for
from golive.canary.providers.prometheus import PrometheusProvider, prometheus_window
from golive.canary.providers.scrape import ScrapeProvider, parse_exposition, scrape
from golive.canary.targets import PodTarget
from golive.canary.traffic import generate_traffic
from golive.gates.canary import CANARY_RULES
from golive.models import CriterionStatus, VerdictStatus

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class FakePod:
    """The sample app's metrics in a registry of their own: one process of one track."""

    def __init__(self, version: str = "1.0.0") -> None:
        self.registry = CollectorRegistry()
        labels = ("method", "path", "status")
        self.requests = Counter("http_requests", "HTTP requests handled.", labels, registry=self.registry)
        self.latency = Histogram("http_request_duration_seconds", "Latency.", labels, buckets=BUCKETS,
                                 registry=self.registry)
        Info("app", "Running service.", registry=self.registry).info({"name": "inventory", "version": version})

    def serve(self, n: int, seconds: float, status: int = 200, path: str = "/api/v1/items") -> None:
        for _ in range(n):
            self.requests.labels("GET", path, str(status)).inc()
            self.latency.labels("GET", path, str(status)).observe(seconds)

    def text(self) -> str:
        return generate_latest(self.registry).decode()

    def snapshot(self, at: float, source: str = "pod-a") -> Any:
        return parse_exposition(self.text(), source=source, scraped_at=at)


def _window(*traffic: tuple[int, float, int], version: str = "1.0.0") -> TrafficWindow:
    """A window in which one pod served ``(count, seconds, status)`` batches."""
    pod = FakePod(version)
    pod.serve(3, 0.01)
    before = pod.snapshot(100.0)
    for count, seconds, status in traffic:
        pod.serve(count, seconds, status)
    return window(before, pod.snapshot(160.0))


# --- parsing, windows, quantiles --------------------------------------------------------------------


def test_parse_keeps_the_request_series_and_leaves_out_probes() -> None:
    pod = FakePod(version="2.1.0")
    pod.serve(5, 0.02)
    pod.serve(2, 0.3, status=503)
    pod.serve(7, 0.001, path="/health")
    pod.serve(4, 0.001, path="/metrics")
    snap = pod.snapshot(1.0)
    assert snap.requests == {("GET", "/api/v1/items", "200"): 5.0, ("GET", "/api/v1/items", "503"): 2.0}
    assert set(snap.buckets) == set(snap.requests)
    assert snap.buckets[("GET", "/api/v1/items", "503")][float("inf")] == 2.0
    assert snap.buckets[("GET", "/api/v1/items", "503")][0.25] == 0.0
    assert snap.info == {"name": "inventory", "version": "2.1.0"}
    assert set(snap.requests_created) == set(snap.requests)
    keep_health = parse_exposition(pod.text(), exclude_paths=["/metrics"])
    assert keep_health.requests[("GET", "/health", "200")] == 7.0


def test_parse_rejects_garbage() -> None:
    with pytest.raises(CanaryError, match="not a valid Prometheus text exposition"):
        parse_exposition('http_requests_total{method="GET" 1\n', source="http://pod/metrics")


def test_window_counts_deltas_and_errors() -> None:
    win = _window((60, 0.02, 200), (20, 0.02, 500), (20, 0.02, 404))
    assert win.requests == 100 and win.errors == 20
    assert win.error_rate == pytest.approx(0.2)
    assert win.status_counts == {"200": 60.0, "404": 20.0, "500": 20.0}
    assert win.seconds == 60.0 and win.request_rate == pytest.approx(100 / 60)
    assert win.bucket_counts[-1] == 100  # the 3 requests before the window are not counted
    assert win.resets == 0 and win.info["version"] == "1.0.0"


def test_quantiles_match_a_hand_computation() -> None:
    # 10 requests of 3 ms, 80 of 20 ms, 10 of 200 ms → cumulative buckets
    # le 0.005: 10, 0.01: 10, 0.025: 90, 0.05: 90, 0.1: 90, 0.25: 100, ... +Inf: 100
    win = _window((10, 0.003, 200), (80, 0.02, 200), (10, 0.2, 200))
    assert win.bucket_counts[:6] == [10, 10, 90, 90, 90, 100]
    # p50: rank 50 in (0.01, 0.025] holding 80 → 0.01 + 0.015 × (50 − 10) / 80
    assert win.p50 == pytest.approx(0.01 + 0.015 * 40 / 80)
    # p95: rank 95 in (0.1, 0.25] holding 10 → 0.1 + 0.15 × (95 − 90) / 10 = 0.175
    assert win.p95 == pytest.approx(0.175)
    assert win.p99 == pytest.approx(0.1 + 0.15 * 9 / 10)
    # a rank in the +Inf bucket answers the highest finite bound, as Prometheus does
    assert histogram_quantile(0.99, [0.1, 1.0], [0, 50, 100]) == 1.0
    assert histogram_quantile(0.5, [0.1, 1.0], [0, 0, 0]) is None
    # non-monotonic counts (scrape artefacts) are made monotonic first
    assert histogram_quantile(0.5, [1.0, 2.0], [4, 3, 8]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="outside"):
        histogram_quantile(1.5, [1.0], [1, 1])


def test_counter_reset_counts_the_new_process_from_zero() -> None:
    old = FakePod()
    old.serve(500, 0.02)
    before = old.snapshot(10.0)
    restarted = FakePod()  # the pod restarted: new process, counters from zero
    restarted.serve(40, 0.02)
    restarted.serve(10, 0.02, status=500)
    win = window(before, restarted.snapshot(70.0))
    assert win.requests == 50 and win.errors == 10
    assert win.bucket_counts[-1] == 50
    assert win.resets >= 1


def test_reset_detected_by_created_timestamp_even_when_counts_grew() -> None:
    before = parse_exposition(
        '# TYPE http_requests_total counter\n'
        'http_requests_total{method="GET",path="/api",status="200"} 10\n'
        'http_requests_created{method="GET",path="/api",status="200"} 1000\n', scraped_at=1.0)
    after = parse_exposition(
        '# TYPE http_requests_total counter\n'
        'http_requests_total{method="GET",path="/api",status="200"} 25\n'
        'http_requests_created{method="GET",path="/api",status="200"} 2000\n', scraped_at=2.0)
    win = window(before, after)
    assert win.requests == 25 and win.resets == 1
    same = parse_exposition(after_text := (
        '# TYPE http_requests_total counter\n'
        'http_requests_total{method="GET",path="/api",status="200"} 25\n'
        'http_requests_created{method="GET",path="/api",status="200"} 1000\n'), scraped_at=2.0)
    assert window(before, same).requests == 15 and after_text


def test_window_refuses_mismatched_scrapes() -> None:
    pod = FakePod()
    with pytest.raises(CanaryError, match="same target"):
        window(pod.snapshot(1.0, source="http://a/metrics"), pod.snapshot(2.0, source="http://b/metrics"))
    with pytest.raises(CanaryError, match="older"):
        window(pod.snapshot(2.0), pod.snapshot(1.0))


def test_combine_sums_pods_and_recomputes_quantiles() -> None:
    fast = _window((90, 0.003, 200))
    slow = _window((10, 0.2, 200), (10, 0.2, 502))
    both = combine([fast, slow])
    assert both.requests == 110 and both.errors == 10
    assert both.error_rate == pytest.approx(10 / 110)
    assert both.bucket_counts == [a + b for a, b in zip(fast.bucket_counts, slow.bucket_counts, strict=True)]
    # 90 of 110 are in the first bucket: p95 (rank 104.5) lies in (0.1, 0.25] holding 20
    assert both.p95 == pytest.approx(0.1 + 0.15 * (104.5 - 90) / 20)
    assert both.p95 != pytest.approx(((fast.p95 or 0) + (slow.p95 or 0)) / 2)
    other_buckets = fast.model_copy(update={"bucket_bounds": [1.0], "bucket_counts": [1.0, 1.0]})
    with pytest.raises(CanaryError, match="different buckets"):
        combine([fast, other_buckets])
    with pytest.raises(CanaryError, match="at least one window"):
        combine([])


def test_window_is_json_serialisable() -> None:
    win = _window((30, 0.02, 200))
    dumped = json.loads(win.model_dump_json())
    assert dumped["requests"] == 30 and dumped["p95"] == pytest.approx(win.p95)
    assert TrafficWindow.model_validate(dumped) == win
    with pytest.raises(ValueError, match="requestz"):
        TrafficWindow.model_validate({**dumped, "requestz": 1})


# --- scrape over HTTP -------------------------------------------------------------------------------


def test_scrape_reads_a_pod_and_reports_failures() -> None:
    pod = FakePod()
    pod.serve(4, 0.02)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/metrics":
            return httpx.Response(200, text=pod.text())
        return httpx.Response(503, text="unavailable")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        snap = scrape("http://pod-a:8000/metrics", client)
        assert snap.source == "http://pod-a:8000/metrics"
        assert sum(snap.requests.values()) == 4
        with pytest.raises(CanaryError, match="answered HTTP 503"):
            scrape("http://pod-a:8000/other", client)
    with pytest.raises(CanaryError, match=r"cannot scrape http://127\.0\.0\.1:9/metrics"):
        scrape("http://127.0.0.1:9/metrics", timeout=2.0)


# --- Prometheus HTTP API ----------------------------------------------------------------------------


class _FakePrometheus(BaseHTTPRequestHandler):
    """Answers /api/v1/query like Prometheus, from canned vectors; records every query."""

    queries: ClassVar[list[str]] = []
    refuse: ClassVar[bool] = False

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, code: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != "/api/v1/query":
            self._send(404, {"status": "error", "errorType": "not_found", "error": "no such path"})
            return
        query = parse_qs(parts.query)["query"][0]
        type(self).queries.append(query)
        if type(self).refuse:
            self._send(400, {"status": "error", "errorType": "bad_data", "error": "parse error at char 7"})
            return
        ts = 1_700_000_000.0
        if "by (status)" in query:
            result = [{"metric": {"status": "200"}, "value": [ts, "70"]},
                      {"metric": {"status": "500"}, "value": [ts, "30"]}]
        elif "by (le)" in query:
            cumulative = {"0.005": "0", "0.01": "10", "0.025": "90", "0.05": "90", "0.1": "90", "0.25": "100",
                          "0.5": "100", "1.0": "100", "2.5": "100", "5.0": "100", "10.0": "100", "+Inf": "100"}
            result = [{"metric": {"le": le}, "value": [ts, v]} for le, v in cumulative.items()]
        elif "app_info" in query:
            result = [{"metric": {"version": "1.1.0"}, "value": [ts, "2"]}]
        else:
            result = []
        self._send(200, {"status": "success", "data": {"resultType": "vector", "result": result}})


@pytest.fixture
def fake_prometheus() -> Iterator[str]:
    _FakePrometheus.queries = []
    _FakePrometheus.refuse = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakePrometheus)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_prometheus_window_queries_the_http_api(fake_prometheus: str) -> None:
    win = prometheus_window(fake_prometheus, "inventory", "canary", "golive-apps", "5m", at=1_700_000_000.0)
    assert win.requests == 100 and win.errors == 30 and win.error_rate == pytest.approx(0.3)
    assert win.seconds == 300 and win.info == {"version": "1.1.0"}
    assert win.p95 == pytest.approx(0.175)
    assert len(_FakePrometheus.queries) == 3
    for query in _FakePrometheus.queries:
        promql_parser.parse(query)  # every query is valid PromQL
        assert 'job="inventory"' in query and 'namespace="golive-apps"' in query and 'track="canary"' in query
    assert _FakePrometheus.queries[0] == (
        'sum by (status) (increase(http_requests_total{job="inventory", namespace="golive-apps", '
        'track="canary", path!~"/metrics|/health"}[5m]))')
    assert "http_request_duration_seconds_bucket" in _FakePrometheus.queries[1]
    verdict = analyze(win, None)
    assert verdict.status is VerdictStatus.FAIL


def test_prometheus_window_reports_refusals(fake_prometheus: str) -> None:
    _FakePrometheus.refuse = True
    with pytest.raises(CanaryError, match=r"refused query .*HTTP 400 bad_data: parse error at char 7"):
        prometheus_window(fake_prometheus, "inventory", "stable", "golive-apps")
    with pytest.raises(CanaryError, match="without the API's JSON"):
        prometheus_window(fake_prometheus + "/nothing-here/", "inventory", "stable", "golive-apps",
                          client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, text="hi"))))
    with pytest.raises(CanaryError, match="cannot query Prometheus"):
        prometheus_window("http://127.0.0.1:9", "inventory", "stable", "golive-apps", timeout=2.0)
    with pytest.raises(CanaryError, match="not a Prometheus duration"):
        prometheus_window(fake_prometheus, "inventory", "stable", "golive-apps", range="5 minutes")


# --- the canary gate --------------------------------------------------------------------------------


def _criterion(verdict: Any, name: str) -> Any:
    return next(c for c in verdict.criteria if c.name == name)


def test_rules_use_the_gate_model() -> None:
    names = {r.name: r for r in CANARY_RULES}
    assert names["canary error rate"].key and names["canary p95 latency"].key
    assert names["error rate vs stable"].warn_at is not None and names["p95 latency vs stable"].warn_at == 2.0
    assert not any(r.optional for r in CANARY_RULES)


def test_healthy_canary_passes() -> None:
    stable = _window((200, 0.02, 200), (2, 0.02, 500))
    canary = _window((100, 0.02, 200), (1, 0.02, 500))
    verdict = analyze(canary, stable)
    assert verdict.gate == "canary"
    assert verdict.status is VerdictStatus.PASS and verdict.score == 100
    assert all(c.status is CriterionStatus.PASS for c in verdict.criteria)
    assert _criterion(verdict, "canary request volume").value == 101


def test_canary_with_30_percent_errors_fails_naming_the_value() -> None:
    stable = _window((200, 0.02, 200))
    canary = _window((70, 0.02, 200), (30, 0.02, 500))
    verdict = analyze(canary, stable)
    assert verdict.status is VerdictStatus.FAIL
    err = _criterion(verdict, "canary error rate")
    assert err.status is CriterionStatus.FAIL and err.value == pytest.approx(0.3) and err.key
    assert "0.3 ratio misses <= 0.05 ratio" in err.reason
    assert any("key criterion canary error rate failed" in r and "0.3" in r for r in verdict.reasons)
    assert _criterion(verdict, "error rate vs stable").status is CriterionStatus.FAIL


def test_slow_canary_fails() -> None:
    stable = _window((200, 0.2, 200))
    canary = _window((100, 3.0, 200))
    verdict = analyze(canary, stable)
    assert verdict.status is VerdictStatus.FAIL
    p95 = _criterion(verdict, "canary p95 latency")
    # every request in (2.5, 5]: p95 = 2.5 + 2.5 × 0.95 ≈ 4.875 s, above 2 s
    assert p95.status is CriterionStatus.FAIL and p95.value == pytest.approx(4.875)
    assert _criterion(verdict, "p95 latency vs stable").status is CriterionStatus.FAIL
    assert analyze(canary, stable, max_p95_seconds=5.0).status is VerdictStatus.WARNING  # only the ratio fails


def test_too_few_requests_is_no_data_and_fails() -> None:
    stable = _window((200, 0.02, 200))
    canary = _window((5, 0.02, 200))
    verdict = analyze(canary, stable)
    assert verdict.status is VerdictStatus.FAIL
    for name in ("canary error rate", "canary p95 latency", "error rate vs stable", "p95 latency vs stable"):
        c = _criterion(verdict, name)
        assert c.status is CriterionStatus.NO_DATA and c.value is None
        assert "only 5 requests in the window" in c.reason
    assert _criterion(verdict, "canary request volume").status is CriterionStatus.FAIL


def test_first_deployment_decides_on_absolute_criteria() -> None:
    healthy = analyze(_window((100, 0.02, 200)), None)
    assert healthy.status is VerdictStatus.PASS and healthy.score == 100
    relative = _criterion(healthy, "error rate vs stable")
    assert relative.status is CriterionStatus.NO_DATA and relative.optional
    assert "no stable baseline" in relative.reason
    broken = analyze(_window((50, 0.02, 200), (50, 0.02, 500)), None)
    assert broken.status is VerdictStatus.FAIL
    assert _criterion(broken, "canary error rate").value == pytest.approx(0.5)


def test_small_regressions_warn() -> None:
    stable = _window((200, 0.02, 200))
    canary = _window((96, 0.02, 200), (4, 0.02, 500))  # 4 % errors: under 5 %, but 4 points over stable
    verdict = analyze(canary, stable)
    assert _criterion(verdict, "error rate vs stable").status is CriterionStatus.WARNING
    assert verdict.status is VerdictStatus.PASS and verdict.score == pytest.approx(100 * 10 / 11, abs=0.01)
    assert analyze(canary, stable, threshold=95).status is VerdictStatus.WARNING


def test_stable_without_traffic_is_no_data_not_a_pass() -> None:
    verdict = analyze(_window((100, 0.02, 200)), _window((3, 0.02, 200)))
    assert verdict.status is VerdictStatus.FAIL
    assert "stable baseline served only 3 requests" in _criterion(verdict, "p95 latency vs stable").reason


def test_no_traffic_at_all_still_fails() -> None:
    verdict = analyze(TrafficWindow(), None)
    assert verdict.status is VerdictStatus.FAIL
    assert "only 0 requests in the window" in _criterion(verdict, "canary error rate").reason
    with pytest.raises(CanaryError, match="min_requests must be at least 1"):
        analyze(TrafficWindow(), None, min_requests=0)


def test_analyzer_result_records_the_inputs() -> None:
    canary = _window((70, 0.02, 200), (30, 0.02, 500))
    result = analyzer_result(canary, None)
    assert result.agent == "canary"
    assert result.value("canary_error_rate") == pytest.approx(0.3)
    assert result.value("error_rate_delta") is None
    assert result.details["canary"]["errors"] == 30 and result.details["stable"] is None


# --- traffic ------------------------------------------------------------------------------------------


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        code = 200 if self.path == "/ok" else 404
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def tiny_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_generate_traffic_is_bounded_by_count(tiny_server: str) -> None:
    report = generate_traffic(tiny_server, requests=40, paths=["/ok", "/missing"], concurrency=3)
    assert report.sent == 40 and report.transport_errors == 0
    assert report.status_counts == {200: 20, 404: 20}


def test_generate_traffic_stops_by_itself_after_the_time_bound(tiny_server: str) -> None:
    ticks = iter(range(1000))
    report = generate_traffic(tiny_server, seconds=5, paths=["/ok"], concurrency=1, clock=lambda: next(ticks))
    # the fake clock advances one "second" per reading: the loop stops once five have passed
    assert 0 < report.sent < 10 and report.status_counts == {200: report.sent}


def test_generate_traffic_refuses_unbounded_or_remote_load() -> None:
    with pytest.raises(CanaryError, match="needs a bound"):
        generate_traffic("http://127.0.0.1:1")
    with pytest.raises(CanaryError, match="not a loopback address"):
        generate_traffic("http://example.com", requests=1)
    with pytest.raises(CanaryError, match="requests must be"):
        generate_traffic("http://127.0.0.1:1", requests=10**7)
    with pytest.raises(CanaryError, match="paths must"):
        generate_traffic("http://127.0.0.1:1", requests=1, paths=["api"])
    down = generate_traffic("http://127.0.0.1:9", requests=3, concurrency=1, timeout=2.0)
    assert down.sent == 3 and down.transport_errors == 3 and "ConnectError" in down.last_error


# -- metric providers ----------------------------------------------------------------------------------


def test_provider_factory_builds_each_backend() -> None:
    with httpx.Client() as http:
        pods = provider_for("pods", client=http)
        assert isinstance(pods, ScrapeProvider) and pods.name == "pods" and pods.client is http
    prom = provider_for("prometheus", url="http://prom:9090", application="shop", namespace="apps", range="1m")
    assert isinstance(prom, PrometheusProvider) and prom.name == "prometheus"
    assert (prom.url, prom.application, prom.namespace, prom.range) == ("http://prom:9090", "shop", "apps", "1m")
    assert sorted(PROVIDERS) == ["pods", "prometheus"]


def test_provider_factory_refuses_unknown_kinds_and_bad_config() -> None:
    with pytest.raises(CanaryError, match="unknown metric provider 'datadog'; use one of pods, prometheus"):
        provider_for("datadog")
    with pytest.raises(CanaryError, match="bad configuration for the prometheus metric provider"):
        provider_for("prometheus", client=None)


def test_scrape_provider_windows_a_track_and_notes_pods_left_out() -> None:
    a, b = FakePod(), FakePod()
    pods = {"http://a/metrics": a, "http://b/metrics": b}
    down = {"http://b/metrics"}

    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        return httpx.Response(503) if url in down else httpx.Response(200, text=pods[url].text())

    targets = [PodTarget(name=n, track="canary", base_url=f"http://{n}", metrics_url=f"http://{n}/metrics",
                         version="1.0.0") for n in ("a", "b")]
    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        provider = provider_for("pods", client=http)
        before = provider.reading(targets)
        a.serve(30, 0.02)
        b.serve(10, 0.02)
        down.clear()
        after = provider.reading(targets)
    assert set(before.pods) == {"a", "b"} and isinstance(before.pods["b"], str)
    track, notes = provider.window("canary", targets, before, after)
    assert track is not None and track.requests == 30 and track.sources == ["http://a/metrics"]
    assert len(notes) == 1
    assert notes[0].startswith("pod b (canary) left out: scraping http://b/metrics answered HTTP 503")
    assert provider.window("canary", targets[1:], before, after)[0] is None


def test_prometheus_provider_reads_no_pods_and_asks_after_the_traffic(fake_prometheus: str) -> None:
    provider = provider_for("prometheus", url=fake_prometheus, application="inventory", namespace="apps",
                            range="5m")
    before = provider.reading([])
    assert before.pods == {}
    track, notes = provider.window("canary", [], before, provider.reading([]))
    assert track is not None and notes == []
    assert track == prometheus_window(fake_prometheus, "inventory", "canary", "apps", "5m")
