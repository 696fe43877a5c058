"""The ledger's maintenance records on SQLite and PostgreSQL: rows keyed by run, application, kind and item; what a
go-live knew (its security findings; None without an evaluation); where it went live and when; the
retention deletes old runs' rows, never the live go-lives'."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from golive.ledger import Ledger, RecordKey
from golive.models import CriterionRule, Finding, Severity
from golive.scoring import apply_rule, evaluate


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request, tmp_path) -> Ledger:
    if request.param == "sqlite":
        return Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    return Ledger.from_url(request.getfixturevalue("postgres_database")("maintenance"))


def _evaluation(ledger: Ledger, run_id: str, gate: str, findings=()) -> int:
    rule = CriterionRule(name="no_secrets", measurement="secrets", unit="", comparison="<=", pass_at=0, weight=1,
                         key=True)
    return ledger.record_evaluation(RecordKey(run_id, f"{gate}.score"), application="shop", ref="HEAD",
                                    verdict=evaluate(gate, [apply_rule(rule, 0)]), findings=findings)


def test_rows_upsert_and_a_go_live_knows_its_security_findings(ledger):
    row = {"item": "dependencies:uvicorn:0.54.0:GHSA-1", "status": "new", "detail": {"severity": "HIGH"}}
    for _ in range(2):  # a retried task rewrites its rows
        assert ledger.record_maintenance(run_id="m1", application="shop", kind="finding", rows=[row]) == 1
    assert [r["status"] for r in ledger.maintenance_rows(application="shop")] == ["new"]
    assert ledger.known_since_findings("shop") == [row["item"]]
    assert ledger.known_fingerprints("g1") is None  # no security evaluation recorded
    finding = Finding(tool="dependencies", rule_id="GHSA-0", severity=Severity.HIGH, message="m",
                      fingerprint="dependencies:starlette:1.10.0:GHSA-0")
    _evaluation(ledger, "g1", "security", [finding])
    _evaluation(ledger, "g1", "quality")
    assert ledger.known_fingerprints("g1") == ["dependencies:starlette:1.10.0:GHSA-0"]


def test_live_deployments_prefer_the_promoted_one(ledger):
    ledger.record_run(run_id="g1", dag_id="golive", status="succeeded",
                      request={"application": "shop", "source": "/s"})
    for task, deployment, action in (("deploy", "shop-canary-api", "deploy"),
                                     ("promote", "shop-stable-api", "promote")):
        ledger.record_revision(RecordKey("g1", task), application="shop", namespace="apps", deployment=deployment,
                               revision=2, version="1.1.0", strategy="canary", action=action, detail={})
    where = ledger.live_deployments("shop", "g1")
    assert where["namespace"] == "apps" and where["deployments"] == ["shop-stable-api"]
    assert where["live_since"] is not None and where["live_since"].tzinfo is not None


def test_retention_deletes_old_runs_rows_but_never_the_live_go_lives(ledger):
    for run, dag in (("g-live", "golive"), ("g-old", "golive"), ("q-old", "golive_quality_verification")):
        ledger.record_run(run_id=run, dag_id=dag, status="succeeded", request={"application": "shop", "source": "/s"})
        ledger.record_phase(RecordKey(run, "t"), phase="plan", status="success", summary={})
        _evaluation(ledger, run, "quality")
    ledger.record_run(run_id="g-live", dag_id="golive", status="succeeded",  # the newest: the live one
                      request={"application": "shop", "source": "/s"})
    ledger.record_maintenance(run_id="m-old", application="shop", kind="finding",
                              rows=[{"item": "x", "status": "new", "detail": {}}])
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql("update runs set recorded_at = '2026-01-01 00:00:00' where run_id != 'g-live'")
        conn.exec_driver_sql("update maintenance set recorded_at = '2026-01-01 00:00:00'")
    done = ledger.apply_retention(cutoff=datetime(2026, 3, 1, tzinfo=UTC), keep_runs=["g-live"], run_id="m-now")
    assert done["runs"] == ["g-old", "q-old"]
    assert done["deleted"] == {"phase_results": 2, "submissions": 0, "evaluations": 2, "maintenance": 1,
                               "feedback_reports": 0, "runs": 1}  # golive runs stay: the delivery history
    report = ledger.run_report("g-live")
    assert report["phases"] and report["evaluations"][0]["criteria"]
    assert ledger.run_report("g-old")["evaluations"] == [] and ledger.run_record("q-old") is None
    again = ledger.apply_retention(cutoff=datetime(2026, 3, 1, tzinfo=UTC) - timedelta(days=1),
                                   keep_runs=["g-live"], run_id="m-now")
    assert sum(again["deleted"].values()) == 0
