"""The golive Airflow plugin: the ledger web app in the API server, and a link in the UI's nav."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow.plugins_manager import AirflowPlugin

if TYPE_CHECKING:
    from fastapi import FastAPI


def _ledger_app() -> FastAPI:
    from golive_airflow.ledger_app import create_app

    return create_app()


class GolivePlugin(AirflowPlugin):
    """Mounts ``/golive`` (runs, verdicts, reports from the ledger) and links it from the UI."""

    name = "golive"
    # AirflowPlugin declares these class-level lists as instance variables (mypy: misc)
    fastapi_apps: ClassVar[list[dict[str, Any]]] = [  # type: ignore[misc]
        {"app": _ledger_app(), "url_prefix": "/golive", "name": "golive ledger"}]
    external_views: ClassVar[list[dict[str, Any]]] = [  # type: ignore[misc]
        {"name": "golive ledger", "href": "/golive/runs", "destination": "nav", "category": "browse",
         "url_route": "golive"},
        {"name": "golive feedback", "href": "/golive/feedback", "destination": "nav", "category": "browse",
         "url_route": "golive-feedback"}]
