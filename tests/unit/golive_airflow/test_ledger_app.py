"""The plugin's ledger browser (mounted at /golive in Airflow's API server)."""

from fastapi.testclient import TestClient

from golive.ledger import RecordKey
from golive.models import CriterionRule
from golive.scoring import apply_rule, evaluate
from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.ledger_app import create_app
from golive_airflow.plugin import GolivePlugin


def test_runs_list_report_and_json(golive_home):
    ledger = LedgerHook().get_conn()
    ledger.record_run(run_id="manual__1", dag_id="golive", request={"application": "shop", "source": "/s",
                                                                    "version": "1.2.0"}, status="succeeded")
    rule = CriterionRule(name="test_coverage", measurement="cov", unit="%", comparison=">=", pass_at=80, weight=1,
                         key=True)
    ledger.record_evaluation(RecordKey("manual__1", "preparation.quality.score", 1), application="shop", ref="HEAD",
                             verdict=evaluate("quality", [apply_rule(rule, 91.5)]))
    client = TestClient(create_app())
    runs = client.get("/runs")
    assert runs.status_code == 200 and "manual__1" in runs.text and "succeeded" in runs.text
    page = client.get("/runs/manual__1")
    assert page.status_code == 200 and "test_coverage" in page.text and "91.5" in page.text
    data = client.get("/runs/manual__1.json").json()
    assert data["evaluations"][0]["criteria"][0]["value"] == 91.5
    assert client.get("/runs/nope").status_code == 404


def test_plugin_mounts_the_app_and_links_it():
    assert GolivePlugin.fastapi_apps[0]["url_prefix"] == "/golive"
    assert GolivePlugin.external_views[0]["href"] == "/golive/runs"
