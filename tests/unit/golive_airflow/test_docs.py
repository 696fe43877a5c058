"""The documentation phase on the Airflow side: the scoring step writes the deployment record through
ObjectStoragePath and records the artifacts; the report links them; the plugin app serves them."""

from __future__ import annotations

from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
from airflow.api_fastapi.core_api.security import get_user
from fastapi.testclient import TestClient

from golive.docs.store import ArtifactStore, runbook_path
from golive.models import AnalyzerResult, Measurement
from golive.report import render_report
from golive.settings import get_settings
from golive_airflow import docs
from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.ledger_app import create_app
from golive_airflow.operators.verification import DocumentationOperator

REQUEST = {"application": "shop", "version": "1.1.0", "ref": "HEAD", "source": "/s", "quality_threshold": 85.0}
PODS = ("documentation.api_reference", "documentation.runbooks", "documentation.doc_quality")


class FakeTI:
    run_id, dag_id, task_id, try_number = "manual__1", "golive", "documentation.score", 1

    def __init__(self, xcoms):
        self.xcoms = {"start.validate_request": REQUEST, **xcoms}

    def xcom_pull(self, task_ids):
        return self.xcoms.get(task_ids)

    def get_task_states(self, dag_id, run_ids, task_ids=None):
        return {self.run_id: {t: "success" for t in task_ids or self.xcoms}}


def _results(store: ArtifactStore) -> dict[str, dict]:
    page = store.write_text(runbook_path("shop", "target-down") + ".html", "<h1>TargetDown</h1>")
    values = {"api_reference": {"openapi_valid": 1, "api_operations_described": 100},
              "runbooks": {"runbooks_resolved": 100},
              "doc_quality": {"python_docstring_coverage": 95, "local_links_broken": 0, "readme_sections": 100}}
    out = {}
    for task_id in PODS:
        tool = task_id.split(".")[1]
        result = AnalyzerResult(agent="documentation", tool=tool, details={"artifacts": (
            {"runbook_target-down": page} if tool == "runbooks" else {})},
            measurements=[Measurement(name=k, value=v, unit="") for k, v in values[tool].items()] + (
                [Measurement(name=n, value=None, unit="", applicable=False, detail="none")
                 for n in ("jsdoc_coverage", "external_links_broken")] if tool == "doc_quality" else []))
        out[task_id] = result.model_dump(mode="json")
    return out


def test_scoring_writes_the_record_and_the_report_links_every_artifact(golive_home):
    ledger = LedgerHook().get_conn()
    ledger.record_run(run_id="manual__1", dag_id="golive", request=REQUEST, status="accepted")
    store = ArtifactStore(get_settings().docs_store)
    assert store.base.startswith("file://") and str(golive_home) in store.base  # file:// under GOLIVE_HOME
    ti = FakeTI(_results(store))
    op = DocumentationOperator(task_id="score", analyzer_task_ids=list(PODS), request_task_id="start.validate_request")
    summary = op.execute({"ti": ti, "task_instance": ti, "params": {}})
    assert summary["gate"] == "documentation" and summary["status"] == "PASS" and summary["artifacts"] == 3
    record = golive_home / "docs" / "shop" / "runs" / "manual__1" / "deployment-record.md"
    assert "Deployment record: shop 1.1.0" in record.read_text()
    assert "| documentation |" in record.read_text()  # the record holds this very verdict
    report = ledger.run_report("manual__1")
    (phase,) = [p for p in report["phases"] if p["phase"] == docs.DOCS_PHASE]
    links = {a["name"]: a for a in phase["summary"]["artifacts"]}
    assert links["runbook_target-down"]["public_url"] == f"{get_settings().docs_public_url}/shop/runbooks/target-down"
    html = render_report(report, golive_home / "report").html.read_text()
    assert 'id="documentation"' in html and links["deployment_record_html"]["url"] in html
    assert f'href="{links["runbook_target-down"]["public_url"]}"' in html


def test_the_plugin_app_serves_the_runbook_a_rules_url_names(golive_home):
    store = ArtifactStore(get_settings().docs_store)
    store.write_text("shop/runbooks/high-error-rate.html", "<h1>HighErrorRate</h1>")
    store.write_text("shop/runs/r/api-reference.md", "# API")
    app = create_app()
    assert TestClient(app).get("/docs/shop/runbooks/high-error-rate").status_code == 401  # a user is needed
    app.dependency_overrides[get_user] = lambda: SimpleAuthManagerUser(username="oncall", role="viewer")
    client = TestClient(app)
    page = client.get("/docs/shop/runbooks/high-error-rate")  # what runbook_url names: no suffix
    assert page.status_code == 200 and "HighErrorRate" in page.text and page.headers["content-type"].startswith(
        "text/html")
    assert client.get("/docs/shop/runs/r/api-reference.md").headers["content-type"].startswith("text/markdown")
    assert client.get("/docs/shop/runbooks/nope").status_code == 404
    assert client.get("/docs/shop/%2e%2e/%2e%2e/etc/passwd").status_code == 404


def test_write_text_goes_through_object_storage_path(tmp_path):
    url = docs.write_text((tmp_path / "a" / "b.md").as_uri(), "# b")
    assert url.endswith("/a/b.md") and (tmp_path / "a" / "b.md").read_text() == "# b"
