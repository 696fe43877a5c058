"""The testing agent's HTTP side: reaching the deployed application, target policy, the smoke test.

* ``require_url`` / ``ensure_reachable``: every analyzer first checks that the application answers
  HTTP at all; an unreachable URL is a ``ToolError`` (no-data, never a pass). The client, the health
  rule, the version lookup and the OpenAPI discovery are :mod:`golive.http`'s (``discover_openapi``).
* ``ensure_internal_target``: the active analyzers (fuzzing, load) only aim at loopback, private
  (cluster) addresses or cluster DNS names, unless ``--allow-external-target`` says the operator owns
  the target.
* ``run_smoke``: a handful of real HTTP checks (health, version, OpenAPI document, Prometheus
  metrics, an unknown path answering 404) → ``smoke_passed`` (%), one finding per failed check.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from golive import http as app_http
from golive.analyzers.base import Context
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import ToolError

USER_AGENT = "golive-testing-agent"
HTTP_TIMEOUT = 10.0
#: Host suffixes that name something inside a Kubernetes cluster.
CLUSTER_SUFFIXES = (".svc", ".svc.cluster.local", ".cluster.local")


def require_url(ctx: Context) -> str:
    """The application's base URL, or a ``ToolError`` when the agent was run without one."""
    if not ctx.url:
        raise ToolError("no application URL: run the testing agent with --url http(s)://HOST[:PORT]")
    return ctx.url


def client(base_url: str, timeout: float = HTTP_TIMEOUT) -> httpx.Client:
    """The application client (:func:`golive.http.client`) with the testing agent's User-Agent."""
    return app_http.client(base_url, timeout=timeout, user_agent=USER_AGENT)


def discover_openapi(base_url: str, path: str | None = None) -> tuple[str, dict[str, Any]] | None:
    """The application's OpenAPI document as (path, document): at ``path`` when given (``--openapi-path``),
    else the first of :data:`golive.http.OPENAPI_PATHS` that serves one; None when none does.

    :raises httpx.HTTPError: the application could not be asked.
    """
    with client(base_url) as http:
        return app_http.find_openapi(http.get, (path,) if path else app_http.OPENAPI_PATHS)


def ensure_reachable(base_url: str, timeout: float = 5.0, *, path: str = "/health") -> int:
    """GET ``base_url`` + ``path`` (the health path; any HTTP answer counts); return its status.

    :raises ToolError: no HTTP answer (refused, DNS, timeout, TLS): the application is not reachable.
    """
    try:
        with client(base_url, timeout) as http:
            return http.get(path).status_code
    except httpx.HTTPError as exc:
        raise ToolError(f"the application at {base_url} is not reachable ({type(exc).__name__}: {exc}); "
                        "check the URL, the Service and that the deployment is ready") from exc


def _is_internal_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", maxsplit=1)[0])
    return ip.is_loopback or ip.is_private or ip.is_link_local


def ensure_internal_target(base_url: str, ctx: Context) -> str:
    """Refuse fuzzing or load against a host that is neither loopback, private nor a cluster name.

    Returns a short description of why the target is allowed (recorded in the result's details).

    :raises ToolError: the host resolves to a public address (and ``--allow-external-target`` is off),
        or does not resolve.
    """
    host = (urlsplit(base_url).hostname or "").lower()
    if ctx.options.get("allow_external_target"):
        return f"{host}: external targets allowed by --allow-external-target"
    if host == "localhost" or host.endswith(CLUSTER_SUFFIXES):
        return f"{host}: loopback or cluster DNS name"
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise ToolError(f"the application host {host} does not resolve ({exc.strerror}); "
                        "check the URL") from exc
    addresses = sorted({info[4][0] for info in infos})
    public = [a for a in addresses if not _is_internal_address(str(a))]
    if public:
        raise ToolError(f"refusing to fuzz or load-test {host}: it resolves to public address(es) "
                        f"{', '.join(map(str, public))}; golive only aims active tests at loopback and cluster "
                        "addresses — pass --allow-external-target if you own that endpoint")
    return f"{host}: internal address(es) {', '.join(map(str, addresses))}"


# -- smoke ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """One smoke check's outcome."""

    name: str
    passed: bool
    detail: str
    path: str


def _check_health(http: httpx.Client, ctx: Context) -> Check:
    path = ctx.profile.profile.endpoints.health
    r = http.get(path)
    status = app_http.health_status(r)
    ok = app_http.is_healthy(r)
    return Check("health", ok, f"GET {path} answered {r.status_code} with status {status or 'missing'!r}"
                 + ("" if ok else f" (expected 200 and, if given, a status of "
                                  f"{', '.join(sorted(app_http.HEALTHY_STATUSES))})"), path)


