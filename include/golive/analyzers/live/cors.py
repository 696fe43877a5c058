"""The ``cors`` analyzer: a preflight and a simple request from a foreign origin must be refused."""

from __future__ import annotations

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
from golive.models import AnalyzerResult, Measurement

FOREIGN_ORIGIN = "https://evil.example"


def cors_allows(headers: httpx.Headers, origin: str) -> tuple[bool, str]:
    """Whether these response headers let ``origin`` read the answer, and the raw values."""
    allow = headers.get("access-control-allow-origin")
    creds = headers.get("access-control-allow-credentials")
    raw = f"access-control-allow-origin={allow!r}, access-control-allow-credentials={creds!r}"
    if allow is None:
        return False, raw
    return allow.strip() in ("*", origin), raw


def run_cors(ctx: Context) -> AnalyzerResult:
    """``cors_foreign_refused``: a preflight and a request from ``https://evil.example`` are not allowed."""
    with http_client(ctx) as client:
        path = api_path(fetch_openapi(client), option(ctx, "api_path", None)) or "/"
        preflight = send(client, "OPTIONS", path, headers={
            "Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization"})
        simple = send(client, "GET", path, headers={"Origin": FOREIGN_ORIGIN})
    pre_allowed, pre_raw = cors_allows(preflight.headers, FOREIGN_ORIGIN)
    get_allowed, get_raw = cors_allows(simple.headers, FOREIGN_ORIGIN)
    refused = not pre_allowed and not get_allowed
    detail = (f"OPTIONS {path} from {FOREIGN_ORIGIN} → {preflight.status_code} ({pre_raw}); "
              f"GET → {simple.status_code} ({get_raw})")
    findings = [] if refused else [live_finding("cors", "cors-foreign-origin-allowed",
                                            f"a foreign origin is allowed by CORS: {detail}")]
    return live_result(ctx, "cors", [Measurement(name="cors_foreign_refused", value=1.0 if refused else 0.0, unit="",
                                             detail=detail)], findings, path=path)
