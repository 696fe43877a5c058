"""A small read-only web app over the ledger, mounted in Airflow's API server by the plugin.

``/golive/runs`` lists the recorded go-live runs; ``/golive/runs/{run_id}`` shows one run's
report (rendered from the ledger on request); ``/golive/runs/{run_id}.json`` returns it as JSON;
``/golive/feedback`` lists the feedback insights reports and quarantined batches;
``/golive/docs/{path}`` serves the documentation phase's artifacts from the artifact store
(``GOLIVE_DOCS_STORE_URL``; a page without its ``.html`` suffix too, which is how the alerts'
``runbook_url`` name their runbooks).
"""

from __future__ import annotations

import html
import json
import tempfile
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from golive.docs.store import ArtifactStore, StoreError
from golive.ledger import Ledger, LedgerError
from golive.ledger import schema as t
from golive.settings import get_settings
from golive_airflow.hooks.ledger import LedgerHook


def create_app() -> FastAPI:
    """The FastAPI app (no connection is opened until a request arrives)."""
    app = FastAPI(title="golive ledger", description="Go-live runs, verdicts and reports.")

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

    @app.get("/feedback", response_class=HTMLResponse)
    def feedback() -> str:
        """The newest 200 feedback insights reports and the quarantined feedback batches."""
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


DOC_TYPES = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8", "json": "application/json"}
