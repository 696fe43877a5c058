"""The golive Airflow plugin: the ledger web app and a credential-redacting middleware in the API
server, and a link in the UI's nav."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar

from airflow.plugins_manager import AirflowPlugin

from golive_airflow.middleware import RedactCredentialsMiddleware


@lru_cache(maxsize=1)
def _ledger_apps() -> list[dict[str, Any]]:
    from golive_airflow.ledger_app import create_app

    return [{"app": create_app(), "url_prefix": "/golive", "name": "golive ledger"}]


class _BuiltOnRead:
    """``fastapi_apps`` built when first read: only the API server reads it, so the scheduler, the DAG
    processor and every task process that loads the plugin skip FastAPI and Airflow's auth machinery."""

    def __get__(self, instance: object, owner: type) -> list[dict[str, Any]]:
        return _ledger_apps()


class GolivePlugin(AirflowPlugin):
    """Mounts ``/golive`` (the go-live board, runs, verdicts, reports from the ledger; behind Airflow's auth manager),
    links it from the UI, and keeps URL credentials out of the API server's 4xx answers."""

    name = "golive"
    fastapi_apps = _BuiltOnRead()
    fastapi_root_middlewares: ClassVar[list[dict[str, Any]]] = [  # type: ignore[misc]
        {"middleware": RedactCredentialsMiddleware, "args": [], "kwargs": {}, "name": "golive credential redaction"}]
    # AirflowPlugin declares these class-level lists as instance variables (mypy: misc)
    external_views: ClassVar[list[dict[str, Any]]] = [  # type: ignore[misc]
        {"name": "golive board", "href": "/golive/board", "destination": "nav", "category": "browse",
         "url_route": "golive"},
        {"name": "golive runs", "href": "/golive/runs", "destination": "nav", "category": "browse",
         "url_route": "golive-runs"},
        {"name": "golive feedback", "href": "/golive/feedback", "destination": "nav", "category": "browse",
         "url_route": "golive-feedback"}]
