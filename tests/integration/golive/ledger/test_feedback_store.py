"""The ledger's feedback records on the machine's real PostgreSQL and on SQLite (migration 0005b):
upserts keyed by the source's id, quarantine and reports rewritten by a retry, live applications."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from golive.feedback.analysis import parse_time
from golive.ledger import Ledger, RecordKey


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request, tmp_path) -> Ledger:
    if request.param == "sqlite":
        return Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    return Ledger.from_url(request.getfixturevalue("postgres_url"))


def test_feedback_rows_quarantine_reports_and_live_applications(ledger):
    app = f"fb-{uuid.uuid4().hex[:8]}"
    row = {"id": "1", "submitted_at": datetime(2026, 11, 1, 9, tzinfo=UTC), "version": "1.0.0", "rating": 4,
           "nps": 9, "comment": "Good"}
    ledger.submit_feedback(app, [row, {**row, "id": "2", "rating": 1}])
    assert [r["id"] for r in ledger.received_feedback(app)] == ["1", "2"]
    ledger.record_feedback(application=app, source="ledger", batch_id="ledger-1", rows=[row])
    ledger.set_feedback_status(application=app, external_ids=["2"], status="quarantined", batch_id="ledger-1")
    ledger.record_feedback(application=app, source="drop", batch_id="drop-1", rows=[row, row])
    accepted = ledger.accepted_feedback(app)
    assert sorted(r["id"] for r in accepted) == ["drop:1", "ledger:1"]
    assert all(parse_time(r["submitted_at"]) == row["submitted_at"] for r in accepted)  # SQLite: naive UTC
    for rows in (1, 2):
        ledger.record_quarantine(batch_id=f"{app}-q", run_id="r", application=app, source="ledger",
                                 origin="ledger:feedback", location="file:///q", rows=rows,
                                 failed=[{"expectation": "expect_column_values_to_be_in_set", "column": "rating"}])
        ledger.record_feedback_report(run_id="r", application=app, html_url="file:///h", json_url="file:///j",
                                      public_url="http://p", summary={"responses": rows})
    [q] = ledger.quarantined_batches(app)
    assert q["rows"] == 2 and q["failed"][0]["column"] == "rating"
    assert [r["summary"] for r in ledger.feedback_reports(app)] == [{"responses": 2}]
    run = f"{app}-run"
    ledger.record_run(run_id=run, dag_id="golive", status="succeeded",
                      request={"application": app, "version": "1.0.0", "source": "/s",
                               "profile": {"endpoints": {"feedback": "/feedback"}}})
    ledger.record_revision(RecordKey(run, "deployment.record"), application=app, namespace="apps",
                           deployment=f"{app}-stable-api", revision=1, version="1.0.0", strategy="rolling",
                           action="deploy", detail={"service_url": "http://127.0.0.1:30001"})
    [live] = [a for a in ledger.live_applications() if a["application"] == app]
    assert live["profile"]["endpoints"]["feedback"] == "/feedback" and live["service_url"] == "http://127.0.0.1:30001"
