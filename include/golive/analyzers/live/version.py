"""The ``version`` analyzer: the profile's version path (``/version``) JSON, else the ``app_info{version=…}``
metric, else the health path. A profile without a version path (``endpoints.version: null``) makes it
not-applicable: the deployment verifies the version by the Deployment's image tag then."""

from __future__ import annotations

import re

import httpx

from golive import http as app_http
from golive.analyzers.base import Context
from golive.analyzers.live.client import (
    http_client,
    live_finding,
    live_result,
    send,
)
from golive.models import AnalyzerResult, Measurement, Severity

_APP_INFO = re.compile(r'^app_info\{(?P<labels>[^}]*)\}', re.MULTILINE)


_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def running_version(client: httpx.Client, version_path: str = "/version",
                    health_path: str = "/health") -> tuple[str | None, str, list[str]]:
    """The version the application reports, where it came from, and what was tried."""
    tried: list[str] = []
    response = send(client, "GET", version_path)
    version = app_http.version_of(response)
    if version is not None:
        return version, version_path, tried
    tried.append(f"{version_path}: HTTP {response.status_code}")
    response = send(client, "GET", "/metrics")
    if response.status_code == 200:
        for match in _APP_INFO.finditer(response.text):
            labels = dict(_LABEL.findall(match.group("labels")))
            if labels.get("version"):
                return labels["version"], "app_info metric", tried
        tried.append("/metrics: no app_info{version=...}")
    else:
        tried.append(f"/metrics: HTTP {response.status_code}")
    response = send(client, "GET", health_path)
    version = app_http.version_of(response)
    if version is not None:
        return version, health_path, tried
    tried.append(f"{health_path}: HTTP {response.status_code}, no version field")
    return None, "", tried


def run_version(ctx: Context) -> AnalyzerResult:
    """``version_matches``: 1 when the running version equals ``--expected-version`` (a leading v ignored)."""
    expected = ctx.expected_version
    endpoints = ctx.profile.profile.endpoints
    if endpoints.version is None:
        return live_result(ctx, "version", [Measurement(
            name="version_matches", value=None, unit="", applicable=False,
            detail="the profile declares no version endpoint (endpoints.version: null): the deployment "
                   "verifies the version by the Deployment's image tag")])
    with http_client(ctx) as client:
        running, origin, tried = running_version(client, endpoints.version, endpoints.health)
    if running is None:
        detail = f"the application reports no version ({'; '.join(tried)})"
        return live_result(ctx, "version", [Measurement(name="version_matches", value=None, unit="", detail=detail)])
    if not expected:
        detail = f"no --expected-version given (running version {running!r} from {origin})"
        return live_result(ctx, "version", [Measurement(name="version_matches", value=None, unit="", detail=detail)],
                       running=running, source=origin)
    matches = app_http.versions_match(running, expected)
    detail = f"running {running!r} (from {origin}), expected {expected!r}"
    findings = [] if matches else [live_finding("version", "version-mismatch", f"version mismatch: {detail}",
                                            Severity.CRITICAL)]
    return live_result(ctx, "version", [Measurement(name="version_matches", value=1.0 if matches else 0.0, unit="",
                                                detail=detail)], findings,
                   running=running, expected=expected, source=origin)
