"""Talking to the running application: one client per analyzer, bounded retries, results and findings."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from golive import http as app_http
from golive.analyzers.base import Context
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import ToolError

AGENT_UA = "golive-verification/1"


DEFAULT_REQUEST_TIMEOUT = 5.0


_MAX_RETRY_AFTER = 5.0


def require_url(ctx: Context) -> str:
    if not ctx.url:
        raise ToolError("no --url given: the HTTP checks need the base URL of the running application")
    return ctx.url


def request_timeout(ctx: Context) -> float:
    """Seconds one HTTP request may take: ``--timeout`` capped at 10, default 5."""
    return min(ctx.timeout, 10.0) if ctx.timeout else DEFAULT_REQUEST_TIMEOUT


def option(ctx: Context, name: str, default: Any) -> Any:
    value = ctx.options.get(name) if ctx.options else None
    return default if value is None else value


@contextmanager
def http_client(ctx: Context) -> Iterator[httpx.Client]:
    """The application client (:func:`golive.http.client`) for ``ctx.url``."""
    with app_http.client(require_url(ctx), timeout=request_timeout(ctx), user_agent=AGENT_UA) as client:
        yield client


def unreachable(url: str, exc: httpx.HTTPError) -> ToolError:
    return ToolError(f"the application at {url} could not be reached: {type(exc).__name__}: {exc}")


def send(client: httpx.Client, method: str, path: str, *, retry_seconds: float = 10.0,
         **kwargs: Any) -> httpx.Response:
    """One request; a 429 is retried after its ``Retry-After`` (capped) for up to ``retry_seconds``.

    :raises ToolError: the application could not be reached or did not answer in time.
    """
    deadline = time.monotonic() + retry_seconds
    while True:
        try:
            response = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise unreachable(f"{client.base_url}{path}", exc) from exc
        if response.status_code != 429 or time.monotonic() >= deadline:
            return response
        wait = retry_after(response)
        time.sleep(min(wait, max(0.0, deadline - time.monotonic())))


def retry_after(response: httpx.Response) -> float:
    try:
        return min(_MAX_RETRY_AFTER, max(0.2, float(response.headers.get("retry-after", "1"))))
    except ValueError:
        return 1.0


def shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def live_result(ctx: Context, tool: str, measurements: list[Measurement], findings: list[Finding] | None = None,
            **details: Any) -> AnalyzerResult:
    return AnalyzerResult(agent=ctx.agent, tool=tool, measurements=measurements, findings=findings or [],
                          details={"url": ctx.url, **details})


def live_finding(tool: str, rule_id: str, message: str, severity: Severity = Severity.HIGH) -> Finding:
    return Finding(tool=tool, rule_id=rule_id, severity=severity, message=message,
                   fingerprint=f"verification:{tool}:{rule_id}")
