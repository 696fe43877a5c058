"""The ledger on the machine's real PostgreSQL and on SQLite: migrations, idempotent upserts, retries."""

import pytest

from golive.ledger import ApprovalConflict, Ledger, LedgerError, RecordKey
from golive.models import ApprovalDecision, CriterionRule, Finding
from golive.scoring import apply_rule, evaluate

COV = CriterionRule(name="test_coverage", measurement="cov", unit="%", comparison=">=", pass_at=80,
                    weight=3, key=True)
LINT = CriterionRule(name="ruff", measurement="ruff", unit="/kloc", comparison="<=", pass_at=5, warn_at=15,
                     weight=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request, tmp_path) -> Ledger:
    if request.param == "sqlite":
        return Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    return Ledger.from_url(request.getfixturevalue("postgres_url"))


def verdict(cov: float):
    return evaluate("quality", [apply_rule(COV, cov), apply_rule(LINT, 7.0)])


def test_migrate_is_repeatable(ledger):
    ledger.migrate()
    ledger.migrate()


def test_run_and_rejection(ledger):
    ledger.record_run(run_id="r1", dag_id="golive", request={"application": "shop", "source": "/s"},
                      status="accepted")
    ledger.record_run(run_id="r1", dag_id="golive", request={"application": "shop", "source": "/s"},
                      status="accepted")
    ledger.set_run_status("r1", "succeeded")
    assert ledger.run_record("r1")["status"] == "succeeded"
    ledger.record_run(run_id="bad", dag_id="golive", request={"application": "Bad App"}, status="rejected",
                      error="application: pattern")
    rep = ledger.run_report("bad")
    assert rep["run"]["error"] == "application: pattern" and rep["evaluations"] == []


def test_unknown_run(ledger):
    with pytest.raises(LedgerError):
        ledger.run_report("nope")
    with pytest.raises(LedgerError):
        ledger.set_run_status("nope", "failed")


def test_same_try_upserts_new_try_keeps_the_old(ledger):
    findings = [Finding(tool="ruff", rule_id="E501", message="long", path="a.py", line=1)] * 2
    first = ledger.record_evaluation(RecordKey("r1", "quality.score", 1), application="shop", ref="v1",
                                     verdict=verdict(50), findings=findings, inputs=[{"tool": "coverage"}])
    again = ledger.record_evaluation(RecordKey("r1", "quality.score", 1), application="shop", ref="v1",
                                     verdict=verdict(50), findings=findings)
    assert first == again
    retry = ledger.record_evaluation(RecordKey("r1", "quality.score", 2), application="shop", ref="v1",
                                     verdict=verdict(95))
    assert retry != first
    ledger.record_run(run_id="r1", dag_id="golive", request={"application": "shop", "source": "/s"},
                      status="accepted")
    evals = ledger.run_report("r1")["evaluations"]
    assert [e["status"] for e in evals] == ["FAIL", "PASS"]
    assert len(evals[0]["criteria"]) == 2 and len(evals[0]["findings"]) == 1
    cov = evals[0]["criteria"][0]
    assert (cov["value"], cov["unit"], cov["status"], cov["key"]) == (50.0, "%", "fail", True)
    assert "50 % misses >= 80 %" in cov["reason"]
    latest = ledger.latest_evaluation(gate="quality", application="shop", ref="v1")
    assert latest["id"] == retry and latest["status"] == "PASS"
    assert ledger.latest_evaluation(gate="quality", application="shop", ref="v2") is None


def test_the_first_approval_of_an_evaluation_stands(ledger):
    ev = ledger.record_evaluation(RecordKey("r2", "q", 1), application="shop", ref="v1", verdict=verdict(90))
    ledger.record_run(run_id="r2", dag_id="golive", request={"application": "shop", "source": "/s"},
                      status="accepted")
    first = ApprovalDecision(decision="approved", approver="alice")
    ledger.record_approval(evaluation_id=ev, run_id="r2", task_id="a", decision=first)
    ledger.record_approval(evaluation_id=ev, run_id="r2", task_id="a", decision=first)  # a retried task
    with pytest.raises(ApprovalConflict, match=f"evaluation {ev} was already approved by alice"):
        ledger.record_approval(evaluation_id=ev, run_id="r2", task_id="a",
                               decision=ApprovalDecision(decision="rejected", approver="bob", comment="no"))
    approval = ledger.run_report("r2")["evaluations"][0]["approval"]
    assert (approval["decision"], approval["approver"]) == ("approved", "alice")


def test_the_promotions_approval_is_its_own_question_about_the_testing_verdict(ledger):
    """testing.approval records not-required for a PASS; in prod promotion.approval then asks a human
    about the same evaluation: both decisions are kept, the report shows the latest."""
    ev = ledger.record_evaluation(RecordKey("r4", "testing.gate", 1), application="shop", ref="v1",
                                  verdict=verdict(95))
    ledger.record_run(run_id="r4", dag_id="golive", request={"application": "shop", "source": "/s"},
                      status="accepted")
    ledger.record_approval(evaluation_id=ev, run_id="r4", task_id="testing.approval",
                           decision=ApprovalDecision(decision="not-required", approver="golive"))
    ledger.record_approval(evaluation_id=ev, run_id="r4", task_id="promotion.approval",
                           decision=ApprovalDecision(decision="rejected", approver="alice"))
    with ledger.engine.connect() as conn:
        rows = conn.exec_driver_sql("select task_id, decision from approvals where evaluation_id = "
                                    f"{int(ev)} order by id").all()
    assert [tuple(r) for r in rows] == [("testing.approval", "not-required"), ("promotion.approval", "rejected")]
    approval = ledger.run_report("r4")["evaluations"][0]["approval"]
    assert (approval["task_id"], approval["decision"]) == ("promotion.approval", "rejected")


