"""Scoring step, gate sensor, its trigger and the approval step, on a real SQLite ledger."""

from __future__ import annotations

import asyncio
import importlib
import threading
import time
from datetime import datetime

import pytest
from airflow.sdk.exceptions import TaskDeferred
from sqlalchemy import select

from golive.gates.spec import GateSpec
from golive.ledger import Ledger, RecordKey, default_url
from golive.ledger.schema import approvals
from golive.models import AnalyzerResult, CriterionRule, Finding, Measurement
from golive.scoring import apply_rule, apply_rules, evaluate
from golive_airflow.exceptions import GateFailed, GateRejected, GateTimeout
from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.operators.approval import GateApprovalOperator
from golive_airflow.operators.verification import GateScoringOperator
from golive_airflow.sensors.gate import VerificationGateSensor
from golive_airflow.triggers.gate import VerificationGateTrigger
from golive_airflow.triggers.ledger import LedgerPollTrigger

RULES = [CriterionRule(name="coverage", measurement="cov", unit="%", comparison=">=", pass_at=80, warn_at=60,
                       weight=1, key=False),
         CriterionRule(name="lint", measurement="lint", unit="/kloc", comparison="<=", pass_at=5, weight=1)]
REQUEST = {"application": "shop", "ref": "v1", "source": "/s", "quality_threshold": 85.0}


class FakeTI:
    def __init__(self, task_id="g.score", xcoms=None, try_number=1):
        self.run_id, self.dag_id, self.task_id, self.try_number = "run-1", "golive", task_id, try_number
        self.xcoms = {"start.validate_request": REQUEST, **(xcoms or {})}

    def xcom_pull(self, task_ids):
        return self.xcoms.get(task_ids)

    def get_task_states(self, dag_id, run_ids, task_ids=None):
        states = {t: "success" for t in self.xcoms}
        states.update(getattr(self, "states", {}))
        return {self.run_id: {t: states.get(t, "failed") for t in task_ids or states}}


def ctx(ti):
    return {"ti": ti, "task_instance": ti, "params": {}}


class DemoScoring(GateScoringOperator):
    spec = GateSpec(name="demo", analyzers=("cov", "lint"), rules=tuple(RULES),
                    producers={"cov": "cov", "lint": "lint"})
    gate = "demo"

    def score(self, results, threshold, profile=None, on=None):
        values = {m.name: m.value for r in results for m in r.measurements}
        errors = {r.tool: r.error for r in results if r.error}
        return evaluate(self.gate, apply_rules(RULES, values, errors), threshold)


def record(ledger: Ledger, cov: float, try_number=1, ref="v1", *, run_id="run-1", commit=None) -> int:
    verdict = evaluate("demo", [apply_rule(RULES[0], cov), apply_rule(RULES[1], 1.0)])
    return ledger.record_evaluation(RecordKey(run_id, "g.score", try_number), application="shop", ref=ref,
                                    verdict=verdict, commit=commit)


@pytest.fixture
def ledger(golive_home) -> Ledger:
    return LedgerHook().get_conn()


def test_hook_defaults_to_embedded_sqlite(golive_home):
    assert LedgerHook().get_url() == default_url()
    assert str(golive_home) in default_url()


def test_scoring_records_the_verdict_with_inputs_and_findings(ledger):
    ok = AnalyzerResult(agent="demo", tool="cov", measurements=[Measurement(name="cov", value=91, unit="%")],
                        findings=[Finding(tool="x", rule_id="R1", message="m", path="a.py", line=1)])
    lint = AnalyzerResult(agent="demo", tool="lint", measurements=[Measurement(name="lint", value=2, unit="/kloc")])
    ti = FakeTI(xcoms={"g.cov": ok.model_dump(mode="json"), "g.lint": lint.model_dump_json()})
    op = DemoScoring(task_id="score", analyzer_task_ids=["g.cov", "g.lint"], request_task_id="start.validate_request")
    summary = op.execute(ctx(ti))
    assert (summary["status"], summary["score"], summary["findings"]) == ("PASS", 100.0, 1)
    ev = ledger.latest_evaluation(gate="demo", application="shop", ref="v1")
    assert ev["id"] == summary["evaluation_id"] and len(ev["inputs"]) == 2


