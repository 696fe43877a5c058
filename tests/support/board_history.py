"""A small, real go-live history written through the Ledger API: what the board's tests read.

``shop`` has three releases: ``0.9.0`` (a quality-verification submission), ``1.0.0`` (a prod go-live:
PASS, deployed and promoted), ``1.1.0`` (its lint findings jump from 2 to 12 — a WARNING approved by alice
after release-bot's own Approve was refused —, deployed, its verification gate FAILs, rolled back to
1.0.0), and ``1.2.0`` is still running, its quality WARNING awaiting a decision. A run of another DAG
(``other_dag``) also judged ``shop``; ``cart`` has one go-live. As in the ``golive`` DAG, a go-live's
preparation gates judge the source ref (``HEAD``), its verification gate the version.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from golive.ledger import Ledger, RecordKey
from golive.ledger import schema as t
from golive.models import ApprovalDecision, CriterionRule
from golive.scoring import apply_rule, evaluate

COV = CriterionRule(name="test_coverage", measurement="cov", unit="%", comparison=">=", pass_at=80, weight=3,
                    key=True)
LINT = CriterionRule(name="lint_findings", measurement="lint", unit="findings", comparison="<=", pass_at=5,
                     warn_at=15, weight=1)
HEALTH = CriterionRule(name="health_checks_passed", measurement="health", unit="%", comparison=">=", pass_at=100,
                       weight=2, key=True)
#: When the first run was recorded; each later one a day after the one before.
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ERROR = "verification gate FAIL 0/85 <script>alert('x')</script>"
WAITING_RUN = "manual__shop-1.2.0"


def quality(ledger: Ledger, run_id: str, ref: str, cov: float, lint: float, *, application: str = "shop",
            threshold: float = 85) -> int:
    verdict = evaluate("quality", [apply_rule(COV, cov), apply_rule(LINT, lint)], threshold=threshold)
    return ledger.record_evaluation(RecordKey(run_id, "preparation.quality.score"), application=application,
                                    ref=ref, verdict=verdict)


def record_run(ledger: Ledger, run_id: str, dag_id: str, request: dict, *, status: str, day: int,
               error: str | None = None) -> None:
    """A run recorded ``day`` days after :data:`START`, ended with ``status``."""
    ledger.record_run(run_id=run_id, dag_id=dag_id, request={"source": "/src/shop", **request}, status="accepted")
    if status != "accepted":
        ledger.set_run_status(run_id, status, error)
    with ledger.engine.begin() as conn:  # the runs were recorded on different days
        conn.execute(t.runs.update().where(t.runs.c.run_id == run_id).values(
            recorded_at=START + timedelta(days=day)))


def _usage(ledger: Ledger, run_id: str, pods: int) -> None:
    for i in range(pods):
        ledger.record_usage(RecordKey(run_id, f"preparation.quality.pod_{i}"), pod_name=f"pod-{i}", application="shop",
                            phase="preparation", profile="cpu", cpu_request=0.5, memory_request=2**28, gpu_request=0,
                            cpu_seconds=12.0, wall_seconds=60.0)


def build_history(ledger: Ledger) -> None:
    """Write the history described in the module docstring."""
    golive = "golive"
    record_run(ledger, "manual__shop-0.9.0", "golive_quality_verification",
               {"application": "shop", "ref": "0.9.0", "submitted_by": "release-bot"}, status="succeeded", day=0)
    ledger.record_submission(run_id="manual__shop-0.9.0", application="shop", ref="0.9.0", source="/src/shop",
                             submitted_by="release-bot")
    quality(ledger, "manual__shop-0.9.0", "0.9.0", cov=85, lint=3)

    record_run(ledger, "manual__shop-1.0.0", golive, {"application": "shop", "version": "1.0.0",
                                                      "environment": "prod", "strategy": "rolling"},
               status="succeeded", day=1)
    first = quality(ledger, "manual__shop-1.0.0", "HEAD", cov=91, lint=2)
    ledger.record_approval(evaluation_id=first, run_id="manual__shop-1.0.0", task_id="preparation.quality.approval",
                           decision=ApprovalDecision(decision="not-required", approver="golive",
                                                     comment="verdict PASS"))
    for n, action in enumerate(("deploy", "promote"), start=1):
        ledger.record_revision(RecordKey("manual__shop-1.0.0", f"deployment.{action}"), application="shop",
                               namespace="apps", deployment="shop-api", revision=n, version="1.0.0",
                               strategy="rolling", action=action, detail={})
    _usage(ledger, "manual__shop-1.0.0", 2)

    run = "manual__shop-1.1.0"
    record_run(ledger, run, golive, {"application": "shop", "version": "1.1.0", "environment": "prod",
                                     "strategy": "rolling"}, status="failed", day=2, error=ERROR)
    warned = quality(ledger, run, "HEAD", cov=89, lint=12, threshold=90)
    ledger.record_approval_refusal(evaluation_id=warned, run_id=run, task_id="preparation.quality.approval",
                                   responder="release-bot", chosen="Approve",
                                   reason="release-bot triggered this go-live (separation of duties)")
    ledger.record_approval(evaluation_id=warned, run_id=run, task_id="preparation.quality.approval",
                           decision=ApprovalDecision(decision="approved", approver="alice", comment="answered Approve"))
    ledger.record_revision(RecordKey(run, "deployment.deploy"), application="shop", namespace="apps",
                           deployment="shop-api", revision=3, version="1.1.0", strategy="rolling", action="deploy",
                           detail={})
    ledger.record_evaluation(RecordKey(run, "verification.score"), application="shop", ref="1.1.0",
                             verdict=evaluate("verification", [apply_rule(HEALTH, 0)]))
    ledger.record_rollback(RecordKey(run, "rollback.restore"), application="shop", from_version="1.1.0",
                           to_version="1.0.0", from_revision=3, to_revision=4,
                           reason="verification.gate failed: health_checks_passed 0 %", verified=True, detail={})
    _usage(ledger, run, 3)

    record_run(ledger, WAITING_RUN, golive, {"application": "shop", "version": "1.2.0", "environment": "prod"},
               status="accepted", day=3)
    quality(ledger, WAITING_RUN, "HEAD", cov=84, lint=8, threshold=90)

    record_run(ledger, "manual__other", "other_dag", {"application": "shop", "version": "9.9.9"}, status="succeeded",
               day=4)
    quality(ledger, "manual__other", "HEAD", cov=10, lint=99)

    record_run(ledger, "manual__cart-2.0.0", golive, {"application": "cart", "version": "2.0.0"}, status="succeeded",
               day=5)
    quality(ledger, "manual__cart-2.0.0", "HEAD", cov=95, lint=0, application="cart")
