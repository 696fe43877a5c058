"""The plugin's ledger browser (mounted at /golive in Airflow's API server): behind the auth manager,
without docs. The authenticated paths run inside Airflow's own app in
tests/integration/golive_airflow/test_ledger_app.py."""

from fastapi.testclient import TestClient

from golive.ledger import RecordKey
from golive.models import CriterionRule
from golive.scoring import apply_rule, evaluate
from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.ledger_app import create_app
from golive_airflow.plugin import GolivePlugin


def test_every_route_needs_a_user_and_no_docs_are_served(golive_home):
    ledger = LedgerHook().get_conn()
    ledger.record_run(run_id="manual__1", dag_id="golive", request={"application": "shop", "source": "/s",
                                                                    "version": "1.2.0"}, status="succeeded")
    rule = CriterionRule(name="test_coverage", measurement="cov", unit="%", comparison=">=", pass_at=80, weight=1,
                         key=True)
    ledger.record_evaluation(RecordKey("manual__1", "preparation.quality.score", 1), application="shop", ref="HEAD",
                             verdict=evaluate("quality", [apply_rule(rule, 91.5)]))
    client = TestClient(create_app())
    for path in ("/runs", "/runs/manual__1", "/runs/manual__1.json", "/runs/nope", "/docs", "/docs/shop/x", "/metrics",
                 "/board", "/board/shop"):
        response = client.get(path)
        assert response.status_code == 401, path  # /docs/… are the documentation artifacts, not Swagger
        assert "manual__1" not in response.text and "91.5" not in response.text
    for path in ("/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert client.get(path).status_code in (401, 404)
        assert "swagger" not in client.get(path).text.lower()


def test_plugin_mounts_the_app_and_links_it():
    assert GolivePlugin.fastapi_apps[0]["url_prefix"] == "/golive"
    assert GolivePlugin().fastapi_apps[0]["app"].openapi_url is None
    assert [view["href"] for view in GolivePlugin.external_views] == ["/golive/board", "/golive/runs",
                                                                      "/golive/feedback"]