def test_phase_and_submission_upserts(ledger):
    key = RecordKey("r3", "start.record_plan", 1)
    ledger.record_phase(key, phase="plan", status="success", summary={"profile": "cpu"})
    ledger.record_phase(key, phase="plan", status="success", summary={"profile": "gpu"})
    ledger.record_submission(run_id="r3", application="shop", ref="abc", source="/s", submitted_by="ci")
    ledger.record_submission(run_id="r3", application="shop", ref="abc", source="/s", submitted_by="ci")
    ledger.record_run(run_id="r3", dag_id="golive", request={"application": "shop", "source": "/s"},
                      status="accepted")
    phases = ledger.run_report("r3")["phases"]
    assert len(phases) == 1 and phases[0]["summary"] == {"profile": "gpu"}


def test_revisions_rollbacks_and_secret_keys(ledger):
    ledger.record_run(run_id="r4", dag_id="golive", request={"application": "shop", "source": "/s"},
                      status="accepted")
    assert "revisions" not in ledger.run_report("r4")
    key = RecordKey("r4", "deployment.deploy", 1)
    for _ in range(2):
        ledger.record_revision(key, application="shop", namespace="apps", deployment="shop-stable-api",
                               revision=2, version="1.1.0", strategy="rolling", action="deploy",
                               detail={"previous_revision": 1})
    ledger.record_rollback(RecordKey("r4", "rollback.rollback", 1), application="shop", from_version="1.1.0",
                           to_version="1.0.0", from_revision=2, to_revision=3, reason="canary gate FAIL",
                           verified=True, detail={"checks": ["health ok"]})
    report = ledger.run_report("r4")
    assert [r["revision"] for r in report["revisions"]] == [2]
    assert report["rollbacks"][0]["verified"] is True and report["rollbacks"][0]["to_version"] == "1.0.0"
    ledger.record_secret_keys(run_id="r4", application="shop", environment="dev", backend="kubernetes",
                              location="apps/shop-secrets", created={"APP_SECRET_KEY": True})
    ledger.record_secret_keys(run_id="r5", application="shop", environment="dev", backend="kubernetes",
                              location="apps/shop-secrets", created={"APP_SECRET_KEY": False})
    keys = ledger.secret_keys("shop", "dev")
    assert [(k["key"], k["run_id"], k["created"]) for k in keys] == [("APP_SECRET_KEY", "r5", False)]


def test_waivers_and_raw_values_are_recorded_and_rewritten_with_their_try(ledger):
    from datetime import date

    from golive.gates.spec import score_results
    from golive.models import AnalyzerResult, Measurement, Severity
    from golive.profile.model import Waiver

    high = CriterionRule(name="sast_high", measurement="sast_high", unit="issues", comparison="<=", pass_at=0,
                         weight=3, key=True)
    finding = Finding(tool="bandit", rule_id="B324:hashlib", severity=Severity.HIGH, message="sha1", path="a.py",
                      line=3, counts_toward="sast_high")
    result = AnalyzerResult(agent="security", tool="bandit", findings=[finding],
                            measurements=[Measurement(name="sast_high", value=1, unit="issues")])
    waiver = Waiver(rule="B324", reason="keys an HMAC, not a password", owner="team", expires=date(2030, 1, 1))
    waived = score_results("security", [high], {"sast_high": "bandit"}, [result], 85,
                           waivers=[waiver], on=date(2029, 1, 1))
    key = RecordKey("rw", "security.score", 1)
    first = ledger.record_evaluation(key, application="shop", ref="v1", verdict=waived, findings=[finding])
    assert ledger.record_evaluation(key, application="shop", ref="v1", verdict=waived, findings=[finding]) == first
    latest = ledger.latest_evaluation(gate="security", application="shop", ref="v1")
    assert latest["status"] == "PASS" and len(latest["waivers"]) == 1
    row = latest["waivers"][0]
    assert (row["status"], row["owner"], row["expires"], row["measurement"]) == (
        "active", "team", date(2030, 1, 1), "sast_high")
    assert (latest["criteria"][0]["value"], latest["criteria"][0]["raw_value"]) == (0.0, 1.0)


def test_the_sqlite_ledger_file_is_private(tmp_path):
    path = tmp_path / "home" / "ledger.sqlite"
    Ledger.from_url(f"sqlite:///{path}")
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o077 == 0
    path.chmod(0o644)  # a file made before this rule
    Ledger.from_url(f"sqlite:///{path}")
    assert path.stat().st_mode & 0o777 == 0o600
