"""The deployment record, from a ledger run report (SQLite ledger)."""

from __future__ import annotations

import pytest

from golive.docs.record import render_record
from golive.ledger import Ledger, RecordKey
from golive.models import ApprovalDecision, CriterionRule
from golive.scoring import apply_rule, evaluate

RUN = "manual__2026-12-01T10:00:00+00:00"


@pytest.fixture
def report(tmp_path):
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.record_run(run_id=RUN, dag_id="golive", status="failed",
                      request={"application": "shop", "version": "1.1.0", "environment": "prod",
                               "strategy": "canary", "source": "/s"})
    e2e = CriterionRule(name="e2e", measurement="e2e", unit="%", comparison=">=", pass_at=100, warn_at=90, weight=1)
    smoke = CriterionRule(name="smoke", measurement="smoke", unit="%", comparison=">=", pass_at=100, weight=2)
    verdict = evaluate("testing", [apply_rule(e2e, 95), apply_rule(smoke, 100)])  # 2.5 / 3: a warning
    evaluation = ledger.record_evaluation(RecordKey(RUN, "testing.score", 1), application="shop", ref="1.1.0",
                                          verdict=verdict)
    ledger.record_approval(evaluation_id=evaluation, run_id=RUN, task_id="testing.approval",
                           decision=ApprovalDecision(decision="approved", approver="alice"))
    for action, revision in (("deploy", 7), ("canary-step-25", 8)):
        ledger.record_revision(RecordKey(RUN, f"deployment.{action}", 1), application="shop", namespace="apps",
                               deployment="shop-canary", revision=revision, version="1.1.0", strategy="canary",
                               action=action, detail={})
    ledger.record_rollback(RecordKey(RUN, "rollback.record", 1), application="shop", from_version="1.1.0",
                           to_version="1.0.0", from_revision=8, to_revision=6,
                           reason="failed: canary.analysis_25.gate", verified=True, detail={})
    return ledger.run_report(RUN)


def test_the_record_has_versions_revisions_verdicts_approvals_and_rollbacks(report):
    record = render_record(report)
    view = record.view
    assert view["application"] == "shop" and view["strategy"] == "canary" and view["status"] == "failed"
    assert view["versions"] == ["1.0.0", "1.1.0"]
    assert [(r["action"], r["revision"]) for r in view["revisions"]] == [("deploy", "7"), ("canary-step-25", "8")]
    (verdict,) = view["verdicts"]
    assert (verdict["gate"], verdict["status"], verdict["decision"], verdict["approver"]) == \
        ("testing", "WARNING", "approved", "alice")
    (rollback,) = view["rollbacks"]
    assert rollback["to_version"] == "1.0.0" and rollback["verified"] == "yes"
    for page in (record.markdown, record.html):
        assert "canary-step-25" in page and "alice" in page and "failed: canary.analysis_25.gate" in page
    assert "| 1.1.0 | 1.0.0 | 8 | 6 | yes |" in record.markdown


def test_a_run_that_deployed_nothing_says_so(tmp_path):
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'l.sqlite'}")
    ledger.record_run(run_id="r", dag_id="golive", status="rejected", request={"application": "shop"})
    record = render_record(ledger.run_report("r"))
    assert "This run deployed nothing." in record.markdown and "No gate was evaluated." in record.markdown
