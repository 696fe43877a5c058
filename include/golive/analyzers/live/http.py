"""The verification agent's HTTP analyzers: health, version and the live hardening checks.

Each analyzer talks to the running application at ``ctx.url`` (a loopback or in-cluster address)
with real requests, bounded in number and time, through :mod:`golive.http` (its client, health rule,
version lookup and OpenAPI discovery):

* ``health``: ``GET /health`` N times (``--probes``, default 5) → ``health_ok`` (1 when every probe
  is healthy by :func:`golive.http.is_healthy`: 200, and a healthy ``status`` word if any), latencies
  in the detail;
* ``version``: ``/version`` JSON, else the ``app_info{version=…}`` metric, else ``/health`` JSON →
  ``version_matches`` against ``--expected-version``;
* ``headers``: HSTS, CSP, ``X-Content-Type-Options: nosniff``, ``X-Frame-Options``, ``Referrer-Policy``
  on real responses → ``security_headers_live`` (0-5, a header counts when valid on every response);
* ``cors``: a preflight from ``https://evil.example`` (and a simple request with that ``Origin``) →
  ``cors_foreign_refused``;
* ``ratelimit``: a concurrent burst of at most ``--burst-max`` requests (stopping at the first 429,
  bounded in time) to an API path → ``rate_limited`` and the number of requests it took;
* ``password``: registration with weak passwords via the OpenAPI-discovered register endpoint refused
  (4xx) while a strong one is accepted → ``weak_password_refused``.

An application that cannot be reached raises ``ToolError``: the analyzer's criteria become no-data,
never a pass. Nothing here logs a password or a token.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import statistics
import string
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from golive import http as app_http
from golive.analyzers.base import Context
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import ToolError

AGENT_UA = "golive-verification/1"
DEFAULT_REQUEST_TIMEOUT = 5.0
DEFAULT_PROBES = 5
DEFAULT_BURST_MAX = 1000
DEFAULT_BURST_CONCURRENCY = 32
DEFAULT_BURST_SECONDS = 30.0
FOREIGN_ORIGIN = "https://evil.example"
#: Paths that are never an API path to hammer (probes, metrics, documentation).
_NOT_API = re.compile(r"^/(health|healthz|livez|readyz|ready|metrics|version|openapi|docs|redoc|swagger)",
                      re.IGNORECASE)
_MAX_RETRY_AFTER = 5.0


# -- plumbing -----------------------------------------------------------------------------------------

def _require_url(ctx: Context) -> str:
    if not ctx.url:
        raise ToolError("no --url given: the HTTP checks need the base URL of the running application")
    return ctx.url


def request_timeout(ctx: Context) -> float:
    """Seconds one HTTP request may take: ``--timeout`` capped at 10, default 5."""
    return min(ctx.timeout, 10.0) if ctx.timeout else DEFAULT_REQUEST_TIMEOUT


def _option(ctx: Context, name: str, default: Any) -> Any:
    value = ctx.options.get(name) if ctx.options else None
    return default if value is None else value


@contextmanager
def http_client(ctx: Context) -> Iterator[httpx.Client]:
    """The application client (:func:`golive.http.client`) for ``ctx.url``."""
    with app_http.client(_require_url(ctx), timeout=request_timeout(ctx), user_agent=AGENT_UA) as client:
        yield client


def _unreachable(url: str, exc: httpx.HTTPError) -> ToolError:
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
            raise _unreachable(f"{client.base_url}{path}", exc) from exc
        if response.status_code != 429 or time.monotonic() >= deadline:
            return response
        wait = _retry_after(response)
        time.sleep(min(wait, max(0.0, deadline - time.monotonic())))


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(_MAX_RETRY_AFTER, max(0.2, float(response.headers.get("retry-after", "1"))))
    except ValueError:
        return 1.0


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _result(ctx: Context, tool: str, measurements: list[Measurement], findings: list[Finding] | None = None,
            **details: Any) -> AnalyzerResult:
    return AnalyzerResult(agent=ctx.agent, tool=tool, measurements=measurements, findings=findings or [],
                          details={"url": ctx.url, **details})


def _finding(tool: str, rule_id: str, message: str, severity: Severity = Severity.HIGH) -> Finding:
    return Finding(tool=tool, rule_id=rule_id, severity=severity, message=message,
                   fingerprint=f"verification:{tool}:{rule_id}")


# -- OpenAPI discovery --------------------------------------------------------------------------------

def fetch_openapi(client: httpx.Client) -> dict[str, Any] | None:
    """The application's OpenAPI document (:func:`golive.http.find_openapi`), or None."""
    found = app_http.find_openapi(lambda path: send(client, "GET", path))
    return found[1] if found else None


