"""The ledger's release-train records: checkpoints, go-lives, rollbacks, in the run's report."""

from __future__ import annotations

from golive.ledger import Ledger, RecordKey
from golive.train.monitor import ServiceProbe, evaluate_phase


def test_a_train_run_reports_its_go_lives_checkpoints_monitor_verdicts_and_rollback(tmp_path):
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.record_run(run_id="t1", dag_id="golive_release_train", request={"train": "agents"}, status="accepted")
    ledger.record_run(run_id="train__a__t1", dag_id="golive", request={"application": "a", "source": "/s"},
                      status="succeeded")
    for app, phase in (("a", 1), ("b", 2)):
        ledger.record_train_application(run_id="t1", train="agents", application=app, phase=phase, version="1.1.0",
                                        golive_run_id=f"train__{app}__t1", status="planned")
    ledger.record_checkpoint(run_id="t1", train="agents", phase=1, applications={"a": None, "b": None})
    checkpoint = {"a": {"deployment": "a-stable-api", "revision": 1, "version": "1.1.0"}, "b": None}
    ledger.record_checkpoint(run_id="t1", train="agents", phase=2, applications=checkpoint)
    ledger.record_checkpoint(run_id="t1", train="agents", phase=2, applications=checkpoint)  # a retry rewrites it
    verdict = evaluate_phase(1, [ServiceProbe("a", {"response_time_p95": 0.1, "error_rate": 0.0,
                                                    "memory_usage": 40.0, "cpu_usage": 2.0})])
    ledger.record_evaluation(RecordKey("t1", "phase_1.monitor", 1), application="agents", ref="phase-1",
                             verdict=verdict)
    ledger.record_train_application(run_id="t1", train="agents", application="b", phase=2, version="1.1.0",
                                    golive_run_id="train__b__t1", status="rolled-back")
    ledger.record_train_rollback(run_id="t1", train="agents", phase=2, reason="phase 2 failed", ok=True,
                                 steps=[{"application": "b", "action": "remove", "ok": True}])
    report = ledger.run_report("t1")
    train = report["train"]
    assert [(a["application"], a["status"], a["golive_status"]) for a in train["applications"]] == [
        ("a", "planned", "succeeded"), ("b", "rolled-back", None)]
    assert [c["phase"] for c in train["checkpoints"]] == [1, 2]
    assert train["checkpoints"][1]["applications"] == checkpoint
    assert train["rollbacks"][0]["steps"][0]["action"] == "remove"
    assert report["evaluations"][0]["gate"] == "train-phase-1"
    assert {c["name"] for c in report["evaluations"][0]["criteria"]} == {
        "a.response_time_p95", "a.error_rate", "a.memory_usage", "a.cpu_usage"}
    assert "train" not in ledger.run_report("train__a__t1")


def test_the_report_shows_the_train(tmp_path):
    from golive.report import render_report

    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.record_run(run_id="t1", dag_id="golive_release_train", request={"train": "agents"}, status="failed")
    ledger.record_train_application(run_id="t1", train="agents", application="svc-b", phase=2, version="1.1.0-broken",
                                    golive_run_id="train__svc-b__t1", status="rolled-back")
    ledger.record_checkpoint(run_id="t1", train="agents", phase=2,
                             applications={"svc-a": {"deployment": "svc-a-stable-api", "revision": 1,
                                                     "version": "1.0.0"}, "svc-b": None})
    ledger.record_train_rollback(run_id="t1", train="agents", phase=2, reason="phase 2 of train agents failed",
                                 ok=True, steps=[{"application": "svc-b", "action": "remove", "ok": True,
                                                  "reason": "not deployed at the checkpoint"}])
    paths = render_report(ledger.run_report("t1"), tmp_path / "report", plots=False)
    html = paths.html.read_text()
    checkpoint = "svc-a: revision 1 (1.0.0); svc-b: not deployed"
    for text in ("Train: go-lives", "train__svc-b__t1", "Train: checkpoints", checkpoint, "Train: rollbacks",
                 "svc-b: remove (not deployed at the checkpoint)"):
        assert text in html
