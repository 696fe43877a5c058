"""Who may approve and what golive tells: the approval operator's HITL resume path, the gate sensor,
the rollback record and the deadline callback, on a real SQLite ledger and real sinks (a JSON-lines
file, a webhook on a loopback HTTP server). No Airflow server: the HITL detail write is captured
(that is the API server's side, which the scheduler e2e covers over REST)."""

from __future__ import annotations

import json
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from local_http import serving
from sqlalchemy import select

from golive.ledger import Ledger, RecordKey
from golive.ledger.schema import approval_refusals, approvals
from golive.models import CriterionRule
from golive.report.summary import gate_line
from golive.scoring import apply_rule, evaluate
from golive.settings import get_settings
from golive_airflow.exceptions import GateFailed, GateRejected, NoApprover
from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.operators.approval import GateApprovalOperator
from golive_airflow.sensors.gate import VerificationGateSensor

TOKEN = "ghp_s3cr3tT0kenValue"
REQUEST = {"application": "shop", "version": "1.1.0", "ref": "v1", "environment": "prod",
           "source": f"https://deploy:{TOKEN}@git.example/shop.git", "quality_threshold": 85.0}
RULES = [CriterionRule(name="coverage", measurement="cov", unit="%", comparison=">=", pass_at=80, warn_at=60,
                       weight=1, key=True),
         CriterionRule(name="lint", measurement="lint", unit="/kloc", comparison="<=", pass_at=5, weight=1)]


class FakeTI:
    """The task instance fields the operators read."""

    def __init__(self, task_id: str, xcoms: dict[str, Any]):
        self.run_id, self.dag_id, self.task_id, self.try_number, self.map_index = "run-1", "golive", task_id, 1, -1
        self.id = "00000000-0000-0000-0000-00000000000a"
        self.xcoms = {"start.validate_request": REQUEST, **xcoms}

    def xcom_pull(self, task_ids: str) -> Any:
        return self.xcoms.get(task_ids)


def ctx(ti: FakeTI, triggerer: str | None = "release-bot") -> dict[str, Any]:
    return {"ti": ti, "task_instance": ti, "params": {}, "dag_run": SimpleNamespace(triggering_user_name=triggerer)}


@pytest.fixture
def sink(golive_home, monkeypatch) -> Path:
    path = Path(golive_home) / "events" / "golive.jsonl"
    monkeypatch.setenv("GOLIVE_NOTIFY", f"file://{path}")
    monkeypatch.setenv("GOLIVE_UI_BASE_URL", "http://airflow.example:8080")
    get_settings.cache_clear()
    return path


def events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _evaluation(ledger: Ledger, cov: float) -> int:
    verdict = evaluate("testing", [apply_rule(RULES[0], cov), apply_rule(RULES[1], 9.0)])
    return ledger.record_evaluation(RecordKey("run-1", "testing.score", 1), application="shop", ref="1.1.0",
                                    verdict=verdict)


def _summary(ledger: Ledger, cov: float) -> dict[str, Any]:
    ev_id = _evaluation(ledger, cov)
    ev = ledger.latest_evaluation(gate="testing", application="shop", ref="1.1.0")
    return {"id": ev_id, "gate": "testing", "status": ev["status"], "score": ev["score"], "threshold": ev["threshold"],
            "warning_floor": ev["warning_floor"], "reasons": ev["reasons"], "run_id": "run-1", "application": "shop",
            "ref": "1.1.0"}


def promotion() -> GateApprovalOperator:
    return GateApprovalOperator(task_id="promotion.approval", gate_task_id="testing.gate",
                                ask_in_environments=("prod",), request_task_id="start.validate_request")


def answer(user: str, option: str = "Approve") -> dict[str, Any]:
    return {"chosen_options": [option], "params_input": {}, "responded_by_user": {"id": user, "name": user},
            "responded_at": datetime(2026, 12, 3), "timedout": False}


@pytest.fixture
def asked(monkeypatch) -> list[dict[str, Any]]:
    """Every HITL detail the operator writes (what the execution API would store)."""
    from airflow.providers.standard.operators import hitl

    writes: list[dict[str, Any]] = []
    monkeypatch.setattr(hitl, "upsert_hitl_detail", lambda **kw: writes.append(kw))
    return writes


def _parks(call: Any) -> None:
    with pytest.raises(BaseException) as parked:
        call()
    assert type(parked.value).__name__ in ("TaskAwaitingInput", "TaskDeferred")