def api_path(doc: Mapping[str, Any] | None, override: str | None = None) -> str | None:
    """A GET path of the API without path parameters (``/api/...`` preferred), or ``override``."""
    if override:
        return override if override.startswith("/") else f"/{override}"
    if not doc:
        return None
    candidates = [p for p, ops in doc.get("paths", {}).items()
                  if isinstance(ops, dict) and "get" in ops and "{" not in p and not _NOT_API.match(p)]
    candidates.sort(key=lambda p: (not p.startswith("/api"), len(p), p))
    return candidates[0] if candidates else None


def _resolve(doc: Mapping[str, Any], schema: Any, depth: int = 0) -> dict[str, Any]:
    """Follow local ``$ref``s (``#/components/schemas/X``) and merge ``allOf`` parts."""
    if not isinstance(schema, dict) or depth > 10:
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        node: Any = doc
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return _resolve(doc, node, depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            sub = _resolve(doc, part, depth + 1)
            merged["properties"].update(sub.get("properties", {}))
            merged["required"] += sub.get("required", [])
        return merged
    return schema


@dataclass(frozen=True)
class RegisterEndpoint:
    """A registration operation found in the OpenAPI document."""

    path: str
    password_field: str
    properties: dict[str, dict[str, Any]]
    required: tuple[str, ...]


_PASSWORD_NAME = re.compile(r"pass(word)?|passwd|pwd", re.IGNORECASE)
_CONFIRM_NAME = re.compile(r"confirm|repeat|again|verify|check|2$", re.IGNORECASE)


def find_register_endpoint(doc: Mapping[str, Any]) -> RegisterEndpoint | None:
    """The first POST path containing ``register`` or ``signup`` whose JSON body has a password field."""
    for path, ops in doc.get("paths", {}).items():
        if not re.search(r"register|sign-?up", path, re.IGNORECASE) or not isinstance(ops, dict) or "post" not in ops:
            continue
        content = (ops["post"].get("requestBody") or {})
        content = _resolve(doc, content).get("content", {})
        media = next((v for k, v in content.items() if "json" in k), None)
        if not media:
            continue
        schema = _resolve(doc, media.get("schema"))
        props = {k: _resolve(doc, v) for k, v in (schema.get("properties") or {}).items()}
        password = next((k for k, v in props.items() if v.get("format") == "password"
                         or (_PASSWORD_NAME.search(k) and not _CONFIRM_NAME.search(k))), None)
        if password is None:
            continue
        return RegisterEndpoint(path=path, password_field=password, properties=props,
                                required=tuple(schema.get("required") or ()))
    return None


def _fill(name: str, schema: Mapping[str, Any], username: str) -> Any:
    """A plausible value for a non-password field of a registration body."""
    if "default" in schema:
        return schema["default"]
    if "example" in schema:
        return schema["example"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type", "string")
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 0), 0)
    if schema.get("format") == "email" or "email" in name.lower() or "mail" in name.lower():
        return f"{username}@example.com"
    return username


