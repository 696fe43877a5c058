"""Canary analysis against the real sample application: three processes, real HTTP, real metrics.

A stable track (no fault), a broken canary (FAULT_MODE=errors, half of /api/* answered 500) and a
healthy canary are started with ``python -m app``; ``generate_traffic`` drives each over loopback,
``scrape`` reads each pod's /metrics before and after, and ``analyze`` decides the canary gate.
"""

from __future__ import annotations

import httpx
import pytest
from repo_paths import REPO

from golive.canary.analysis import analyze
from golive.canary.metrics import TrafficWindow, combine, window
from golive.canary.providers.scrape import scrape
from golive.canary.traffic import generate_traffic
from golive.models import CriterionStatus, VerdictStatus

SAMPLE_APP = REPO / "include" / "sample_app"
REQUESTS = 300  # binomial sd of a 0.5 error rate over 300 requests ≈ 0.029
# Three servers and the load share two cores here: latency differences below 250 ms are scheduling
# noise, not a regression, so the p95 ratio compares against at least 250 ms.
P95_FLOOR = 0.25


@pytest.fixture(scope="module")
def apps(sample_app_factory) -> dict:
    started = {name: sample_app_factory(name, wait=False, FAULT_MODE=fault, FAULT_ERROR_RATE="0.5", APP_VERSION=version,
                                        RATE_LIMIT_PER_MINUTE="0", LOG_LEVEL="WARNING")
               for name, fault, version in (("stable", "none", "1.0.0"), ("bad-canary", "errors", "1.1.0"),
                                            ("good-canary", "none", "1.1.1"))}
    for app in started.values():  # started side by side, then awaited: one start-up time, not three
        sample_app_factory.wait_ready(app)
    return started


def _measure(app) -> TrafficWindow:
    """Scrape, drive REQUESTS requests at /api/v1/items (401 or injected 500) and /version, scrape again."""
    metrics = f"{app.url}/metrics"
    with httpx.Client(timeout=10.0) as client:
        before = scrape(metrics, client)
        report = generate_traffic(app.url, requests=REQUESTS, paths=["/api/v1/items"], concurrency=4, client=client)
        generate_traffic(app.url, requests=20, paths=["/health"], concurrency=2, client=client)
        after = scrape(metrics, client)
    assert report.sent == REQUESTS and report.transport_errors == 0, report
    return window(before, after)


def test_broken_canary_fails_and_healthy_canary_passes(apps: dict) -> None:
    stable = _measure(apps["stable"])
    bad = _measure(apps["bad-canary"])
    good = _measure(apps["good-canary"])

    assert stable.requests == REQUESTS and stable.errors == 0  # /health is left out of the window
    assert stable.info["version"] == "1.0.0" and bad.info["version"] == "1.1.0"
    assert set(stable.status_counts) == {"401"}  # unauthenticated list: an answer, not a failure

    verdict = analyze(bad, stable, p95_floor_seconds=P95_FLOOR)
    assert verdict.status is VerdictStatus.FAIL, verdict.reasons
    err = next(c for c in verdict.criteria if c.name == "canary error rate")
    assert err.status is CriterionStatus.FAIL
    assert err.value == pytest.approx(0.5, abs=0.12), err
    assert f"{err.value:.4g} ratio misses <= 0.05" in err.reason
    assert bad.status_counts.keys() == {"401", "500"}

    healthy = analyze(good, stable, p95_floor_seconds=P95_FLOOR)
    assert healthy.status is VerdictStatus.PASS, healthy.reasons
    assert next(c for c in healthy.criteria if c.name == "canary error rate").value == 0.0
    assert good.p95 is not None and good.p95 < 2.0

    first_deploy = analyze(bad, None)
    assert first_deploy.status is VerdictStatus.FAIL
    assert analyze(good, None).status is VerdictStatus.PASS

    # two canary pods of one track are summed: the broken one drags the track's error rate down to ~0.25
    track = combine([bad, good])
    assert track.requests == 2 * REQUESTS and track.errors == bad.errors
    assert analyze(track, stable, p95_floor_seconds=P95_FLOOR).status is VerdictStatus.FAIL
