"""Canary analysis against the real sample application: three processes, real HTTP, real metrics.

A stable track (no fault), a broken canary (FAULT_MODE=errors, half of /api/* answered 500) and a
healthy canary are started with ``python -m app``; ``generate_traffic`` drives each over loopback,
``scrape`` reads each pod's /metrics before and after, and ``analyze`` decides the canary gate.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from golive.canary import TrafficWindow, analyze, combine, generate_traffic, scrape, window
from golive.models import CriterionStatus, VerdictStatus

SAMPLE_APP = Path(__file__).resolve().parents[2] / "include" / "sample_app"
REQUESTS = 300  # binomial sd of a 0.5 error rate over 300 requests ≈ 0.029
# Three servers and the load share two cores here: latency differences below 250 ms are scheduling
# noise, not a regression, so the p95 ratio compares against at least 250 ms.
P95_FLOOR = 0.25


@dataclass
class App:
    """One running sample-app process."""

    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(name: str, tmp: Path, fault_mode: str, version: str) -> App:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAULT_", "APP_", "RATE_LIMIT"))}
    env.update({
        "HOST": "127.0.0.1", "PORT": str(port), "FAULT_MODE": fault_mode, "FAULT_ERROR_RATE": "0.5",
        "APP_VERSION": version, "RATE_LIMIT_PER_MINUTE": "0", "ACCESS_LOG": "false", "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=SAMPLE_APP, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    return App(name, f"http://127.0.0.1:{port}", proc, log)


def _wait_ready(app: App, deadline: float) -> None:
    while time.monotonic() < deadline:
        if app.proc.poll() is not None:
            pytest.fail(f"sample app {app.name} exited with {app.proc.returncode}:\n{app.log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{app.url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"sample app {app.name} did not answer /health within 60 s:\n{app.log.read_text()[-3000:]}")


def _stop(app: App) -> None:
    if app.proc.poll() is None:
        os.killpg(app.proc.pid, signal.SIGTERM)
        try:
            app.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(app.proc.pid, signal.SIGKILL)
            app.proc.wait(timeout=15)


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, App]]:
    if not (SAMPLE_APP / "app" / "__main__.py").is_file():
        pytest.fail(f"the sample application is missing at {SAMPLE_APP}")
    tmp = tmp_path_factory.mktemp("sample-apps")
    started: dict[str, App] = {}
    try:
        for name, fault, version in (("stable", "none", "1.0.0"), ("bad-canary", "errors", "1.1.0"),
                                     ("good-canary", "none", "1.1.1")):
            started[name] = _start(name, tmp, fault, version)
        deadline = time.monotonic() + 60
        for app in started.values():
            _wait_ready(app, deadline)
        yield started
    finally:
        for app in started.values():
            _stop(app)


def _measure(app: App) -> TrafficWindow:
    """Scrape, drive REQUESTS requests at /api/v1/items (401 or injected 500) and /version, scrape again."""
    metrics = f"{app.url}/metrics"
    with httpx.Client(timeout=10.0) as client:
        before = scrape(metrics, client)
        report = generate_traffic(app.url, requests=REQUESTS, paths=["/api/v1/items"], concurrency=4, client=client)
        generate_traffic(app.url, requests=20, paths=["/health"], concurrency=2, client=client)
        after = scrape(metrics, client)
    assert report.sent == REQUESTS and report.transport_errors == 0, report
    return window(before, after)


def test_broken_canary_fails_and_healthy_canary_passes(apps: dict[str, App]) -> None:
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
