"""The ``ratelimit`` analyzer: a bounded concurrent burst to an API path must be answered 429."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from golive import http as app_http
from golive.analyzers.base import Context
from golive.analyzers.live.client import (
    AGENT_UA,
    http_client,
    live_finding,
    live_result,
    option,
    request_timeout,
    require_url,
    shorten,
)
from golive.analyzers.live.openapi import NOT_API, api_path, fetch_openapi
from golive.models import AnalyzerResult, Measurement, Severity
from golive.settings import get_settings
from golive.tools import ToolError

DEFAULT_BURST_MAX = 1000


DEFAULT_BURST_CONCURRENCY = 32


DEFAULT_BURST_SECONDS = 30.0


@dataclass
class Burst:
    """What a burst measured."""

    sent: int = 0
    answered: int = 0
    first_429_at: int | None = None
    retry_after: str | None = None
    errors: int = 0
    last_error: str = ""
    seconds: float = 0.0
    stopped_by: str = ""
    statuses: Counter[int] = field(default_factory=Counter)


async def _burst(base_url: str, path: str, *, maximum: int, concurrency: int, budget: float,
                 timeout: float) -> Burst:
    burst = Burst()
    done = asyncio.Event()
    deadline = time.monotonic() + budget
    async with app_http.async_client(base_url, timeout=timeout, user_agent=AGENT_UA, max_connections=concurrency,
                                     keepalive=concurrency) as client:
        async def worker() -> None:
            while not done.is_set():
                if burst.sent >= maximum:
                    return
                if time.monotonic() >= deadline:
                    burst.stopped_by = burst.stopped_by or f"the {budget:g} s time bound"
                    return
                burst.sent += 1
                try:
                    response = await client.get(path)
                except httpx.HTTPError as exc:
                    burst.errors += 1
                    burst.last_error = f"{type(exc).__name__}: {shorten(str(exc), 100)}"
                    continue
                burst.answered += 1
                burst.statuses[response.status_code] += 1
                if response.status_code == 429 and burst.first_429_at is None:
                    burst.first_429_at = burst.answered
                    burst.retry_after = response.headers.get("retry-after")
                    burst.stopped_by = "the first 429"
                    done.set()

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        burst.seconds = time.monotonic() - started
    if not burst.stopped_by:
        burst.stopped_by = f"--burst-max {maximum}"
    return burst


def _replicas_hint(ctx: Context) -> str:
    """`` (the pods check counted N replicas)`` when the pods analyzer's result came as evidence."""
    pods = next((r for r in ctx.evidence or () if r.tool == "pods" and not r.error), None)
    desired = pods.details.get("desired") if pods else None
    return f" (the pods check counted {desired} replicas)" if desired else ""


def _traffic_path(ctx: Context) -> str | None:
    """The profile's first traffic path that is not its health probe nor a health/metrics/version path."""
    endpoints = ctx.profile.profile.endpoints
    return next((p for p in endpoints.traffic_paths if p != endpoints.health and not NOT_API.match(p)), None)


def run_ratelimit(ctx: Context) -> AnalyzerResult:
    """``rate_limited``: a concurrent burst (≤ ``--burst-max``, time-bounded) gets a 429.

    Run it after the other HTTP checks: it empties the client's rate-limit bucket. It needs the
    profile's consent in prod (``live_checks.prod.burst``); without it the criterion is not-applicable.
    """
    allowed, why = ctx.profile.profile.live_checks.allows("burst", get_settings().environment)
    if not allowed:
        return live_result(ctx, "ratelimit", [Measurement(name="rate_limited", value=None, unit="", applicable=False,
                                                          detail=why)])
    url = require_url(ctx)
    maximum = max(1, int(option(ctx, "burst_max", DEFAULT_BURST_MAX)))
    concurrency = max(1, min(int(option(ctx, "burst_concurrency", DEFAULT_BURST_CONCURRENCY)), maximum))
    budget = float(ctx.timeout or DEFAULT_BURST_SECONDS)
    with http_client(ctx) as client:
        path = api_path(fetch_openapi(client), option(ctx, "api_path", None)) or _traffic_path(ctx)
    if path is None:
        raise ToolError("no API path to test the rate limit on: no OpenAPI document lists a GET path without "
                        "parameters outside /health, /metrics and /version, and the profile's "
                        "endpoints.traffic_paths name none either; give --api-path")
    burst = asyncio.run(_burst(url, path, maximum=maximum, concurrency=concurrency, budget=budget,
                              timeout=request_timeout(ctx)))
    if burst.answered == 0:
        raise ToolError(f"the application at {url}{path} answered none of {burst.sent} requests: {burst.last_error}")
    statuses = ", ".join(f"{code}×{n}" for code, n in sorted((burst.statuses or {}).items()))
    limited = burst.first_429_at is not None
    if limited:
        detail = (f"429 after {burst.first_429_at} requests to GET {path} in {burst.seconds:.1f} s "
                  f"(Retry-After {burst.retry_after!r}; answers {statuses})")
    else:
        detail = (f"no 429 in {burst.answered} answered of {burst.sent} requests to GET {path} in "
                  f"{burst.seconds:.1f} s, stopped by {burst.stopped_by} (answers {statuses}); a limit is "
                  f"per replica and client: --burst-max must exceed the limit per minute × the replicas"
                  + _replicas_hint(ctx))
    if burst.errors:
        detail += f"; {burst.errors} requests failed, last: {burst.last_error}"
    findings = [] if limited else [live_finding("ratelimit", "no-rate-limit", f"no rate limiting: {detail}",
                                            Severity.MEDIUM)]
    return live_result(ctx, "ratelimit", [Measurement(name="rate_limited", value=1.0 if limited else 0.0, unit="",
                                                  detail=detail)], findings,
                   path=path, requests=burst.sent, answered=burst.answered, first_429_at=burst.first_429_at,
                   seconds=round(burst.seconds, 3), statuses={str(k): v for k, v in (burst.statuses or {}).items()},
                   concurrency=concurrency, burst_max=maximum)
