"""HTTP checks of a deployed Service: ``/health`` answers 200 and ``/version`` the expected version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

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
                   sleep: Any = None) -> list[Check]:
    """Check that ``url`` answers ``/health`` with 200 and that ``/version`` reports ``expected_version``.

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
    http = client or httpx.Client(timeout=timeout, limits=httpx.Limits(max_keepalive_connections=0))
    checks: list[Check] = []
    try:
        health = _get(http, f"{url}/health", attempts, pause)
        checks.append(Check("health", health[0] == 200,
                            f"GET {url}/health answered {health[0]}" + (f" ({health[1]})" if health[0] != 200 else "")))
        seen: list[str] = []
        problems: list[str] = []
        for _ in range(max(1, attempts)):
            status, body = _get(http, f"{url}/version", 1, pause)
            if status != 200:
                problems.append(f"HTTP {status} {body[:200]}")
                continue
            try:
                seen.append(str(httpx.Response(200, content=body).json().get("version")))
            except ValueError:
                problems.append(f"not JSON: {body[:200]}")
        versions = sorted(set(seen))
        if problems:
            ok, detail = False, f"GET {url}/version failed: {'; '.join(problems[:3])}"
        elif expected_version is None:
            ok, detail = bool(seen), f"running version(s) {', '.join(versions)}"
        else:
            ok = versions == [expected_version]
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
