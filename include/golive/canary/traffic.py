"""The canary analysis' traffic: bounded load at a track while its window is open.

:func:`generate_traffic` sends GET requests from a few threads until a time or count bound (loopback
only, unless told otherwise); :func:`traffic_paths` chooses what the traffic GETs from the
application's profile (``endpoints.traffic_paths``, else the parameter-free GET operations of its
OpenAPI document, else only the health path, said so in the note); :func:`sign_in` registers a
throw-away user on every pod of the application — only when the profile names ``endpoints.signup``
and ``endpoints.login`` (the request contract is in :class:`golive.profile.model.Endpoints`) — and
:func:`drive` sends the analysis traffic through the Service: anonymous and signed-in GETs of those
paths, in parallel.
"""

from __future__ import annotations

import ipaddress
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from golive import http as app_http
from golive.canary.metrics import CanaryError
from golive.canary.targets import PodTarget
from golive.profile.model import Endpoints

__all__ = [
    "MAX_CONCURRENCY",
    "MAX_TRAFFIC_REQUESTS",
    "MAX_TRAFFIC_SECONDS",
    "TrafficReport",
    "drive",
    "generate_traffic",
    "sign_in",
    "traffic_paths",
]

MAX_TRAFFIC_SECONDS = 600.0
MAX_TRAFFIC_REQUESTS = 100_000
MAX_CONCURRENCY = 64
#: At most this many OpenAPI operations become traffic paths.
MAX_OPENAPI_PATHS = 8


@dataclass
class TrafficReport:
    """What :func:`generate_traffic` sent and got back."""

    url: str
    sent: int = 0
    status_counts: dict[int, int] = field(default_factory=dict)
    transport_errors: int = 0
    last_error: str = ""
    elapsed_seconds: float = 0.0