def test_scoring_turns_a_missing_analyzer_result_into_no_data(ledger):
    ti = FakeTI(xcoms={"g.lint": AnalyzerResult(agent="demo", tool="lint", measurements=[
        Measurement(name="lint", value=2, unit="/kloc")]).model_dump()})
    op = DemoScoring(task_id="score", analyzer_task_ids=["g.cov", "g.lint"], request_task_id="start.validate_request")
    results = op.collect(ctx(ti))
    assert "analyzer task g.cov produced no result" in results[0].error
    summary = op.execute(ctx(ti))
    assert summary["status"] == "FAIL"
    assert any("no data" in r and "g.cov" in r for r in summary["reasons"])


def test_scoring_skips_when_every_analyzer_was_skipped(ledger):
    from airflow.sdk.exceptions import AirflowSkipException

    ti = FakeTI()
    ti.states = {"g.cov": "skipped", "g.lint": "skipped"}
    op = DemoScoring(task_id="score", analyzer_task_ids=["g.cov", "g.lint"], request_task_id="start.validate_request")
    with pytest.raises(AirflowSkipException, match="does not apply"):
        op.execute(ctx(ti))
    assert ledger.latest_evaluation(gate="demo", application="shop", ref="v1") is None
    ti.states = {"g.cov": "skipped"}
    ti.xcoms["g.lint"] = AnalyzerResult(agent="demo", tool="lint", measurements=[
        Measurement(name="lint", value=1, unit="/kloc")]).model_dump()
    skipped = op.collect(ctx(ti))[0]
    assert skipped.error is None and skipped.measurements  # not-applicable, not no-data
    assert all(not m.applicable and "was skipped: it does not apply" in m.detail for m in skipped.measurements)
    assert [m.name for m in skipped.measurements] == ["cov"]


def test_trigger_serializes_round_trip():
    trig = VerificationGateTrigger(gate="quality", application="shop", ref="v1", ledger_conn_id="golive_ledger",
                                   poll_interval=0.1, timeout=3, run_id="run-1", commit="a" * 40)
    path, kwargs = trig.serialize()
    module, name = path.rsplit(".", 1)
    again = getattr(importlib.import_module(module), name)(**kwargs)
    assert again.serialize() == (path, kwargs)


def _run_trigger(trigger):
    async def first():
        async for event in trigger.run():
            return event.payload
    return asyncio.run(first())


def test_trigger_fires_when_a_verdict_arrives_later(ledger):
    trig = VerificationGateTrigger(gate="demo", application="shop", ref="v1", ledger_conn_id="golive_ledger",
                                   poll_interval=0.1, timeout=20, run_id="run-1")
    threading.Timer(0.5, record, args=(ledger, 90.0)).start()
    started = time.monotonic()
    event = _run_trigger(trig)
    assert event["status"] == "PASS" and event["evaluation"]["score"] == 100.0
    assert time.monotonic() - started >= 0.4
    assert isinstance(event["evaluation"]["recorded_at"], str)


def test_trigger_times_out(ledger):
    trig = VerificationGateTrigger(gate="demo", application="shop", ref="nope", ledger_conn_id="golive_ledger",
                                   poll_interval=0.05, timeout=0.2, run_id="run-1")
    assert _run_trigger(trig)["status"] == "timeout"


class _FlakyLedgerTrigger(LedgerPollTrigger):
    """Answers after ``failures`` questions the ledger could not take (``error`` of each)."""

    def __init__(self, failures: list[Exception], **kw):
        super().__init__(ledger_conn_id="golive_ledger", poll_interval=0.01, **kw)
        self.failures = failures

    def kwargs(self):
        return {}

    def poll(self):
        if self.failures:
            raise self.failures.pop(0)
        return {"status": "PASS"}

    def timeout_event(self):
        return {"status": "timeout"}


def _refused() -> Exception:
    from sqlalchemy.exc import OperationalError

    return OperationalError("SELECT 1", {}, Exception("connection refused: is the server running?"))


def test_a_ledger_restart_does_not_end_a_trigger_s_wait():
    assert _run_trigger(_FlakyLedgerTrigger([_refused(), _refused()], timeout=20)) == {"status": "PASS"}


