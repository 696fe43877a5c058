"""A small read-only web app over the ledger, mounted in Airflow's API server by the plugin.

``/golive/runs`` lists the recorded go-live runs; ``/golive/runs/{run_id}`` shows one run's
report (rendered from the ledger on request); ``/golive/runs/{run_id}.json`` returns it as JSON.

Every route goes through Airflow's auth manager, like ``/api/v2``: the app depends on
``requires_access_dag("GET", DagAccessEntity.RUN)`` (a JWT in ``Authorization: Bearer`` or the UI's
session cookie; none → 401, a user without read access to DAG runs → 403), and it has no docs, redoc
or OpenAPI routes to serve to anyone.
"""

from __future__ import annotations

import html
import json
import tempfile
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select

from golive.ledger import Ledger, LedgerError
from golive.ledger import schema as t
from golive_airflow.hooks.ledger import LedgerHook


def create_app() -> FastAPI:
    """The FastAPI app (no connection is opened until a request arrives; every route needs a user
    that may read DAG runs)."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import requires_access_dag

    app = FastAPI(title="golive ledger", description="Go-live runs, verdicts and reports.",
                  docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(requires_access_dag("GET", DagAccessEntity.RUN))])

    def ledger() -> Ledger:
        return LedgerHook().get_conn()

    @app.get("/runs", response_class=HTMLResponse)
    def runs() -> str:
        """The newest 200 runs with their status."""
        with ledger().engine.connect() as conn:
            rows = conn.execute(select(t.runs).order_by(t.runs.c.recorded_at.desc()).limit(200)).mappings()
            items = "".join(
                f"<tr><td><a href='runs/{html.escape(r['run_id'])}'>{html.escape(r['run_id'])}</a></td>"
                f"<td>{html.escape(r['dag_id'])}</td><td>{html.escape(str(r['application']))}</td>"
                f"<td>{html.escape(str(r['version']))}</td><td>{html.escape(r['status'])}</td>"
                f"<td>{html.escape(str(r['error'] or ''))}</td></tr>" for r in rows)
        return ("<html><head><title>golive runs</title></head><body><h1>golive runs</h1><table border=1>"
                "<tr><th>run</th><th>DAG</th><th>application</th><th>version</th><th>status</th>"
                f"<th>error</th></tr>{items}</table></body></html>")

    @app.get("/runs/{run_id}.json")
    def run_json(run_id: str) -> JSONResponse:
        """One run's full record."""
        from golive.report import render_report

        try:
            report = ledger().run_report(run_id)
        except LedgerError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        with tempfile.TemporaryDirectory() as tmp:
            paths = render_report(report, Path(tmp))
            return JSONResponse(content=json.loads(paths.json.read_text(encoding="utf-8")))

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_html(run_id: str) -> str:
        """One run's report as HTML."""
        from golive.report import render_report

        try:
            report = ledger().run_report(run_id)
        except LedgerError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        with tempfile.TemporaryDirectory() as tmp:
            return render_report(report, Path(tmp)).html.read_text(encoding="utf-8")

    return app
