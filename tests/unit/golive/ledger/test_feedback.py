"""The ledger's feedback records on SQLite: rows keyed by their source's id, and the live applications
the feedback DAG collects for (their version, profile and service URL)."""

from __future__ import annotations

from datetime import UTC, datetime

from golive.ledger import Ledger, RecordKey


def _ledger(tmp_path) -> Ledger:
    return Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")


def test_rows_upsert_on_application_source_and_id(tmp_path):
    ledger = _ledger(tmp_path)
    row = {"id": "7", "submitted_at": datetime(2026, 11, 1, tzinfo=UTC), "version": "1.0.0", "rating": 4}
    assert ledger.submit_feedback("shop", [row, {**row, "rating": 5}]) == 2
    [received] = ledger.received_feedback("shop")
    assert received["id"] == "7" and received["rating"] == 5  # the same id rewrote the row
    ledger.record_feedback(application="shop", source="drop", batch_id="drop-1", rows=[row])
    ledger.set_feedback_status(application="shop", external_ids=["7"], status="accepted", batch_id="ledger-1")
    assert sorted(r["id"] for r in ledger.accepted_feedback("shop")) == ["drop:7", "ledger:7"]
    assert ledger.received_feedback("shop") == [] and ledger.accepted_feedback("other") == []


def test_live_applications_take_the_newest_succeeded_go_live(tmp_path):
    ledger = _ledger(tmp_path)
    plan = {"application_profile": {"profile": {"endpoints": {"feedback": "/fb"}}}}
    for run, version, status in (("r1", "1.0.0", "succeeded"), ("r2", "1.1.0", "succeeded"),
                                 ("r3", "1.2.0", "failed")):
        ledger.record_run(run_id=run, dag_id="golive", status=status,
                          request={"application": "shop", "version": version, "source": "/s"})
    ledger.record_run(run_id="q1", dag_id="golive_quality_verification", status="succeeded",
                      request={"application": "lib", "source": "/l"})
    ledger.record_phase(RecordKey("r2", "start.record_plan"), phase="plan", status="success", summary=plan)
    ledger.record_revision(RecordKey("r2", "deployment.record"), application="shop", namespace="apps",
                           deployment="shop-stable-api", revision=3, version="1.1.0", strategy="canary",
                           action="promote", detail={"live_url": "http://127.0.0.1:31001"})
    [shop] = ledger.live_applications()
    assert (shop["application"], shop["version"], shop["run_id"]) == ("shop", "1.1.0", "r2")
    assert shop["profile"] == {"endpoints": {"feedback": "/fb"}}  # the plan's, the conf carried none
    assert shop["service_url"] == "http://127.0.0.1:31001"


def test_quarantine_and_reports_are_rewritten_by_a_retry(tmp_path):
    ledger = _ledger(tmp_path)
    for rows in (2, 3):
        ledger.record_quarantine(batch_id="drop-1", run_id="r", application="shop", source="drop", origin="o",
                                 location="l", rows=rows, failed=[{"expectation": "e"}])
        ledger.record_feedback_report(run_id="r", application="shop", html_url="h", json_url="j", public_url="p",
                                      summary={"responses": rows})
    [q] = ledger.quarantined_batches("shop")
    assert q["rows"] == 3 and q["failed"] == [{"expectation": "e"}]
    [report] = ledger.feedback_reports("shop")
    assert report["summary"] == {"responses": 3}
