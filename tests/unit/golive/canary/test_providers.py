"""The metric providers: scraping pods over HTTP, the Prometheus HTTP API, the factory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
import promql_parser
import pytest
from canary_fakes import FakePod
from local_http import serving

from golive.canary.analysis import analyze
from golive.canary.metrics import CanaryError
from golive.canary.providers import PROVIDERS, provider_for
from golive.canary.providers.prometheus import PrometheusProvider, prometheus_window
from golive.canary.providers.scrape import ScrapeProvider, scrape
from golive.canary.targets import PodTarget
from golive.models import VerdictStatus

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
    with serving(_FakePrometheus) as url:
        yield url


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