def registration_body(endpoint: RegisterEndpoint, username: str, password: str) -> dict[str, Any]:
    """A registration body: the password (and its confirmation field), the username, required fields."""
    body: dict[str, Any] = {}
    for name, schema in endpoint.properties.items():
        if name == endpoint.password_field or (_PASSWORD_NAME.search(name) and _CONFIRM_NAME.search(name)):
            body[name] = password
        elif name in endpoint.required or re.search(r"user|login|email|name", name, re.IGNORECASE):
            body[name] = _fill(name, schema, username)
    return body


# -- health -------------------------------------------------------------------------------------------

def run_health(ctx: Context) -> AnalyzerResult:
    """``GET /health`` ``--probes`` times: ``health_ok`` is 1 when every probe answered 200 and ok."""
    probes = max(1, int(_option(ctx, "probes", DEFAULT_PROBES)))
    latencies: list[float] = []
    failures: list[str] = []
    connected = 0
    with http_client(ctx) as client:
        for i in range(probes):
            started = time.perf_counter()
            try:
                response = client.get("/health")
            except httpx.HTTPError as exc:
                failures.append(f"probe {i + 1}: {type(exc).__name__}: {_short(str(exc)) or 'no answer'}")
                continue
            connected += 1
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                failures.append(f"probe {i + 1}: HTTP {response.status_code} {_short(response.text, 80)}")
            elif not app_http.is_healthy(response):
                failures.append(f"probe {i + 1}: status {app_http.health_status(response)!r}")
            if i + 1 < probes:
                time.sleep(0.1)
    if connected == 0:
        raise ToolError(f"the application at {ctx.url} could not be reached: {failures[0]}")
    ok = not failures
    lat = (f"latency median {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms"
           if latencies else "no latency measured")
    detail = (f"{probes - len(failures)}/{probes} probes of /health answered 200 ok; {lat}"
              + (f"; {'; '.join(failures[:3])}" if failures else ""))
    findings = [] if ok else [_finding("health", "health-failed", detail, Severity.CRITICAL)]
    return _result(ctx, "health", [Measurement(name="health_ok", value=1.0 if ok else 0.0, unit="",
                                               detail=detail)], findings,
                   probes=probes, failures=failures, latencies_ms=[round(v, 2) for v in latencies])


# -- version ------------------------------------------------------------------------------------------

_APP_INFO = re.compile(r'^app_info\{(?P<labels>[^}]*)\}', re.MULTILINE)
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def running_version(client: httpx.Client) -> tuple[str | None, str, list[str]]:
    """The version the application reports, where it came from, and what was tried."""
    tried: list[str] = []
    response = send(client, "GET", "/version")
    version = app_http.version_of(response)
    if version is not None:
        return version, "/version", tried
    tried.append(f"/version: HTTP {response.status_code}")
    response = send(client, "GET", "/metrics")
    if response.status_code == 200:
        for match in _APP_INFO.finditer(response.text):
            labels = dict(_LABEL.findall(match.group("labels")))
            if labels.get("version"):
                return labels["version"], "app_info metric", tried
        tried.append("/metrics: no app_info{version=...}")
    else:
        tried.append(f"/metrics: HTTP {response.status_code}")
    response = send(client, "GET", "/health")
    version = app_http.version_of(response)
    if version is not None:
        return version, "/health", tried
    tried.append(f"/health: HTTP {response.status_code}, no version field")
    return None, "", tried


def run_version(ctx: Context) -> AnalyzerResult:
    """``version_matches``: 1 when the running version equals ``--expected-version`` (a leading v ignored)."""
    expected = ctx.expected_version
    with http_client(ctx) as client:
        running, origin, tried = running_version(client)
    if running is None:
        detail = f"the application reports no version ({'; '.join(tried)})"
        return _result(ctx, "version", [Measurement(name="version_matches", value=None, unit="", detail=detail)])
    if not expected:
        detail = f"no --expected-version given (running version {running!r} from {origin})"
        return _result(ctx, "version", [Measurement(name="version_matches", value=None, unit="", detail=detail)],
                       running=running, source=origin)
    matches = app_http.versions_match(running, expected)
    detail = f"running {running!r} (from {origin}), expected {expected!r}"
    findings = [] if matches else [_finding("version", "version-mismatch", f"version mismatch: {detail}",
                                            Severity.CRITICAL)]
    return _result(ctx, "version", [Measurement(name="version_matches", value=1.0 if matches else 0.0, unit="",
                                                detail=detail)], findings,
                   running=running, expected=expected, source=origin)