def _check_version(http: httpx.Client, ctx: Context) -> Check | str:
    path = ctx.profile.profile.endpoints.version
    if path is None:
        return ("the profile declares no version endpoint (the deployment verifies the version by the "
                "Deployment's image tag)")
    r = http.get(path)
    version = app_http.version_of(r)
    if version is None:
        return Check("version", False, f"GET {path} answered {r.status_code} without a version", path)
    if ctx.expected_version and not app_http.versions_match(version, ctx.expected_version):
        return Check("version", False, f"deployed version is {version!r}, expected {ctx.expected_version!r}", path)
    expected = f" (expected {ctx.expected_version})" if ctx.expected_version else ""
    return Check("version", True, f"GET {path} answered version {version}{expected}", path)


def _check_openapi(http: httpx.Client, ctx: Context) -> Check | str:
    override = ctx.options.get("openapi_path")
    paths = (str(override),) if override else ctx.profile.profile.endpoints.openapi_paths(app_http.OPENAPI_PATHS)
    if not paths:
        return "the profile declares that the application serves no OpenAPI document (endpoints.openapi: false)"
    found = app_http.find_openapi(http.get, paths)
    if found is None:
        return Check("openapi", False, f"no OpenAPI document with paths at {', '.join(paths)}", paths[0])
    path, doc = found
    version = doc.get("openapi") or f"(Swagger {doc.get('swagger')})"
    return Check("openapi", True, f"GET {path}: OpenAPI {version} with {len(doc['paths'])} paths", path)


def _check_metrics(http: httpx.Client, ctx: Context) -> Check:
    from prometheus_client.parser import text_string_to_metric_families

    r = http.get("/metrics")
    if r.status_code != 200:
        return Check("metrics", False, f"GET /metrics answered {r.status_code}", "/metrics")
    try:
        families = list(text_string_to_metric_families(r.text))
    except ValueError as exc:
        return Check("metrics", False, f"GET /metrics is not Prometheus text: {exc}", "/metrics")
    samples = sum(len(f.samples) for f in families)
    ok = bool(families) and samples > 0
    return Check("metrics", ok, f"GET /metrics: {len(families)} metric families, {samples} samples", "/metrics")


def _check_unknown_path(http: httpx.Client, ctx: Context) -> Check:
    path = f"/golive-smoke-{secrets.token_hex(6)}"
    r = http.get(path)
    ok = r.status_code == 404
    return Check("unknown_path_404", ok, f"GET {path} answered {r.status_code}"
                 + ("" if ok else " (expected 404)"), path)


#: The smoke checks; one answers a :class:`Check`, or why it does not apply to this application.
SMOKE_CHECKS: tuple[tuple[str, Callable[[httpx.Client, Context], Check | str]], ...] = (
    ("health", _check_health),
    ("version", _check_version),
    ("openapi", _check_openapi),
    ("metrics", _check_metrics),
    ("unknown_path_404", _check_unknown_path),
)


def run_smoke(ctx: Context) -> AnalyzerResult:
    """Smoke-test the deployed application over HTTP; ``smoke_passed`` is the share of checks passed.

    Plain http is accepted (TLS is not required of an in-cluster Service); https is verified. The
    health, version and OpenAPI paths are the profile's; a check the profile says does not apply (no
    version endpoint: the deployment verifies the version by the image tag; ``openapi: false``) is left
    out, said so in ``details.skipped``.
    """
    base = require_url(ctx)
    ensure_reachable(base, path=ctx.profile.profile.endpoints.health)
    checks: list[Check] = []
    skipped: list[str] = []
    with client(base) as http:
        for name, check in SMOKE_CHECKS:
            try:
                outcome = check(http, ctx)
            except httpx.HTTPError as exc:
                outcome = Check(name, False, f"{type(exc).__name__}: {exc}", "")
            if isinstance(outcome, str):
                skipped.append(f"{name}: {outcome}")
            else:
                checks.append(outcome)
    passed = sum(c.passed for c in checks)
    failed = [c for c in checks if not c.passed]
    findings = [Finding(tool="smoke", rule_id=f"smoke.{c.name}", severity=Severity.HIGH,
                        message=f"smoke check {c.name} failed: {c.detail}", path=c.path or None) for c in failed]
    detail = (f"{passed}/{len(checks)} checks passed" +
              (f"; failed: {'; '.join(f'{c.name}: {c.detail}' for c in failed)}" if failed else ""))
    return AnalyzerResult(
        agent=ctx.agent, tool="smoke",
        measurements=[Measurement(name="smoke_passed", value=round(100.0 * passed / len(checks), 2), unit="%",
                                  detail=detail)],
        findings=findings,
        details={"url": base, "tls": urlsplit(base).scheme == "https",
                 "expected_version": ctx.expected_version, "skipped": skipped,
                 "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in checks]})
