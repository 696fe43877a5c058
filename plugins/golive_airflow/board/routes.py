"""The board's routes on the ``/golive`` app (whose every route already requires a user).

The ledger is filtered by the DAGs the auth manager lets the user read before anything is queried: a run
of another DAG — its gates, its trends, its waiting approval — never reaches the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from airflow.api_fastapi.common.db.common import SessionDep
from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from golive.ledger import Ledger
from golive.trends import criterion_trends
from golive_airflow.board.approvals import waiting_approvals
from golive_airflow.board.render import render_application, render_index

#: The mount point of the plugin's app (``plugin.py``); the Airflow UI lives at the API server's root.
MOUNT = "/golive"


def board_router(ledger: Callable[[], Ledger], may_read: Callable[[BaseUser, str], bool]) -> APIRouter:
    """``/board`` and ``/board/{application}``.

    :param ledger: opens the ledger (the ``LedgerHook``'s).
    :param may_read: whether a user may read the runs of a DAG (``ledger_app.may_read_runs_of``).
    """
    router = APIRouter()

    def readable_dags(book: Ledger, user: BaseUser) -> list[str]:
        return [dag_id for dag_id in book.recorded_dag_ids() if may_read(user, dag_id)]

    @router.get("/board", response_class=HTMLResponse)
    def board(request: Request, user: GetUserDep, session: SessionDep) -> str:
        """Every application with a run the user may read, its newest go-lives, and the approvals waiting."""
        book = ledger()
        overview = book.applications_overview(dag_ids=readable_dags(book, user))
        waiting = waiting_approvals(session, _dag_of(run for app in overview for run in app["latest"]))
        return render_index(overview, waiting, **_roots(request))

    @router.get("/board/{application}", response_class=HTMLResponse)
    def application(application: str, request: Request, user: GetUserDep, session: SessionDep) -> str:
        """One application: its go-lives with every gate, decision, revision and rollback, and the trends."""
        book = ledger()
        history = book.application_history(application, dag_ids=readable_dags(book, user))
        if history is None:
            raise HTTPException(status_code=404, detail=f"no run of application {application!r} that you may read")
        waiting = waiting_approvals(session, _dag_of(history["go_lives"]))
        return render_application(history, criterion_trends(history["releases"]), waiting, **_roots(request))

    return router


def _dag_of(runs: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {run["run_id"]: run["dag_id"] for run in runs}


def _roots(request: Request) -> dict[str, str]:
    """Where the ``/golive`` app and the Airflow UI are, as the request reached them (behind a base path
    too): ``root_path`` ends with the mount point."""
    root = str(request.scope.get("root_path") or MOUNT).rstrip("/")
    return {"root": root, "ui_root": root[: -len(MOUNT)] if root.endswith(MOUNT) else ""}