# -- security headers ---------------------------------------------------------------------------------

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
    """``security_headers_live``: the five security headers present and valid on real responses."""
    with http_client(ctx) as client:
        paths = ["/health"]
        path = api_path(fetch_openapi(client), _option(ctx, "api_path", None))
        if path:
            paths.append(path)
        responses = {p: send(client, "GET", p) for p in paths}
    count, problems, raw = check_headers(responses)
    statuses = ", ".join(f"{p} → {r.status_code}" for p, r in responses.items())
    detail = (f"{count}/5 valid on {statuses}"
              + (f"; {'; '.join(f'{h}: {why}' for h, why in problems.items())}" if problems else ""))
    findings = [_finding("headers", f"missing-{h}", f"security header {h}: {why}", Severity.MEDIUM)
                for h, why in problems.items()]
    return _result(ctx, "headers", [Measurement(name="security_headers_live", value=float(count), unit="headers",
                                                detail=detail)], findings, headers=raw)


# -- CORS ---------------------------------------------------------------------------------------------

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
        path = api_path(fetch_openapi(client), _option(ctx, "api_path", None)) or "/"
        preflight = send(client, "OPTIONS", path, headers={
            "Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization"})
        simple = send(client, "GET", path, headers={"Origin": FOREIGN_ORIGIN})
    pre_allowed, pre_raw = cors_allows(preflight.headers, FOREIGN_ORIGIN)
    get_allowed, get_raw = cors_allows(simple.headers, FOREIGN_ORIGIN)
    refused = not pre_allowed and not get_allowed
    detail = (f"OPTIONS {path} from {FOREIGN_ORIGIN} → {preflight.status_code} ({pre_raw}); "
              f"GET → {simple.status_code} ({get_raw})")
    findings = [] if refused else [_finding("cors", "cors-foreign-origin-allowed",
                                            f"a foreign origin is allowed by CORS: {detail}")]
    return _result(ctx, "cors", [Measurement(name="cors_foreign_refused", value=1.0 if refused else 0.0, unit="",
                                             detail=detail)], findings, path=path)


# -- rate limit ---------------------------------------------------------------------------------------

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
                    burst.last_error = f"{type(exc).__name__}: {_short(str(exc), 100)}"
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


def run_ratelimit(ctx: Context) -> AnalyzerResult:
    """``rate_limited``: a concurrent burst (≤ ``--burst-max``, time-bounded) gets a 429.

    Run it after the other HTTP checks: it empties the client's rate-limit bucket.
    """
    url = _require_url(ctx)
    maximum = max(1, int(_option(ctx, "burst_max", DEFAULT_BURST_MAX)))
    concurrency = max(1, min(int(_option(ctx, "burst_concurrency", DEFAULT_BURST_CONCURRENCY)), maximum))
    budget = float(ctx.timeout or DEFAULT_BURST_SECONDS)
    with http_client(ctx) as client:
        path = api_path(fetch_openapi(client), _option(ctx, "api_path", None))
    if path is None:
        raise ToolError("no API path to test the rate limit on: the OpenAPI document lists no GET path "
                        "without parameters outside /health, /metrics and /version; give --api-path")
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
    findings = [] if limited else [_finding("ratelimit", "no-rate-limit", f"no rate limiting: {detail}",
                                            Severity.MEDIUM)]
    return _result(ctx, "ratelimit", [Measurement(name="rate_limited", value=1.0 if limited else 0.0, unit="",
                                                  detail=detail)], findings,
                   path=path, requests=burst.sent, answered=burst.answered, first_429_at=burst.first_429_at,
                   seconds=round(burst.seconds, 3), statuses={str(k): v for k, v in (burst.statuses or {}).items()},
                   concurrency=concurrency, burst_max=maximum)


