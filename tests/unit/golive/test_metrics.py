"""golive's Prometheus metrics, read from a seeded ledger (SQLite and PostgreSQL): exact samples, the
DAG filter, bounded labels and the exported names the dashboard is validated against."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from golive.ledger import Ledger, RecordKey
from golive.ledger import schema as t
from golive.metrics import EXPORTED_METRICS, LedgerCollector
from golive.models import ApprovalDecision, CriterionRule
from golive.scoring import apply_rule, evaluate

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _rule(name: str, key: bool = False) -> CriterionRule:
    return CriterionRule(name=name, measurement=name, unit="%", comparison=">=", pass_at=80, warn_at=60, weight=1,
                         key=key)


def _at(ledger: Ledger, table: Any, where: Any, seconds: float) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(update(table).where(where).values(recorded_at=T0 + timedelta(seconds=seconds)))


def _run(ledger: Ledger, run_id: str, dag_id: str, app: str, *, env: str, status: str, start: float) -> None:
    ledger.record_run(run_id=run_id, dag_id=dag_id, request={"application": app, "version": "1.0.0",
                                                             "environment": env, "source": "/s"}, status=status)
    _at(ledger, t.runs, t.runs.c.run_id == run_id, start)


def _phase(ledger: Ledger, run_id: str, task_id: str, phase: str, at: float) -> None:
    ledger.record_phase(RecordKey(run_id, task_id, 1), phase=phase, status="success", summary={})
    p = t.phase_results.c
    _at(ledger, t.phase_results, (p.run_id == run_id) & (p.task_id == task_id), at)


def _evaluation(ledger: Ledger, run_id: str, gate: str, values: dict[str, float], at: float) -> int:
    verdict = evaluate(gate, [apply_rule(_rule(name, key=name == "coverage"), v) for name, v in values.items()])
    eid = ledger.record_evaluation(RecordKey(run_id, f"{gate}.score", 1), application="shop", ref="HEAD",
                                   verdict=verdict)
    _at(ledger, t.evaluations, t.evaluations.c.id == eid, at)
    return eid


def seed(ledger: Ledger) -> None:
    """Two ended go-lives of shop/prod, one of cart still going, a feedback run and a CLI verdict."""
    _run(ledger, "r1", "golive", "shop", env="prod", status="succeeded", start=0)
    _phase(ledger, "r1", "start.plan", "plan", 10)
    _phase(ledger, "r1", "preparation.quality.record", "preparation", 30)
    _phase(ledger, "r1", "preparation.security.record", "preparation", 40)
    _phase(ledger, "r1", "finish", "finish", 400)
    _evaluation(ledger, "r1", "quality", {"coverage": 91}, 20)
    warned = _evaluation(ledger, "r1", "security", {"coverage": 90, "lint": 85, "secrets": 70}, 35)
    ledger.record_approval(evaluation_id=warned, run_id="r1", task_id="security.approve",
                           decision=ApprovalDecision(decision="approved", approver="alice"))
    _at(ledger, t.approvals, t.approvals.c.evaluation_id == warned, 35 + 600)
    ledger.record_rollback(RecordKey("r1", "rollback.run", 1), application="shop", from_version="1.0.0",
                           to_version="0.9.0", from_revision=2, to_revision=1, reason="canary", verified=True,
                           detail={})
    _run(ledger, "r2", "golive", "shop", env="prod", status="failed", start=1000)
    _phase(ledger, "r2", "start.plan", "plan", 1005)
    _evaluation(ledger, "r2", "quality", {"coverage": 10}, 1010)
    ledger.record_rollback(RecordKey("r2", "rollback.run", 1), application="shop", from_version="1.0.0",
                           to_version=None, from_revision=3, to_revision=None, reason="crash", verified=False,
                           detail={})
    _run(ledger, "r3", "golive", "cart", env="dev", status="accepted", start=2000)
    _run(ledger, "f1", "golive_feedback", "shop", env="prod", status="succeeded", start=3000)
    _evaluation(ledger, "cli-1", "quality", {"coverage": 95}, 4000)


def samples(ledger: Ledger, dag_ids: set[str] | None = None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LedgerCollector(ledger, dag_ids=dag_ids))
    text = generate_latest(registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ledger(request, tmp_path_factory) -> Iterator[Ledger]:
    """One seeded ledger per database for the module (the tests only read it)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("metrics") / "ledger.sqlite"
        shutil.copyfile(request.getfixturevalue("_ledger_template"), path)
        book = Ledger.from_url(f"sqlite:///{path}", migrate=False)
    else:
        book = Ledger.from_url(request.getfixturevalue("postgres_database")("metrics"))
    seed(book)
    yield book
    book.engine.dispose()


