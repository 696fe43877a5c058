"""A small read-only web app over the ledger, mounted in Airflow's API server by the plugin.

``/golive/board`` is the go-live board (``golive_airflow.board``: applications, gates, approvals, trends);
``/golive/runs`` lists the recorded go-live runs; ``/golive/runs/{run_id}`` shows one run's
report (rendered from the ledger on request); ``/golive/runs/{run_id}.json`` returns it as JSON;
``/golive/feedback`` lists the feedback insights reports and quarantined batches (to a user who may
read the runs of ``golive_feedback``);
``/golive/metrics`` is golive's own Prometheus metrics (``golive.metrics``) over the runs of the DAGs the
user may read;
``/golive/docs/{path}`` serves the documentation phase's artifacts from the artifact store
(``GOLIVE_DOCS_STORE_URL``; a page without its ``.html`` suffix too, which is how the alerts'
``runbook_url`` name their runbooks).

Every route goes through Airflow's auth manager, like ``/api/v2``: a user is required (a JWT in
``Authorization: Bearer`` or the UI's session cookie; none → 401), each run is shown only to a user
the auth manager lets read the runs of that run's DAG (``is_authorized_dag(GET, RUN)``, as
``requires_access_dag`` asks it; otherwise 403), the list holds only such runs, and there are no docs,
redoc or OpenAPI routes to serve to anyone (``/golive/docs/{path}`` is the artifacts', for any signed-in
user). The DAG is the run's, from the ledger — never a request parameter.
"""

from __future__ import annotations

import html
import json
import tempfile
from pathlib import Path
from typing import Any

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails
from airflow.api_fastapi.core_api.security import GetUserDep, get_user
from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from golive.docs.store import ArtifactStore, StoreError
from golive.ledger import Ledger, LedgerError
from golive.ledger import schema as t
from golive.settings import get_settings
from golive_airflow.board.routes import board_router
from golive_airflow.hooks.ledger import LedgerHook