def _is_loopback(host: str) -> bool:
    """True when ``host`` is localhost or a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def generate_traffic(
    url: str,
    *,
    seconds: float | None = None,
    requests: int | None = None,
    paths: Sequence[str] = ("/",),
    concurrency: int = 4,
    timeout: float = 5.0,
    client: httpx.Client | None = None,
    allow_remote: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> TrafficReport:
    """Send GET requests to ``url`` + each of ``paths`` in turn until a bound is reached; stop by itself.

    At least one of ``seconds`` (at most 600) and ``requests`` (at most 100 000) bounds the run; with
    only ``requests`` the run still ends after 600 s. Requests go out from ``concurrency`` threads.
    Non-loopback hosts are refused unless ``allow_remote`` (load is never aimed at a shared host by
    accident).

    :raises CanaryError: on bad bounds, paths or a refused host.
    """
    if seconds is None and requests is None:
        raise CanaryError("generate_traffic() needs a bound: seconds, requests or both")
    if seconds is not None and not 0 < seconds <= MAX_TRAFFIC_SECONDS:
        raise CanaryError(f"seconds must be in (0, {MAX_TRAFFIC_SECONDS:g}], got {seconds}")
    if requests is not None and not 0 < requests <= MAX_TRAFFIC_REQUESTS:
        raise CanaryError(f"requests must be in (0, {MAX_TRAFFIC_REQUESTS}], got {requests}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise CanaryError(f"concurrency must be in [1, {MAX_CONCURRENCY}], got {concurrency}")
    if not paths or any(not p.startswith("/") for p in paths):
        raise CanaryError(f"paths must be a non-empty list of paths starting with '/', got {list(paths)}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CanaryError(f"url {url!r} must be an http(s) URL with a host")
    if not allow_remote and not _is_loopback(parts.hostname):
        raise CanaryError(f"refusing to load {parts.hostname}: not a loopback address; pass allow_remote=True "
                          "to drive traffic at another host")
    base = url.rstrip("/")
    deadline = clock() + (seconds if seconds is not None else MAX_TRAFFIC_SECONDS)
    report = TrafficReport(url=url)
    lock = threading.Lock()
    started = clock()
    own = client is None
    http = client or app_http.client(timeout=timeout, max_connections=concurrency)

    def worker() -> None:
        while True:
            with lock:
                if (requests is not None and report.sent >= requests) or clock() >= deadline:
                    return
                index = report.sent
                report.sent += 1
            target = base + paths[index % len(paths)]
            try:
                response = http.get(target, timeout=timeout)
            except httpx.HTTPError as exc:
                with lock:
                    report.transport_errors += 1
                    report.last_error = f"{type(exc).__name__}: {exc}"
                continue
            with lock:
                report.status_counts[response.status_code] = report.status_counts.get(response.status_code, 0) + 1

    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="golive-traffic") as pool:
            for future in [pool.submit(worker) for _ in range(concurrency)]:
                future.result()
    finally:
        if own:
            http.close()
    report.elapsed_seconds = clock() - started
    return report


def traffic_paths(endpoints: Endpoints, openapi: Mapping[str, Any] | None = None) -> tuple[tuple[str, ...], str]:
    """The paths the analysis traffic GETs, and a note saying where they come from.

    The profile's ``endpoints.traffic_paths``; else up to :data:`MAX_OPENAPI_PATHS` GET operations of the
    ``openapi`` document without path parameters (the health and metrics paths left out); else only
    ``endpoints.health``.
    """
    if endpoints.traffic_paths:
        return tuple(endpoints.traffic_paths), "traffic paths from the profile's endpoints.traffic_paths"
    found: list[str] = []
    for route, item in ((openapi or {}).get("paths") or {}).items():
        if (isinstance(item, Mapping) and "get" in item and "{" not in str(route)
                and route not in (endpoints.health, "/metrics")):
            found.append(str(route))
    if found:
        return tuple(sorted(found)[:MAX_OPENAPI_PATHS]), "traffic paths from the application's OpenAPI document"
    return (endpoints.health,), (f"no traffic paths in the profile and no OpenAPI document: the traffic only "
                                 f"hits the health path {endpoints.health}")


def _credentials() -> tuple[str, str]:
    """A throw-away user for this analysis (never printed): random name and a policy-conform password."""
    user = f"canary-{secrets.token_hex(6)}"
    return user, f"Cx9!{secrets.token_urlsafe(24)}"


def _post(http: httpx.Client, url: str, body: dict[str, str], attempts: int = 6) -> httpx.Response | None:
    """POST with retries on 5xx and transport errors (a canary that fails on purpose answers 500)."""
    for _ in range(attempts):
        try:
            response = http.post(url, json=body)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        if response.status_code < 500:
            return response
    return None


def sign_in(targets: Sequence[PodTarget], http: httpx.Client, endpoints: Endpoints) -> tuple[str | None, str]:
    """Register one user on every pod (state may be per process) and log in once; (token, note).

    Only when the profile names ``endpoints.signup`` and ``endpoints.login``; else (None, why) and no
    account is created. Returns (None, why) when no pod accepted the user.
    """
    if endpoints.signup is None or endpoints.login is None:
        return None, "the profile names no endpoints.signup and endpoints.login: only anonymous traffic was sent"
    if endpoints.signup_format != "json":
        return None, "the profile's sign-up is a form (endpoints.signup_format): only anonymous traffic was sent"
    user, password = _credentials()
    registered = []
    for target in targets:
        response = _post(http, f"{target.base_url}{endpoints.signup}", {"username": user, "password": password})
        if response is not None and response.status_code in (200, 201, 409):
            registered.append(target)
    if not registered:
        return None, "no pod accepted the analysis user; only anonymous traffic was sent"
    for target in registered:
        response = _post(http, f"{target.base_url}{endpoints.login}", {"username": user, "password": password})
        if response is not None and response.status_code == 200:
            token = response.json().get("access_token")
            if token:
                return str(token), f"user registered on {len(registered)} of {len(targets)} pods"
    return None, "login failed on every pod; only anonymous traffic was sent"


def _report(report: TrafficReport, authenticated: bool) -> dict[str, Any]:
    return {"authenticated": authenticated, "sent": report.sent,
            "status_counts": {str(k): v for k, v in sorted(report.status_counts.items())},
            "transport_errors": report.transport_errors, "last_error": report.last_error,
            "seconds": round(report.elapsed_seconds, 3)}


def drive(url: str, *, seconds: float, requests: int, token: str | None, paths: Sequence[str],
          concurrency: int = 2) -> list[dict[str, Any]]:
    """Send the analysis traffic through the Service ``url``: anonymous and (with ``token``) signed-in
    GETs of ``paths`` (:func:`traffic_paths`), in parallel, each bounded by ``seconds`` and its share
    of ``requests``."""
    plans: list[tuple[bool, dict[str, str]]] = [(False, {})]
    if token:
        plans.append((True, {"Authorization": f"Bearer {token}"}))
    share = max(1, requests // len(plans))
    reports: list[dict[str, Any]] = [{} for _ in plans]
    errors: list[BaseException] = []

    def run(index: int, authenticated: bool, headers: dict[str, str]) -> None:
        try:
            # One connection per request, like many clients: a Service balances connections, so
            # kept-alive connections would pin all traffic to the few pods they first reached.
            with app_http.client(headers=headers, timeout=10.0, max_connections=concurrency, keepalive=0) as http:
                report = generate_traffic(url, seconds=seconds, requests=share, paths=paths,
                                          concurrency=concurrency, client=http, allow_remote=True)
            reports[index] = _report(report, authenticated)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, auth, hdr), daemon=True) for i, (auth, hdr) in enumerate(plans)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return reports
