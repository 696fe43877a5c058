"""The ``headers`` analyzer: the security headers on real responses, each valid on every one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from golive.analyzers.base import Context
from golive.analyzers.live.client import (
    http_client,
    live_finding,
    live_result,
    option,
    send,
)
from golive.analyzers.live.openapi import api_path, fetch_openapi
from golive.models import AnalyzerResult, Measurement, Severity


def _hsts(value: str) -> bool:
    match = re.search(r"max-age\s*=\s*\"?(\d+)", value, re.IGNORECASE)
    return match is not None and int(match.group(1)) > 0


SECURITY_HEADERS: dict[str, tuple[str, Any]] = {
    "strict-transport-security": ("HSTS with max-age > 0", _hsts),
    "content-security-policy": ("a non-empty policy", lambda v: bool(v.strip())),
    "x-content-type-options": ("nosniff", lambda v: v.strip().lower() == "nosniff"),
    "x-frame-options": ("DENY or SAMEORIGIN", lambda v: v.strip().upper() in ("DENY", "SAMEORIGIN")),
    "referrer-policy": ("a policy other than unsafe-url",
                        lambda v: bool(v.strip()) and "unsafe-url" not in v.lower()),
}


def check_headers(responses: Mapping[str, httpx.Response]) -> tuple[int, dict[str, str], dict[str, dict[str, str]]]:
    """Count the security headers valid on every response; return (count, problems, raw values)."""
    raw = {path: {h: r.headers.get(h, "") for h in SECURITY_HEADERS} for path, r in responses.items()}
    problems: dict[str, str] = {}
    for header, (wanted, valid) in SECURITY_HEADERS.items():
        for path, values in raw.items():
            value = values[header]
            if not value:
                problems[header] = f"missing on {path}"
                break
            if not valid(value):
                problems[header] = f"{value!r} on {path} (want {wanted})"
                break
    return len(SECURITY_HEADERS) - len(problems), problems, raw


def run_headers(ctx: Context) -> AnalyzerResult:
    """``security_headers_live``: the five security headers present and valid on real responses (the
    profile's health path and an API path)."""
    with http_client(ctx) as client:
        paths = [ctx.profile.profile.endpoints.health]
        path = api_path(fetch_openapi(client), option(ctx, "api_path", None))
        if path and path not in paths:
            paths.append(path)
        responses = {p: send(client, "GET", p) for p in paths}
    count, problems, raw = check_headers(responses)
    statuses = ", ".join(f"{p} → {r.status_code}" for p, r in responses.items())
    detail = (f"{count}/5 valid on {statuses}"
              + (f"; {'; '.join(f'{h}: {why}' for h, why in problems.items())}" if problems else ""))
    findings = [live_finding("headers", f"missing-{h}", f"security header {h}: {why}", Severity.MEDIUM)
                for h, why in problems.items()]
    return live_result(ctx, "headers", [Measurement(name="security_headers_live", value=float(count), unit="headers",
                                                detail=detail)], findings, headers=raw)
