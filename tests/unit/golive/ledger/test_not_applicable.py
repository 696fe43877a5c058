"""The ledger records a not-applicable criterion (migration 0003 widens criteria.status)."""

from __future__ import annotations

from sqlalchemy import inspect

from golive.ledger import Ledger, RecordKey
from golive.models import CriterionRule
from golive.scoring import apply_rule, evaluate, not_applicable

RULE = CriterionRule(name="cors_restricted", measurement="cors", unit="", comparison=">=", pass_at=1, weight=2)
LINT = CriterionRule(name="ruff", measurement="ruff", unit="", comparison="<=", pass_at=0, weight=1)


def test_a_fresh_sqlite_ledger_records_and_reads_back_not_applicable(tmp_path):
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    status = next(c for c in inspect(ledger.engine).get_columns("criteria") if c["name"] == "status")
    assert status["type"].length == 16
    verdict = evaluate("security", [apply_rule(LINT, 0), not_applicable(RULE, "a library has no HTTP surface")])
    ledger.record_run(run_id="r1", dag_id="golive", request={"application": "lib", "source": "/s"},
                      status="accepted")
    ledger.record_evaluation(RecordKey("r1", "security.score", 1), application="lib", ref="HEAD", verdict=verdict)
    report = ledger.run_report("r1")
    rows = {c["name"]: c for c in report["evaluations"][0]["criteria"]}
    assert rows["cors_restricted"]["status"] == "not-applicable"
    assert rows["cors_restricted"]["reason"] == "not applicable: a library has no HTTP surface"
    assert report["evaluations"][0]["status"] == "PASS"
    ledger.migrate()  # repeatable at head