def test_a_ledger_that_stays_unreachable_ends_the_wait_with_the_reason_and_other_errors_end_it_at_once():
    event = _run_trigger(_FlakyLedgerTrigger([_refused()] * 1000, timeout=0.1))
    assert event["status"] == "error" and "could not be reached" in event["message"] and "refused" in event["message"]
    event = _run_trigger(_FlakyLedgerTrigger([KeyError("evaluation_id"), _refused()], timeout=20))
    assert event == {"status": "error", "message": "KeyError: 'evaluation_id'"}


def sensor(**kw):
    return VerificationGateSensor(task_id="gate", gate="demo", request_task_id="start.validate_request",
                                  poke_interval=0.1, timeout=5, **kw)


def test_gate_opens_on_pass_and_warning(ledger):
    record(ledger, 90.0)
    assert sensor(deferrable=False).execute(ctx(FakeTI("g.gate")))["status"] == "PASS"
    record(ledger, 70.0, try_number=2)  # 0.5 + 1 of 2 → 75: warning band
    out = sensor(deferrable=False).execute(ctx(FakeTI("g.gate")))
    assert (out["status"], out["score"]) == ("WARNING", 75.0)


def test_gate_fails_with_score_and_reasons(ledger):
    record(ledger, 10.0)
    with pytest.raises(GateFailed) as info:
        sensor(deferrable=False).execute(ctx(FakeTI("g.gate")))
    text = str(info.value)
    assert "demo gate FAIL: score 50.0" in text and "10 % misses >= 80 %" in text


def test_retry_after_a_failed_gate_sees_the_new_evaluation(ledger):
    record(ledger, 10.0, try_number=1)
    with pytest.raises(GateFailed):
        sensor(deferrable=False).execute(ctx(FakeTI("g.gate")))
    record(ledger, 95.0, try_number=2)  # the phase was cleared: analyzers and scoring ran again
    assert sensor(deferrable=False).execute(ctx(FakeTI("g.gate")))["status"] == "PASS"
    ledger.record_run(run_id="run-1", dag_id="golive", request=REQUEST, status="accepted")
    assert [e["status"] for e in ledger.run_report("run-1")["evaluations"]] == ["FAIL", "PASS"]  # old one kept


def test_deferrable_gate_defers_then_resumes(ledger):
    gate = sensor(deferrable=True)
    with pytest.raises(TaskDeferred) as info:
        gate.execute(ctx(FakeTI("g.gate")))
    trigger = info.value.trigger
    assert isinstance(trigger, VerificationGateTrigger) and info.value.method_name == "execute_complete"
    threading.Timer(0.3, record, args=(ledger, 85.0)).start()
    event = _run_trigger(trigger)
    assert gate.execute_complete(ctx(FakeTI("g.gate")), event)["status"] == "PASS"
    with pytest.raises(GateTimeout):
        gate.execute_complete(ctx(FakeTI("g.gate")), {"status": "timeout", "message": "no verdict"})


def test_the_second_run_never_opens_on_the_first_runs_verdict(ledger):
    record(ledger, 95.0, run_id="run-1", commit="a" * 40)  # same application and ref, another run
    second = FakeTI("g.gate", xcoms={"start.plan": {"commit": "a" * 40}})
    second.run_id = "run-2"
    gate = sensor(deferrable=False)
    assert gate.poke(ctx(second)).is_done is False
    with pytest.raises(TaskDeferred) as info:
        sensor(deferrable=True).execute(ctx(second))
    assert info.value.trigger.serialize()[1]["run_id"] == "run-2"
    record(ledger, 20.0, run_id="run-2", commit="a" * 40)
    with pytest.raises(GateFailed) as failed:
        gate.execute(ctx(second))
    assert "of run run-2" in str(failed.value)


def test_a_verdict_about_another_commit_does_not_open_the_gate(ledger):
    ti = FakeTI("g.gate", xcoms={"start.plan": {"commit": "b" * 40}})
    record(ledger, 95.0, commit="a" * 40)  # this run, but not the commit the plan pinned
    assert sensor(deferrable=False).poke(ctx(ti)).is_done is False
    record(ledger, 95.0, try_number=2, commit="b" * 40)
    assert sensor(deferrable=False).execute(ctx(ti))["commit"] == "b" * 40