def create_app() -> FastAPI:
    """The FastAPI app (no connection is opened until a request arrives; every route needs a user)."""
    app = FastAPI(title="golive ledger", description="Go-live runs, verdicts and reports.",
                  docs_url=None, redoc_url=None, openapi_url=None, dependencies=[Depends(get_user)])

    def ledger() -> Ledger:
        return LedgerHook().get_conn()

    def readable_report(run_id: str, user: BaseUser) -> dict[str, Any]:
        try:
            report = ledger().run_report(run_id)
        except LedgerError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        dag_id = report["run"]["dag_id"]
        if not may_read_runs_of(user, dag_id):
            raise HTTPException(status_code=403, detail=f"not allowed to read the runs of DAG {dag_id!r}")
        return report

    app.include_router(board_router(ledger, may_read_runs_of))

    @app.get("/runs", response_class=HTMLResponse)
    def runs(user: GetUserDep) -> str:
        """The newest 200 runs the user may read, with their status and cost."""
        with ledger().engine.connect() as conn:
            found = conn.execute(select(t.runs).order_by(t.runs.c.recorded_at.desc()).limit(200)).mappings().all()
            allowed = {dag_id: may_read_runs_of(user, dag_id) for dag_id in {r["dag_id"] for r in found}}
            rows = [r for r in found if allowed[r["dag_id"]]]
        return runs_page(rows, ledger().run_costs(r["run_id"] for r in rows))

    @app.get("/runs/{run_id}.json")
    def run_json(run_id: str, user: GetUserDep) -> JSONResponse:
        """One run's full record."""
        from golive.report import render_report

        report = readable_report(run_id, user)
        with tempfile.TemporaryDirectory() as tmp:
            paths = render_report(report, Path(tmp))
            return JSONResponse(content=json.loads(paths.json.read_text(encoding="utf-8")))

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_html(run_id: str, user: GetUserDep) -> str:
        """One run's report as HTML."""
        from golive.report import render_report

        report = readable_report(run_id, user)
        with tempfile.TemporaryDirectory() as tmp:
            return render_report(report, Path(tmp)).html.read_text(encoding="utf-8")

    @app.get("/feedback", response_class=HTMLResponse)
    def feedback(user: GetUserDep) -> str:
        """The newest 200 feedback insights reports and quarantined feedback batches (for a user who may
        read the runs of ``golive_feedback``, which wrote them)."""
        if not may_read_runs_of(user, FEEDBACK_DAG_ID):
            raise HTTPException(status_code=403, detail=f"not allowed to read the runs of DAG {FEEDBACK_DAG_ID!r}")
        with ledger().engine.connect() as conn:
            reports = conn.execute(select(t.feedback_reports).order_by(t.feedback_reports.c.id.desc())
                                   .limit(200)).mappings().all()
            batches = conn.execute(select(t.feedback_quarantine).order_by(t.feedback_quarantine.c.id.desc())
                                   .limit(200)).mappings().all()
        report_rows = "".join(
            f"<tr><td>{html.escape(r['application'])}</td><td>{html.escape(r['run_id'])}</td>"
            f"<td><a href='{html.escape(r['public_url'])}'>insights</a></td>"
            f"<td>{html.escape(str(r['summary'].get('responses')))}</td><td>{html.escape(str(r['summary'].get('csat')))}"
            f"</td><td>{html.escape(str(r['summary'].get('nps')))}</td></tr>" for r in reports)
        batch_rows = "".join(
            f"<tr><td>{html.escape(b['application'])}</td><td>{html.escape(b['batch_id'])}</td>"
            f"<td>{html.escape(b['origin'])}</td><td>{html.escape(b['location'])}</td>"
            f"<td>{'<br>'.join(html.escape(str(f.get('description'))) for f in b['failed'])}</td></tr>"
            for b in batches)
        return ("<html><head><title>golive feedback</title></head><body><h1>Feedback insights</h1><table border=1>"
                "<tr><th>application</th><th>run</th><th>report</th><th>responses</th><th>CSAT %</th><th>NPS</th>"
                f"</tr>{report_rows}</table><h2>Quarantined batches</h2><table border=1><tr><th>application</th>"
                "<th>batch</th><th>origin</th><th>kept at</th><th>failed expectations</th></tr>"
                f"{batch_rows}</table></body></html>")

    @app.get("/metrics")
    def metrics(user: GetUserDep) -> Response:
        """golive's Prometheus metrics (text format), from the runs of the DAGs the user may read."""
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        from golive.metrics import LedgerCollector

        book = ledger()
        with book.engine.connect() as conn:
            known = conn.execute(select(t.runs.c.dag_id).distinct()).scalars().all()
        dag_ids = {dag_id for dag_id in known if may_read_runs_of(user, dag_id)}
        registry = CollectorRegistry(auto_describe=False)
        registry.register(LedgerCollector(book, dag_ids=dag_ids))
        return Response(content=generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/docs/{path:path}")
    def docs(path: str) -> Response:
        """One documentation artifact (HTML, Markdown or JSON) from the artifact store."""
        store = ArtifactStore(get_settings().docs_store)
        try:
            page = store.page(path)
            if page is None:
                raise HTTPException(status_code=404, detail=f"no documentation artifact at {path}")
            body = store.read_text(page)
        except StoreError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        return Response(content=body, media_type=DOC_TYPES.get(page.rsplit(".", 1)[-1], "text/plain; charset=utf-8"))

    return app


FEEDBACK_DAG_ID = "golive_feedback"
DOC_TYPES = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8", "json": "application/json"}


def _seconds(value: Any) -> str:
    return "not measured" if value is None else f"{float(value):,.0f}"


def runs_page(rows: list[Any], costs: dict[str, dict[str, Any]]) -> str:
    """``/golive/runs``: one row per run with its status and what it cost (``Ledger.run_costs``)."""
    items = []
    for r in rows:
        cost = costs.get(r["run_id"])
        cost_cells = ("<td>0</td><td>0</td><td>-</td><td>0</td>" if cost is None else
                      f"<td>{cost['pods']}</td><td>{_seconds(cost['cpu_seconds_requested'])}</td>"
                      f"<td>{_seconds(cost['cpu_seconds_measured'])}</td><td>{_seconds(cost['gpu_seconds'])}</td>")
        items.append(
            f"<tr><td><a href='runs/{html.escape(r['run_id'])}'>{html.escape(r['run_id'])}</a></td>"
            f"<td>{html.escape(r['dag_id'])}</td><td>{html.escape(str(r['application']))}</td>"
            f"<td>{html.escape(str(r['version']))}</td><td>{html.escape(r['status'])}</td>{cost_cells}"
            f"<td>{html.escape(str(r['error'] or ''))}</td></tr>")
    return ("<html><head><title>golive runs</title></head><body><h1>golive runs</h1><table border=1>"
            "<tr><th>run</th><th>DAG</th><th>application</th><th>version</th><th>status</th><th>pods</th>"
            "<th>CPU-seconds requested</th><th>CPU-seconds measured</th><th>GPU-seconds</th>"
            f"<th>error</th></tr>{''.join(items)}</table></body></html>")


def may_read_runs_of(user: BaseUser, dag_id: str) -> bool:
    """Whether the auth manager lets ``user`` read the runs of DAG ``dag_id`` (its team included)."""
    from airflow.models.dag import DagModel

    return get_auth_manager().is_authorized_dag(
        method="GET", access_entity=DagAccessEntity.RUN,
        details=DagDetails(id=dag_id, team_name=DagModel.get_team_name(dag_id)), user=user)