def _get(found: dict[Any, float], name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


def test_the_collector_reads_exact_values_from_the_ledger(ledger):
    found = samples(ledger)
    assert _get(found, "golive_golives_total", dag="golive", application="shop", environment="prod",
                outcome="succeeded") == 1
    assert _get(found, "golive_golives_total", dag="golive", application="shop", environment="prod",
                outcome="failed") == 1
    assert _get(found, "golive_golives_in_progress", dag="golive", application="cart", environment="dev") == 1
    assert not [k for k in found if k[0] == "golive_golives_total" and ("application", "cart") in k[1]]
    # phases: plan 10 s (r1) and 5 s (r2); preparation from the plan's end to its last task: 30 s; finish 360 s
    assert _get(found, "golive_phase_duration_seconds_count", phase="plan") == 2
    assert _get(found, "golive_phase_duration_seconds_sum", phase="plan") == 15
    assert _get(found, "golive_phase_duration_seconds_bucket", phase="plan", le="5.0") == 1
    assert _get(found, "golive_phase_duration_seconds_bucket", phase="plan", le="15.0") == 2
    assert _get(found, "golive_phase_duration_seconds_sum", phase="preparation") == 30
    assert _get(found, "golive_phase_duration_seconds_sum", phase="finish") == 360
    assert _get(found, "golive_phase_duration_seconds_bucket", phase="finish", le="300.0") == 0
    assert _get(found, "golive_phase_duration_seconds_bucket", phase="finish", le="+Inf") == 1
    assert _get(found, "golive_gate_verdicts_total", gate="quality", status="PASS") == 2  # r1 and the CLI's
    assert _get(found, "golive_gate_verdicts_total", gate="quality", status="FAIL") == 1
    assert _get(found, "golive_gate_verdicts_total", gate="security", status="WARNING") == 1
    assert _get(found, "golive_criterion_status_total", gate="quality", criterion="coverage", status="pass") == 2
    assert _get(found, "golive_criterion_status_total", gate="quality", criterion="coverage", status="fail") == 1
    assert _get(found, "golive_criterion_status_total", gate="security", criterion="secrets", status="warning") == 1
    assert _get(found, "golive_approval_wait_seconds_sum", gate="security", decision="approved") == 600
    assert _get(found, "golive_approval_wait_seconds_bucket", gate="security", decision="approved", le="300.0") == 0
    assert _get(found, "golive_approval_wait_seconds_bucket", gate="security", decision="approved", le="900.0") == 1
    assert _get(found, "golive_rollbacks_total", application="shop", verified="true") == 1
    assert _get(found, "golive_rollbacks_total", application="shop", verified="false") == 1
    assert {name for name, _ in found} == EXPORTED_METRICS  # what the dashboard is validated against
    assert not any(label in {"run_id", "version"} for _, labels in found for label, _ in labels)


def test_only_the_runs_of_the_allowed_dags_are_counted(ledger):
    found = samples(ledger, {"golive_feedback"})
    assert _get(found, "golive_golives_total", dag="golive_feedback", application="shop", environment="prod",
                outcome="succeeded") == 1
    assert [k for k in found if k[0] == "golive_golives_total"] == [
        ("golive_golives_total", (("application", "shop"), ("dag", "golive_feedback"), ("environment", "prod"),
                                  ("outcome", "succeeded")))]
    assert not [k for k in found if k[0] in ("golive_gate_verdicts_total", "golive_rollbacks_total",
                                             "golive_phase_duration_seconds_count")]
    golive_only = samples(ledger, {"golive"})
    assert _get(golive_only, "golive_gate_verdicts_total", gate="quality", status="PASS") == 1  # not the CLI's
    assert not samples(ledger, set()).get(("golive_golives_in_progress", ()))