def test_scoring_records_the_plans_commit(ledger):
    cov = AnalyzerResult(agent="demo", tool="cov", measurements=[Measurement(name="cov", value=91, unit="%")])
    lint = AnalyzerResult(agent="demo", tool="lint", measurements=[Measurement(name="lint", value=2, unit="/kloc")])
    ti = FakeTI(xcoms={"g.cov": cov.model_dump(mode="json"), "g.lint": lint.model_dump(mode="json"),
                       "start.plan": {"commit": "c" * 40}})
    op = DemoScoring(task_id="score", analyzer_task_ids=["g.cov", "g.lint"], request_task_id="start.validate_request")
    assert op.execute(ctx(ti))["commit"] == "c" * 40
    assert ledger.latest_evaluation(gate="demo", application="shop", ref="v1", run_id="run-1")["commit"] == "c" * 40


def test_poke_mode(ledger):
    gate = sensor(deferrable=False)
    assert gate.poke(ctx(FakeTI("g.gate"))).is_done is False
    record(ledger, 99.0)
    assert gate.poke(ctx(FakeTI("g.gate"))).xcom_value["status"] == "PASS"


def _gate_summary(ledger, cov):
    ev_id = record(ledger, cov)
    ev = ledger.latest_evaluation(gate="demo", application="shop", ref="v1")
    return {"id": ev_id, "gate": "demo", "status": ev["status"], "score": ev["score"],
            "threshold": ev["threshold"], "warning_floor": ev["warning_floor"], "reasons": ev["reasons"],
            "run_id": "run-1", "application": "shop", "ref": "v1"}


def approval():
    return GateApprovalOperator(task_id="approval", gate_task_id="g.gate")


def recorded_approval(ledger):
    with ledger.engine.connect() as conn:
        return conn.execute(select(approvals)).mappings().one()


def test_pass_needs_no_human_and_is_recorded(ledger):
    summary = _gate_summary(ledger, 95.0)
    out = approval().execute(ctx(FakeTI("g.approval", xcoms={"g.gate": summary})))
    assert out["decision"] == "not-required"
    row = recorded_approval(ledger)
    assert (row["decision"], row["approver"]) == ("not-required", "golive")


@pytest.mark.parametrize(("chosen", "decision"), [("Approve", "approved"), ("Reject", "rejected")])
def test_warning_asks_a_human_and_records_decision_and_approver(ledger, monkeypatch, chosen, decision):
    from airflow.providers.standard.operators import hitl

    summary = _gate_summary(ledger, 70.0)
    assert summary["status"] == "WARNING"
    asked = {}
    monkeypatch.setattr(hitl, "upsert_hitl_detail", lambda **kw: asked.update(kw))
    op = approval()
    ti = FakeTI("g.approval", xcoms={"g.gate": summary})
    ti.id = "00000000-0000-0000-0000-000000000001"
    with pytest.raises(BaseException) as parked:  # TaskAwaitingInput on Airflow 3.3
        op.execute(ctx(ti))
    assert type(parked.value).__name__ in ("TaskAwaitingInput", "TaskDeferred")
    assert "score **75.0**" in asked["body"] and asked["options"] == ["Approve", "Reject"]
    event = {"chosen_options": [chosen], "params_input": {}, "responded_by_user": {"id": "7", "name": "alice"},
             "responded_at": datetime(2026, 1, 1)}
    if decision == "rejected":
        with pytest.raises(GateRejected, match="rejected by alice"):
            op.execute_complete(ctx(ti), event)
    else:
        assert op.execute_complete(ctx(ti), event)["approver"] == "alice"
    row = recorded_approval(ledger)
    assert (row["decision"], row["approver"]) == (decision, "alice")


