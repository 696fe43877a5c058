"""The /golive ledger app inside Airflow's own API app (``airflow.api_fastapi.app.create_app``), with
the simple auth manager and real JWTs: anonymous requests are refused like ``/api/v2``'s, a viewer
reads the runs, a forged token is forbidden, a user without a role sees no run, and no docs are
served."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from golive.ledger import RecordKey
from golive.models import CriterionRule
from golive.scoring import apply_rule, evaluate
from golive_airflow.hooks.ledger import LedgerHook

pytestmark = pytest.mark.airflow

ROUTES = ["/golive/runs", "/golive/runs/manual__1", "/golive/runs/manual__1.json"]


@pytest.fixture
def api(airflow_db, golive_home, monkeypatch) -> Iterator[TestClient]:
    """Airflow's API app with its plugins (golive's through the entry point), users required."""
    from airflow.api_fastapi.app import create_app, purge_cached_app

    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "alice:viewer")
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_hex(40))
    ledger = LedgerHook().get_conn()
    ledger.record_run(run_id="manual__1", dag_id="golive", request={"application": "shop", "source": "/s",
                                                                    "version": "1.2.0"}, status="succeeded")
    rule = CriterionRule(name="test_coverage", measurement="cov", unit="%", comparison=">=", pass_at=80, weight=1,
                         key=True)
    ledger.record_evaluation(RecordKey("manual__1", "preparation.quality.score", 1), application="shop", ref="HEAD",
                             verdict=evaluate("quality", [apply_rule(rule, 91.5)]))
    yield TestClient(create_app("core"))
    purge_cached_app()


def _token(role: str | None, username: str = "alice") -> str:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return get_auth_manager().generate_jwt(SimpleAuthManagerUser(username=username, role=role))


def test_anonymous_requests_are_refused_like_the_public_api(api):
    assert api.get("/api/v2/dags").status_code == 401
    for path in ROUTES:
        response = api.get(path)
        assert response.status_code == 401, path
        assert "manual__1" not in response.text and "test_coverage" not in response.text


def test_a_viewer_reads_the_runs_with_a_bearer_token_or_the_ui_cookie(api):
    headers = {"Authorization": f"Bearer {_token('viewer')}"}
    runs = api.get("/golive/runs", headers=headers)
    assert runs.status_code == 200 and "manual__1" in runs.text and "succeeded" in runs.text
    page = api.get("/golive/runs/manual__1", headers=headers)
    assert page.status_code == 200 and "test_coverage" in page.text and "91.5" in page.text
    data = api.get("/golive/runs/manual__1.json", headers=headers).json()
    assert data["evaluations"][0]["criteria"][0]["value"] == 91.5
    assert api.get("/golive/runs/nope", headers=headers).status_code == 404
    api.cookies.set("_token", _token("viewer"))
    assert api.get("/golive/runs").status_code == 200


def test_a_forged_token_is_forbidden_and_a_user_without_a_role_reads_no_run(api):
    for token in (_token("viewer") + "x", "not-a-jwt"):
        for path in ROUTES:
            response = api.get(path, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 403, (path, response.text)
            assert "test_coverage" not in response.text
    nobody = {"Authorization": f"Bearer {_token(None, 'mallory')}"}
    listing = api.get("/golive/runs", headers=nobody)
    assert listing.status_code == 200 and "manual__1" not in listing.text
    for path in ROUTES[1:]:
        response = api.get(path, headers=nobody)
        assert response.status_code == 403 and "not allowed to read the runs of DAG 'golive'" in response.text
        assert "test_coverage" not in response.text
    # the DAG checked is the run's, never a request parameter (requires_access_dag would read ?dag_id=)
    assert api.get("/golive/runs/manual__1.json?dag_id=other", headers=nobody).status_code == 403


def test_no_swagger_redoc_or_schema_are_served_to_anyone(api):
    headers = {"Authorization": f"Bearer {_token('viewer')}"}
    for path in ("/golive/redoc", "/golive/openapi.json"):
        assert api.get(path).status_code == 404
        assert api.get(path, headers=headers).status_code == 404
    # /golive/docs/… serves the documentation phase's artifacts (signed-in users), never Swagger UI
    assert api.get("/golive/docs").status_code == 401
    response = api.get("/golive/docs", headers=headers)
    assert response.status_code == 404 and "swagger" not in response.text.lower()


def test_a_conf_with_a_credential_in_its_source_is_refused_by_rest_without_echoing_it(api):
    token = "ghp_s3cr3tT0kenValue"
    headers = {"Authorization": f"Bearer {_token('admin', 'release-bot')}"}
    conf = {"application": "shop", "version": "1.0.0", "source": f"https://deploy:{token}@github.com/acme/shop.git"}
    response = api.post("/api/v2/dags/golive/dagRuns", headers=headers, json={"logical_date": None, "conf": conf})
    assert response.status_code == 400, response.text
    assert "source" in response.text and "does not match" in response.text  # Airflow's Params message
    assert token not in response.text and "deploy:" not in response.text
    assert "https://***@github.com/acme/shop.git" in response.text
    escaped = api.post("/api/v2/dags/golive/dagRuns", headers=headers,
                       json={"logical_date": None, "conf": {**conf, "source": "../../../../etc"}})
    assert escaped.status_code == 400 and "source" in escaped.text


def test_prometheus_scrapes_the_metrics_with_a_token(api):
    """Done when "metrics are scraped in a test": the text format parses, counts are the ledger's, and
    only the runs of DAGs the user may read are counted."""
    from prometheus_client.parser import text_string_to_metric_families

    assert api.get("/golive/metrics").status_code == 401
    assert api.get("/golive/metrics", headers={"Authorization": f"Bearer {_token('viewer')}x"}).status_code == 403

    def scrape(token: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        response = api.get("/golive/metrics", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=")
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(response.text) for s in family.samples}

    found = scrape(_token("viewer"))
    assert found[("golive_golives_total", (("application", "shop"), ("dag", "golive"), ("environment", ""),
                                           ("outcome", "succeeded")))] == 1
    assert found[("golive_gate_verdicts_total", (("gate", "quality"), ("status", "PASS")))] == 1
    assert found[("golive_criterion_status_total", (("criterion", "test_coverage"), ("gate", "quality"),
                                                    ("status", "pass")))] == 1
    nobody = scrape(_token(None, "mallory"))
    assert not [k for k in nobody if k[0] in ("golive_golives_total", "golive_gate_verdicts_total")]
