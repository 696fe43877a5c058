"""The ``health`` analyzer: GET the profile's health path (``/health``) N times, each healthy by
:func:`golive.http.is_healthy`."""

from __future__ import annotations

import statistics
import time

import httpx

from golive import http as app_http
from golive.analyzers.base import Context
from golive.analyzers.live.client import (
    http_client,
    live_finding,
    live_result,
    option,
    shorten,
)
from golive.models import AnalyzerResult, Measurement, Severity
from golive.tools import ToolError

DEFAULT_PROBES = 5


def run_health(ctx: Context) -> AnalyzerResult:
    """GET ``endpoints.health`` ``--probes`` times: ``health_ok`` is 1 when every probe answered 200 and ok."""
    path = ctx.profile.profile.endpoints.health
    probes = max(1, int(option(ctx, "probes", DEFAULT_PROBES)))
    latencies: list[float] = []
    failures: list[str] = []
    connected = 0
    with http_client(ctx) as client:
        for i in range(probes):
            started = time.perf_counter()
            try:
                response = client.get(path)
            except httpx.HTTPError as exc:
                failures.append(f"probe {i + 1}: {type(exc).__name__}: {shorten(str(exc)) or 'no answer'}")
                continue
            connected += 1
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                failures.append(f"probe {i + 1}: HTTP {response.status_code} {shorten(response.text, 80)}")
            elif not app_http.is_healthy(response):
                failures.append(f"probe {i + 1}: status {app_http.health_status(response)!r}")
            if i + 1 < probes:
                time.sleep(0.1)
    if connected == 0:
        raise ToolError(f"the application at {ctx.url} could not be reached: {failures[0]}")
    ok = not failures
    lat = (f"latency median {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms"
           if latencies else "no latency measured")
    detail = (f"{probes - len(failures)}/{probes} probes of {path} answered 200 ok; {lat}"
              + (f"; {'; '.join(failures[:3])}" if failures else ""))
    findings = [] if ok else [live_finding("health", "health-failed", detail, Severity.CRITICAL)]
    return live_result(ctx, "health", [Measurement(name="health_ok", value=1.0 if ok else 0.0, unit="",
                                               detail=detail)], findings,
                   probes=probes, failures=failures, latencies_ms=[round(v, 2) for v in latencies])