def test_a_second_decision_on_the_same_evaluation_fails_and_the_first_stands(ledger, monkeypatch):
    from airflow.providers.standard.operators import hitl
    from airflow.sdk.exceptions import AirflowFailException

    summary = _gate_summary(ledger, 70.0)
    monkeypatch.setattr(hitl, "upsert_hitl_detail", lambda **kw: None)
    ti = FakeTI("g.approval", xcoms={"g.gate": summary})
    ti.id = "00000000-0000-0000-0000-000000000002"
    first = {"chosen_options": ["Reject"], "params_input": {}, "responded_by_user": {"id": "7", "name": "alice"},
             "responded_at": datetime(2026, 1, 1)}
    with pytest.raises(GateRejected):
        approval().execute_complete(ctx(ti), first)
    again = {**first, "chosen_options": ["Approve"], "responded_by_user": {"id": "8", "name": "mallory"}}
    with pytest.raises(AirflowFailException, match="already rejected by alice"):
        approval().execute_complete(ctx(ti), again)
    row = recorded_approval(ledger)
    assert (row["decision"], row["approver"]) == ("rejected", "alice")


@pytest.mark.parametrize(("environment", "asks"), [("prod", True), ("dev", False)])
def test_promotion_to_prod_always_asks(ledger, monkeypatch, environment, asks):
    from airflow.providers.standard.operators import hitl

    summary = _gate_summary(ledger, 95.0)
    assert summary["status"] == "PASS"
    asked = {}
    monkeypatch.setattr(hitl, "upsert_hitl_detail", lambda **kw: asked.update(kw))
    op = GateApprovalOperator(task_id="approval", gate_task_id="g.gate", ask_in_environments=("prod",),
                              request_task_id="start.validate_request")
    ti = FakeTI("promotion.approval", xcoms={"g.gate": summary})
    ti.xcoms["start.validate_request"] = {**REQUEST, "environment": environment}
    ti.id = "00000000-0000-0000-0000-000000000002"
    if asks:
        with pytest.raises(BaseException) as parked:
            op.execute(ctx(ti))
        assert type(parked.value).__name__ in ("TaskAwaitingInput", "TaskDeferred")
        assert asked["subject"].startswith("golive: promote shop")
    else:
        assert op.execute(ctx(ti))["decision"] == "not-required"
        assert asked == {}


def test_scoring_skips_when_its_phase_was_never_reached(ledger):
    from airflow.sdk.exceptions import AirflowSkipException

    ti = FakeTI()
    ti.states = {"g.begin": "upstream_failed"}
    op = DemoScoring(task_id="score", analyzer_task_ids=["g.cov"], request_task_id="start.validate_request",
                     phase_task_id="g.begin")
    with pytest.raises(AirflowSkipException, match=r"phase not reached: g.begin is upstream_failed"):
        op.execute(ctx(ti))
    assert ledger.latest_evaluation(gate="demo", application="shop", ref="v1") is None


def test_scoring_applies_the_plans_waivers_and_a_higher_profile_threshold(ledger):
    from golive_airflow.operators.verification import QualityVerificationOperator

    finding = Finding(tool="bandit", rule_id="B324", severity="high", message="sha1 in HMAC", path="app/sign.py",
                      line=3, fingerprint="bandit:B324:app/sign.py:3", counts_toward="sast_high")
    bandit = AnalyzerResult(agent="quality", tool="bandit", findings=[finding],
                            measurements=[Measurement(name="sast_high", value=1, unit="issues"),
                                          Measurement(name="sast_medium", value=0, unit="issues")])
    waiver = {"rule": "B324", "path": "app/*.py", "reason": "HMAC-SHA1 is what the webhook protocol signs with",
              "owner": "team-payments", "expires": "2999-12-31"}
    plan = {"routing": {"profile": "cpu"},
            "application_profile": {"profile": {"thresholds": {"quality": 90}, "waivers": [waiver]}}}
    ti = FakeTI(xcoms={"q.bandit": bandit.model_dump(mode="json"), "start.plan": plan})
    op = QualityVerificationOperator(task_id="score", analyzer_task_ids=["q.bandit"],
                                     request_task_id="start.validate_request")
    summary = op.execute({**ctx(ti), "logical_date": datetime(2026, 12, 2)})
    verdict = ledger.latest_evaluation(gate="quality", application="shop", ref="v1")
    high = next(c for c in verdict["criteria"] if c["name"] == "security_high")
    assert high["value"] == 0 and high["raw_value"] == 1 and "waived" in high["reason"]
    assert summary["threshold"] == 90  # the profile raised the run's 85
    assert [w["status"] for w in verdict["waivers"]] == ["active"]