def test_the_prod_triggerer_cannot_approve_their_own_promotion(sink, asked, monkeypatch):
    monkeypatch.setenv("GOLIVE_APPROVERS", "prod=*")  # anyone: the API server would let the triggerer answer
    get_settings.cache_clear()
    ledger = LedgerHook().get_conn()
    summary = _summary(ledger, 95.0)
    ti = FakeTI("promotion.approval", {"testing.gate": summary})
    op = promotion()
    _parks(lambda: op.execute(ctx(ti)))
    assert asked[0]["assigned_users"] is None
    assert "release-bot triggered this go-live and may not approve it" in asked[0]["body"]
    _parks(lambda: op.execute_complete(ctx(ti), answer("release-bot")))  # refused: asked again, still waiting
    assert len(asked) == 2
    with ledger.engine.connect() as conn:
        refused = conn.execute(select(approval_refusals)).mappings().one()
        assert conn.execute(select(approvals)).mappings().all() == []  # nothing decided
    assert (refused["responder"], refused["chosen"], refused["task_id"]) == ("release-bot", "Approve",
                                                                             "promotion.approval")
    assert "separation of duties" in refused["reason"]
    assert op.execute_complete(ctx(ti), answer("alice"))["approver"] == "alice"
    with ledger.engine.connect() as conn:
        row = conn.execute(select(approvals)).mappings().one()
    assert (row["decision"], row["approver"]) == ("approved", "alice")
    ledger.record_run(run_id="run-1", dag_id="golive", request=REQUEST, status="accepted")
    [evaluation] = ledger.run_report("run-1")["evaluations"]
    assert "approved by alice; refused: Approve by release-bot" in gate_line(evaluation)
    kinds = [e["kind"] for e in events(sink)]
    assert kinds == ["approval_requested", "approval_refused", "approval_requested"]
    link = events(sink)[0]["link"]
    assert link.startswith("http://airflow.example:8080/dags/golive/runs/run-1/tasks/promotion.approval/"
                           "required_actions")
    assert TOKEN not in sink.read_text()


def test_the_triggerer_is_left_out_of_the_assignees_and_may_still_reject(sink, asked, monkeypatch):
    monkeypatch.setenv("GOLIVE_APPROVERS", "prod=release-bot,alice")
    get_settings.cache_clear()
    summary = _summary(LedgerHook().get_conn(), 95.0)
    ti = FakeTI("promotion.approval", {"testing.gate": summary})
    op = promotion()
    _parks(lambda: op.execute(ctx(ti)))
    assert asked[0]["assigned_users"] == [{"id": "alice", "name": "alice"}]
    with pytest.raises(GateRejected, match="rejected by release-bot"):
        op.execute_complete(ctx(ti), answer("release-bot", "Reject"))


def test_someone_not_named_is_refused_and_a_lone_triggerer_leaves_no_approver(sink, asked, monkeypatch):
    monkeypatch.setenv("GOLIVE_APPROVERS", "prod=release-bot")
    get_settings.cache_clear()
    ledger = LedgerHook().get_conn()
    summary = _summary(ledger, 95.0)
    ti = FakeTI("promotion.approval", {"testing.gate": summary})
    with pytest.raises(NoApprover, match="its only approver 'release-bot' triggered it"):
        promotion().execute(ctx(ti))
    assert asked == []  # refused before anything was asked
    monkeypatch.setenv("GOLIVE_APPROVERS", "prod=alice")
    get_settings.cache_clear()
    _parks(lambda: promotion().execute_complete(ctx(ti), answer("mallory", "Reject")))
    assert "mallory is not an approver for prod" in ledger.approval_refusals(summary["id"])[0]["reason"]


def test_a_gate_failure_reaches_the_file_sink_with_score_and_reasons_and_no_secret(sink):
    ledger = LedgerHook().get_conn()
    _evaluation(ledger, 40.0)  # coverage, a key criterion, fails
    ti = FakeTI("testing.gate", {})
    sensor = VerificationGateSensor(task_id="testing.gate", gate="testing", request_task_id="start.validate_request",
                                    subject_field="version", deferrable=False)
    with pytest.raises(GateFailed):
        sensor.execute(ctx(ti))
    [event] = events(sink)
    assert (event["kind"], event["gate"], event["status"], event["application"], event["version"],
            event["environment"]) == ("gate_failed", "testing", "FAIL", "shop", "1.1.0", "prod")
    assert event["score"] == pytest.approx(0.0) and event["threshold"] == 85
    assert any("coverage" in r and "40" in r for r in event["reasons"])
    assert "key criterion coverage failed" in event["text"]
    assert event["link"] == "http://airflow.example:8080/dags/golive/runs/run-1"
    assert TOKEN not in sink.read_text() and "deploy:" not in sink.read_text()


