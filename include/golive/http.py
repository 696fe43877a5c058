"""Talking to a deployed application over HTTP: one client, one health rule, one version and OpenAPI lookup.

Every golive check that asks the running application something (verification, testing, the
deployment strategies' ``verify_service``, the canary analysis) goes through here, so they agree:

* :func:`client` / :func:`async_client`: redirects are never followed (a redirect is an answer to
  check, not a hop to another host), no proxy or other settings from the environment (the
  application is reached directly, on loopback or inside the cluster), a bounded timeout and a
  golive ``User-Agent``;
* :func:`is_healthy`: ``/health`` answered 200, and a ``status`` field, when the body has one, is one
  of :data:`HEALTHY_STATUSES` (``ok``, ``pass``, ``up``, ``healthy``, ``green``; any case);
* :func:`version_of`: the ``version`` of a 200 JSON answer (``/version``), and :func:`versions_match`
  (a leading ``v`` ignored: ``v1.2.0`` is ``1.2.0``);
* :func:`find_openapi`: the first of :data:`OPENAPI_PATHS` that answers an OpenAPI (or Swagger)
  document with paths.

Nothing here imports Airflow: it runs inside the workload pods too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

__all__ = [
    "DEFAULT_TIMEOUT",
    "HEALTHY_STATUSES",
    "OPENAPI_PATHS",
    "USER_AGENT",
    "async_client",
    "client",
    "find_openapi",
    "health_status",
    "is_healthy",
    "is_openapi",
    "json_body",
    "version_of",
    "versions_match",
]

USER_AGENT = "golive/1"
DEFAULT_TIMEOUT = 10.0
#: ``status`` words of a healthy ``/health`` answer (compared lower-case): Spring's ``UP``, the
#: health-check RFC draft's ``pass``, the common ``ok`` / ``healthy``, Elasticsearch's ``green``.
HEALTHY_STATUSES = frozenset({"ok", "pass", "up", "healthy", "green"})
#: Where applications serve their OpenAPI document, in the order they are tried.
OPENAPI_PATHS: tuple[str, ...] = ("/openapi.json", "/swagger.json", "/api/openapi.json", "/v3/api-docs")


def _settings(base_url: str, *, timeout: float, user_agent: str, headers: Mapping[str, str] | None,
              max_connections: int, keepalive: int) -> dict[str, Any]:
    return {"base_url": base_url, "timeout": timeout, "follow_redirects": False, "trust_env": False,
            "headers": {"User-Agent": user_agent, **(headers or {})},
            "limits": httpx.Limits(max_connections=max_connections, max_keepalive_connections=keepalive)}


def client(base_url: str = "", *, timeout: float = DEFAULT_TIMEOUT, user_agent: str = USER_AGENT,
           headers: Mapping[str, str] | None = None, max_connections: int = 100,
           keepalive: int = 20) -> httpx.Client:
    """An ``httpx.Client`` for a deployed application (relative paths resolve against ``base_url``).

    No redirects followed, nothing taken from the environment (proxies, netrc), TLS verified for
    https. ``keepalive`` is the number of idle connections kept; 0 opens a new connection for every
    request (a Service balances connections, not requests).
    """
    return httpx.Client(**_settings(base_url, timeout=timeout, user_agent=user_agent, headers=headers,
                                     max_connections=max_connections, keepalive=keepalive))


def async_client(base_url: str = "", *, timeout: float = DEFAULT_TIMEOUT, user_agent: str = USER_AGENT,
                 headers: Mapping[str, str] | None = None, max_connections: int = 100,
                 keepalive: int = 20) -> httpx.AsyncClient:
    """The ``httpx.AsyncClient`` twin of :func:`client`, with the same settings."""
    return httpx.AsyncClient(**_settings(base_url, timeout=timeout, user_agent=user_agent, headers=headers,
                                     max_connections=max_connections, keepalive=keepalive))


def json_body(response: httpx.Response) -> Any:
    """The answer's JSON, or None when it is not JSON."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def health_status(response: httpx.Response) -> str | None:
    """The ``status`` field of a ``/health`` answer's JSON object, or None when it has none."""
    body = json_body(response)
    status = body.get("status") if isinstance(body, dict) else None
    return None if status is None else str(status)


def is_healthy(response: httpx.Response) -> bool:
    """The one health rule: HTTP 200, and a ``status`` field, if any, in :data:`HEALTHY_STATUSES`."""
    if response.status_code != 200:
        return False
    status = health_status(response)
    return status is None or status.strip().lower() in HEALTHY_STATUSES


def version_of(response: httpx.Response) -> str | None:
    """The ``version`` of a 200 answer whose JSON object names one (``/version``), else None."""
    body = json_body(response) if response.status_code == 200 else None
    version = body.get("version") if isinstance(body, dict) else None
    return str(version) if version not in (None, "") else None


def _norm_version(text: str) -> str:
    text = text.strip()
    return text[1:] if text[:1] in ("v", "V") and text[1:2].isdigit() else text


def versions_match(running: str, expected: str) -> bool:
    """Whether the running version is the expected one (surrounding blanks and a leading v ignored)."""
    return _norm_version(running) == _norm_version(expected)


def is_openapi(doc: Any) -> bool:
    """An OpenAPI 3 (``openapi``) or Swagger 2 (``swagger``) document with a non-empty ``paths`` object."""
    return (isinstance(doc, dict) and ("openapi" in doc or "swagger" in doc)
            and isinstance(doc.get("paths"), dict) and bool(doc["paths"]))


def find_openapi(get: Callable[[str], httpx.Response],
                 paths: Sequence[str] = OPENAPI_PATHS) -> tuple[str, dict[str, Any]] | None:
    """The first of ``paths`` whose GET (``get(path)``) answers 200 with an OpenAPI document, as
    (path, document); None when none does. Transport errors of ``get`` propagate."""
    for path in paths:
        response = get(path)
        doc = json_body(response) if response.status_code == 200 else None
        if isinstance(doc, dict) and is_openapi(doc):
            return path, doc
    return None
