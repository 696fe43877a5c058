"""The canary's measurement windows: exposition parsing, deltas, counter resets, quantiles, combining pods."""

from __future__ import annotations

import json

import pytest
from canary_fakes import FakePod, fake_window

from golive.canary.metrics import CanaryError, TrafficWindow, combine, histogram_quantile, window
from golive.canary.providers.scrape import parse_exposition

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
    win = fake_window((60, 0.02, 200), (20, 0.02, 500), (20, 0.02, 404))
    assert win.requests == 100 and win.errors == 20
    assert win.error_rate == pytest.approx(0.2)
    assert win.status_counts == {"200": 60.0, "404": 20.0, "500": 20.0}
    assert win.seconds == 60.0 and win.request_rate == pytest.approx(100 / 60)
    assert win.bucket_counts[-1] == 100  # the 3 requests before the window are not counted
    assert win.resets == 0 and win.info["version"] == "1.0.0"


def test_quantiles_match_a_hand_computation() -> None:
    # 10 requests of 3 ms, 80 of 20 ms, 10 of 200 ms → cumulative buckets
    # le 0.005: 10, 0.01: 10, 0.025: 90, 0.05: 90, 0.1: 90, 0.25: 100, ... +Inf: 100
    win = fake_window((10, 0.003, 200), (80, 0.02, 200), (10, 0.2, 200))
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
    fast = fake_window((90, 0.003, 200))
    slow = fake_window((10, 0.2, 200), (10, 0.2, 502))
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
    win = fake_window((30, 0.02, 200))
    dumped = json.loads(win.model_dump_json())
    assert dumped["requests"] == 30 and dumped["p95"] == pytest.approx(win.p95)
    assert TrafficWindow.model_validate(dumped) == win
    with pytest.raises(ValueError, match="requestz"):
        TrafficWindow.model_validate({**dumped, "requestz": 1})
