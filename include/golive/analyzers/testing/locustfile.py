"""golive's generic Locust load profile (``locust -f`` this file): /health and the API's GET operations.

Run by the testing agent's ``load`` analyzer when the application ships no ``locustfile.py``. The
analyzer reads the application's OpenAPI document first and hands the GET operations that need no
path parameter and no required query parameter in ``$GOLIVE_LOAD_OPERATIONS`` (JSON: a list of
``{"path": "/items", "documented": ["200", "401", ...]}``). Each user requests ``/health``
(weight 1) and one of those operations (weight 3), with a short wait between requests.

What counts as a failure: a 5xx, a 429 (the target shed load), a connection error, or a status the
operation does not document. A documented answer such as 401 on a protected endpoint called without
credentials is a success: the request was served as specified, and its latency is real. With
``$GOLIVE_LOAD_BEARER_TOKEN`` set, requests carry ``Authorization: Bearer …`` (never logged).

This file imports Locust (and thereby gevent's monkey-patching): nothing in golive imports it.
"""

from __future__ import annotations

import json
import random

from locust import HttpUser, between, task

from golive.settings import get_settings


def _operations_from_env() -> list[tuple[str, frozenset[str]]]:
    raw = get_settings().load_operations
    return [(str(op["path"]), frozenset(str(c) for c in op.get("documented") or ["2XX"])) for op in json.loads(raw)]


_operations = _operations_from_env()
_health = get_settings().load_health_path


def _accepted(status: int, documented: frozenset[str]) -> bool:
    if status >= 500 or status in {429, 0}:
        return False
    if str(status) in documented or f"{str(status)[0]}XX" in {d.upper() for d in documented}:
        return True
    return "default" in documented and status < 400


class ApiUser(HttpUser):
    """A user that checks health and reads the API's parameterless GET operations."""

    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        """Attach the bearer token, when the run provides one."""
        token = get_settings().load_bearer_token
        if token and token.get_secret_value():
            self.client.headers["Authorization"] = f"Bearer {token.get_secret_value()}"

    def _get(self, route: str, documented: frozenset[str]) -> None:
        with self.client.get(route, name=route, catch_response=True) as response:
            if _accepted(response.status_code, documented):
                response.success()
            else:
                response.failure(f"status {response.status_code} (documented: {', '.join(sorted(documented))})")

    @task(1)
    def health(self) -> None:
        """GET the profile's health path."""
        self._get(_health, frozenset({"200"}))

    @task(3)
    def api(self) -> None:
        """GET one of the API's parameterless operations (or the health path when there is none)."""
        if _operations:
            self._get(*random.choice(_operations))
        else:
            self._get(_health, frozenset({"200"}))
