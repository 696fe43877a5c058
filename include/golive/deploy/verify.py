"""HTTP checks of a deployed Service: healthy by :mod:`golive.http`, and ``/version`` the expected version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from golive import http as app_http

__all__ = ["Check", "verify_service"]


@dataclass(frozen=True)
class Check:
    """One verification check: its name, whether it passed, and what was seen."""

    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def verify_service(url: str | None, expected_version: str | None, *, attempts: int = 5,
                   timeout: float = 5.0, client: httpx.Client | None = None,
                   sleep: Any = None, health_path: str = "/health",
                   version_path: str | None = "/version") -> list[Check]:
    """Check that ``url`` + ``health_path`` is healthy (:func:`golive.http.is_healthy`) and that
    ``version_path`` reports ``expected_version`` (:func:`golive.http.version_of`,
    :func:`golive.http.versions_match`). ``version_path`` None (the application reports no version)
    leaves the version check to the caller (:func:`golive.deploy.ops.verify_live`: the image tag).

    Several replicas may sit behind the URL, so ``/version`` is asked ``attempts`` times, each over a
    new connection (Services balance connections, not requests), and every answer must carry the
    expected version (a leftover replica of another version fails the check).
    ``expected_version`` None checks only that ``/version`` answers.
    """
    import time

    pause = sleep or time.sleep
    if not url:
        return [Check("service url", False, "the Service has no URL (is it created, and does it have a port?)")]
    own = client is None
    # No keep-alive: a Service balances connections, so each answer must come over a new one.
    http = client or app_http.client(timeout=timeout, keepalive=0)
    checks: list[Check] = []
    try:
        health = _get(http, f"{url}{health_path}", attempts, pause)
        healthy = app_http.is_healthy(httpx.Response(health[0], text=health[1]))
        checks.append(Check("health", healthy, f"GET {url}{health_path} answered {health[0]}"
                            + ("" if healthy else f" ({health[1][:200]})")))
        if version_path is None:
            return checks
        seen: list[str] = []
        problems: list[str] = []
        for _ in range(max(1, attempts)):
            status, body = _get(http, f"{url}{version_path}", 1, pause)
            version = app_http.version_of(httpx.Response(status, text=body))
            if version is None:
                problems.append(f"HTTP {status} {body[:200]}" if status != 200 else f"no version in {body[:200]}")
                continue
            seen.append(version)
        versions = sorted(set(seen))
        if problems:
            ok, detail = False, f"GET {url}{version_path} failed: {'; '.join(problems[:3])}"
        elif expected_version is None:
            ok, detail = bool(seen), f"running version(s) {', '.join(versions)}"
        else:
            ok = bool(seen) and all(app_http.versions_match(v, expected_version) for v in seen)
            detail = (f"{len(seen)} answers, all version {expected_version}" if ok
                      else f"expected version {expected_version}, got {', '.join(versions) or 'nothing'}")
        checks.append(Check("version", ok, detail))
    finally:
        if own:
            http.close()
    return checks


def _get(http: httpx.Client, url: str, attempts: int, pause: Any) -> tuple[int, str]:
    """GET ``url``, retrying transport errors and 5xx up to ``attempts`` times; (status, body)."""
    last: tuple[int, str] = (0, "")
    for attempt in range(max(1, attempts)):
        try:
            response = http.get(url)
            last = (response.status_code, response.text)
            if response.status_code < 500:
                return last
        except httpx.HTTPError as exc:
            last = (0, f"{type(exc).__name__}: {exc}")
        if attempt + 1 < attempts:
            pause(0.5)
    return last