# -- password policy ----------------------------------------------------------------------------------

def weak_passwords() -> dict[str, str]:
    """The weak passwords tried, by description (a fresh all-lowercase one per run)."""
    lowercase = "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))
    return {"'password'": "password", "'12345678'": "12345678", "12 lowercase letters": lowercase}


def strong_password() -> str:
    """A 24-character password with every character class."""
    alphabet = string.ascii_letters + string.digits + "!#%+-.:=?@^_~"
    body = "".join(secrets.choice(alphabet) for _ in range(20))
    return body + secrets.choice(string.ascii_uppercase) + secrets.choice(string.ascii_lowercase) \
        + secrets.choice(string.digits) + secrets.choice("!#%+-.:=?@^_~")


def _username() -> str:
    return f"golive-verify-{secrets.token_hex(4)}"


def _register(client: httpx.Client, endpoint: RegisterEndpoint, password: str) -> httpx.Response:
    return send(client, "POST", endpoint.path, json=registration_body(endpoint, _username(), password))


def run_password(ctx: Context) -> AnalyzerResult:
    """``weak_password_refused``: weak passwords get 4xx from the register endpoint, a strong one 2xx.

    Registers one account ``golive-verify-<hex>`` on the application (the strong password's).
    """
    with http_client(ctx) as client:
        doc = fetch_openapi(client)
        if doc is None:
            return _no_password_data(ctx, f"no OpenAPI document at {ctx.url} ({', '.join(app_http.OPENAPI_PATHS)}): "
                                          "the register endpoint cannot be discovered")
        endpoint = find_register_endpoint(doc)
        if endpoint is None:
            return _no_password_data(ctx, "the OpenAPI document has no POST path containing 'register' or "
                                          "'signup' with a JSON body that has a password field")
        weak = {what: _register(client, endpoint, pw) for what, pw in weak_passwords().items()}
        strong = _register(client, endpoint, strong_password())
    outcomes = {what: r.status_code for what, r in weak.items()}
    weak_text = ", ".join(f"{what} → {code}" for what, code in outcomes.items())
    if 429 in (*outcomes.values(), strong.status_code):
        return _no_password_data(ctx, f"POST {endpoint.path} was rate limited (429) even after waiting: weak "
                                      f"{weak_text}, strong → {strong.status_code}; run this check before the "
                                      "ratelimit burst", path=endpoint.path, weak=outcomes, strong=strong.status_code)
    if not 200 <= strong.status_code < 300:
        return _no_password_data(ctx, f"a strong password was refused too (POST {endpoint.path} → "
                                      f"{strong.status_code} {_short(strong.text, 120)}; weak: {weak_text}): "
                                      "the policy cannot be told apart from a rejected request body",
                                 path=endpoint.path, weak=outcomes, strong=strong.status_code)
    accepted = [what for what, code in outcomes.items() if not 400 <= code < 500]
    refused = not accepted
    detail = f"POST {endpoint.path}: weak {weak_text}; strong → {strong.status_code}"
    findings = [_finding("password", "weak-password-accepted",
                         f"weak passwords not refused ({', '.join(accepted)}): {detail}")] if accepted else []
    return _result(ctx, "password", [Measurement(name="weak_password_refused", value=1.0 if refused else 0.0,
                                                 unit="", detail=detail)], findings,
                   path=endpoint.path, weak=outcomes, strong=strong.status_code)


def _no_password_data(ctx: Context, why: str, **details: Any) -> AnalyzerResult:
    return _result(ctx, "password", [Measurement(name="weak_password_refused", value=None, unit="", detail=why)],
                   **details)