def test_rollback_and_overrun_reach_a_webhook_with_its_token_kept_out_of_the_message(golive_home, monkeypatch):
    from golive_airflow import tasks
    from golive_airflow.notifiers.deadline import golive_deadline, notify_overrun

    got: list[tuple[str, dict[str, Any]]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((self.headers.get("Authorization", ""), json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Hook) as url:
        monkeypatch.setenv("AIRFLOW_CONN_GOLIVE_HOOK", json.dumps(
            {"conn_type": "http", "host": f"{url}/hook", "password": "hook-s3cret"}))
        monkeypatch.setenv("GOLIVE_NOTIFY", "webhook:golive_hook")
        monkeypatch.setenv("GOLIVE_DEADLINE_MINUTES", "90")
        get_settings.cache_clear()
        ti = FakeTI("rollback.record", {"rollback.rollback": {
            "from_version": "1.1.0", "to_version": "1.0.0", "from_revision": 3, "to_revision": 2,
            "reason": "failed: verification.gate", "verified": True}})
        assert tasks.record_rollback(ctx(ti), pod_task_id="rollback.rollback") == {"verified": True}
        alert = golive_deadline()
        assert alert is not None and alert.interval.total_seconds() == 90 * 60
        assert alert.callback.path == "golive_airflow.notifiers.deadline.notify_overrun"
        assert notify_overrun(context={"dag_run": {"dag_id": "golive", "dag_run_id": "run-1", "state": "running",
                                                   "conf": REQUEST}}, **alert.callback.kwargs) == []
    assert [auth for auth, _ in got] == ["Bearer hook-s3cret"] * 2
    rollback, overrun = (body for _, body in got)
    assert (rollback["kind"], rollback["status"], rollback["reasons"]) == (
        "rollback_done", "verified", ["failed: verification.gate"])
    assert "from 1.1.0 (revision 3) to 1.0.0 (revision 2)" in rollback["text"]
    assert overrun["kind"] == "golive_overrun" and "90 minutes after it was queued" in overrun["text"]
    assert all("hook-s3cret" not in json.dumps(body) and TOKEN not in json.dumps(body) for _, body in got)


def test_a_failing_sink_never_fails_the_task(golive_home, monkeypatch):
    from golive.notify import NotifyEvent, Sink
    from golive_airflow.notifiers.factory import build_notifier, send

    monkeypatch.setenv("GOLIVE_NOTIFY", "webhook:golive_missing,smtp:smtp_default")
    get_settings.cache_clear()
    event = NotifyEvent(kind="golive_finished", dag_id="golive", run_id="r", status="succeeded")
    assert send(event, {}) == ["webhook:golive_missing", "smtp:smtp_default"]  # no connection; no recipients
    monkeypatch.setenv("GOLIVE_NOTIFY_EMAIL_TO", "ops@example.org")
    get_settings.cache_clear()
    smtp = build_notifier(get_settings().notify_sinks[1], event)
    assert type(smtp).__name__ == "SmtpNotifier" and smtp.to == ["ops@example.org"]
    assert smtp.subject == "golive: go-live succeeded: ? ?"
    slack = build_notifier(Sink("slack", "ops"), event)
    assert type(slack).__name__ == "SlackWebhookNotifier" and slack.text == event.text()


def test_an_approval_answered_while_the_ledger_restarts_is_recorded_once_it_is_back_without_asking_again(
        sink, asked, monkeypatch):
    """The decision waits out the outage (``golive.ledger.outage``): failing the task would ask the human again."""
    import threading

    from private_postgres import running_private_postgres

    from golive_airflow.hooks import ledger as ledger_hook

    with running_private_postgres() as server:
        url = server.create_database("ledger")
        monkeypatch.setenv("AIRFLOW_CONN_GOLIVE_LEDGER", url.replace("postgresql+psycopg2", "postgresql"))
        monkeypatch.setenv("GOLIVE_APPROVERS", "prod=alice")
        monkeypatch.setattr(ledger_hook, "_ENGINES", {})  # this process never reached it: a fresh worker's state
        get_settings.cache_clear()
        summary = _summary(LedgerHook().get_conn(), 95.0)
        ti = FakeTI("promotion.approval", {"testing.gate": summary})
        op = promotion()
        _parks(lambda: op.execute(ctx(ti)))
        server.stop()
        monkeypatch.setattr(ledger_hook, "_ENGINES", {})
        threading.Timer(5.0, server.start).start()
        assert op.execute_complete(ctx(ti), answer("alice"))["approver"] == "alice"
        with LedgerHook().get_conn().engine.connect() as conn:
            rows = conn.execute(select(approvals)).mappings().all()
        assert [(r["decision"], r["approver"]) for r in rows] == [("approved", "alice")]
        assert len(asked) == 1, "the human was asked once"
