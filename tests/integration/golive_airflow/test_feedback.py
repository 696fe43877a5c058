"""The golive_feedback DAG's steps end to end on an SQLite ledger and a file:// store: the worker
tasks (collect, record, report) around the feedback agent's two pod actions (run in-process).

A drop folder with a good CSV and a bad JSON file, ledger rows a producer submitted, and the
application's feedback endpoint on a local HTTP server: the bad batch is quarantined with its failed
expectations (ledger row, file moved, failed.json beside it); the rest is accepted, analysed and
reported, and the report is linked from the ledger.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from types import SimpleNamespace

import pytest
from local_http import serving

from golive.agents import feedback as agent
from golive.ledger import RecordKey
from golive.settings import get_settings, safe_name
from golive_airflow import feedback
from golive_airflow.exceptions import GoLiveConfError
from golive_airflow.hooks.ledger import LedgerHook

RUN = "scheduled__2026-12-01T06:00:00+00:00"
GOOD_CSV = ("id,submitted_at,version,rating,nps,comment\n"
            "c1,2026-11-20T09:00:00Z,1.0.0,5,10,Love the dashboard\n"
            "c2,2026-11-28T09:00:00Z,1.1.0,1,2,\"Checkout crashes when I pay, terrible\"\n"
            "c3,2026-11-29T09:00:00Z,1.1.0,2,4,Payment failed at checkout again\n")
BAD_JSON = [{"id": "j1", "submitted_at": "2026-11-29", "version": "1.1.0", "rating": 9, "nps": 10},
            {"id": "j1", "submitted_at": "2026-11-29", "version": "1.1.0", "rating": 4, "nps": 8}]


class FakeTI:
    run_id, dag_id, try_number = RUN, "golive_feedback", 1

    def __init__(self):
        self.xcoms: dict = {}
        self.task_id = "collect"

    def xcom_pull(self, task_ids):
        return self.xcoms.get(task_ids)


class _Endpoint(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps([{"id": "e1", "submitted_at": "2026-11-30T10:00:00Z", "version": "1.1.0", "rating": 4,
                            "nps": 9, "comment": "The new search is great"}]).encode()
        self.send_response(200 if self.path == "/feedback" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _pod(capsys, argv):
    capsys.readouterr()
    assert agent.main(argv) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def _live(ledger, url):
    ledger.record_run(run_id="manual__golive", dag_id="golive", status="succeeded", request={
        "application": "shop", "version": "1.1.0", "source": "/s", "profile": {"endpoints": {"feedback": "/feedback"}}})
    ledger.record_revision(RecordKey("manual__golive", "deployment.record"), application="shop", namespace="apps",
                           deployment="shop-stable-api", revision=2, version="1.1.0", strategy="rolling",
                           action="deploy", detail={"service_url": url})


def test_a_run_accepts_quarantines_analyses_and_links_the_report(golive_home, capsys):
    settings = get_settings()
    ledger = LedgerHook().get_conn()
    ledger.submit_feedback("shop", [
        {"id": "l1", "submitted_at": datetime(2026, 11, 25, tzinfo=UTC), "version": "1.1.0", "rating": 4, "nps": 8,
         "comment": "Nice and fast"},
        {"id": "l2", "submitted_at": datetime(2026, 11, 26, tzinfo=UTC), "version": "1.1.0", "rating": 3}])
    inbox = golive_home / "feedback" / "inbox" / "shop"
    inbox.mkdir(parents=True)
    (inbox / "good.csv").write_text(GOOD_CSV)
    (inbox / "bad.json").write_text(json.dumps(BAD_JSON))
    ti = FakeTI()
    context = {"ti": ti, "params": {}}
    with serving(_Endpoint) as url:
        _live(ledger, url)
        collected = ti.xcoms["collect"] = feedback.collect(context)
        assert collected["applications"] == ["shop"] and collected["batches"] == 4
        validated = ti.xcoms["validate"] = _pod(capsys, ["validate", "--manifest", collected["manifest"], "--run", RUN,
                                                        "--store", settings.feedback_store])
    by_source = {(b["source"], b["origin"].rsplit("/", 1)[-1]): b for b in validated["batches"]}
    assert validated["accepted"] == 3 and validated["quarantine"] == 1 and validated["errors"] == []
    bad = by_source[("drop", "bad.json")]
    assert not bad["ok"] and bad["rows"] == 2
    assert all(b["ok"] for k, b in by_source.items() if k != ("drop", "bad.json"))

    ti.task_id = "record"
    recorded = ti.xcoms["record"] = feedback.record(context)
    assert recorded["accepted_rows"] == 6 and recorded["quarantined_batches"] == [bad["batch_id"]]
    # the bad batch: recorded with why, its file kept in quarantine with failed.json, never dropped
    [quarantine] = ledger.quarantined_batches("shop")
    failed = {(f["expectation"], f["column"]) for f in quarantine["failed"]}
    assert {("expect_column_values_to_be_in_set", "rating"), ("expect_column_values_to_be_unique", "id")} <= failed
    kept = golive_home / "feedback" / "quarantine" / "shop" / bad["batch_id"]
    assert json.loads((kept / "bad.json").read_text()) == BAD_JSON
    assert quarantine["location"].endswith(f"/quarantine/shop/{bad['batch_id']}/bad.json")
    assert json.loads((kept / "failed.json").read_text())["failed"] == quarantine["failed"]
    assert sorted(p.name for p in inbox.iterdir()) == []  # the good file went to processed/
    assert (golive_home / "feedback" / "processed" / "shop" / safe_name(RUN) / "good.csv").exists()
    accepted = ledger.accepted_feedback("shop")
    assert sorted(r["id"] for r in accepted) == ["drop:c1", "drop:c2", "drop:c3", "endpoint:e1", "ledger:l1",
                                                 "ledger:l2"]
    assert ledger.received_feedback("shop") == []  # the producer's rows were validated

    analysed = ti.xcoms["analyze"] = _pod(capsys, [
        "analyze", "--manifest", recorded["manifest"], "--run", RUN, "--docs-store", settings.docs_store,
        "--as-of", "2026-12-01T06:00:00Z"])
    [report] = analysed["reports"]
    assert report["summary"]["responses"] == 6 and report["summary"]["quarantined"] == 1
    assert [r["version"] for r in report["summary"]["releases"]] == ["1.0.0", "1.1.0"]
    assert report["summary"]["releases"][1]["csat_trend"] == "down"

    ti.task_id = "report"
    summary = feedback.record_reports(context)
    [link] = ledger.feedback_reports("shop")
    html = golive_home / "docs" / "shop" / "feedback" / safe_name(RUN) / "insights.html"
    assert link["html_url"] == html.as_uri() == summary["reports"][0]["html"]
    assert link["public_url"].endswith(f"/shop/feedback/{safe_name(RUN)}/insights")
    text = html.read_text()
    assert "<svg" in text and bad["batch_id"] in text and "expect_column_values_to_be_unique" in text
    data = json.loads(html.with_suffix(".json").read_text())
    assert data["responses"] == 6 and data["quarantined"][0]["batch_id"] == bad["batch_id"]

    ti.task_id = "record"
    again = feedback.record(context)  # a retried record step rewrites, never duplicates
    assert again["accepted_rows"] == 6 and len(ledger.quarantined_batches("shop")) == 1
    assert len(ledger.accepted_feedback("shop")) == 6


def test_a_bad_ledger_batch_quarantines_its_rows(golive_home, capsys):
    ledger = LedgerHook().get_conn()
    ledger.submit_feedback("shop", [{"id": "x1", "submitted_at": datetime(2026, 11, 25, tzinfo=UTC),
                                     "version": "1.1.0", "rating": 0}])
    ti = FakeTI()
    context = {"ti": ti, "params": {"application": "shop"}}
    collected = ti.xcoms["collect"] = feedback.collect(context)
    ti.xcoms["validate"] = _pod(capsys, ["validate", "--manifest", collected["manifest"], "--run", RUN])
    recorded = feedback.record(context)
    assert recorded["accepted_rows"] == 0 and len(recorded["quarantined_batches"]) == 1
    [quarantine] = ledger.quarantined_batches("shop", run_id=RUN)
    assert quarantine["source"] == "ledger" and quarantine["rows"] == 1
    assert "rating not a whole number in 1–5: 0" in quarantine["failed"][0]["description"]
    assert ledger.received_feedback("shop") == [] and ledger.accepted_feedback("shop") == []


def test_the_go_live_event_chooses_the_application_and_bad_conf_is_refused_first(golive_home):
    event = SimpleNamespace(extra={"application": "shop", "version": "1.1.0"})
    assert feedback._triggering_applications({"triggering_asset_events": {"x-golive://go-lives": [event]}}) == ["shop"]
    ti = FakeTI()
    with pytest.raises(GoLiveConfError, match=r"application: String should match pattern .*'Shop!'"):
        feedback.collect({"ti": ti, "params": {"application": "Shop!"}})
    with pytest.raises(GoLiveConfError, match=r"url: .*url must not carry user:password@"):
        feedback.collect({"ti": ti, "params": {"url": "http://u:p@127.0.0.1:1"}})
    assert not (golive_home / "feedback").exists()  # refused before anything was staged


def test_the_ledger_app_lists_the_reports_and_serves_them(golive_home, capsys, monkeypatch):
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.api_fastapi.core_api.security import get_user
    from fastapi.testclient import TestClient

    from golive_airflow import ledger_app

    ledger = LedgerHook().get_conn()
    inbox = golive_home / "feedback" / "inbox" / "shop"
    inbox.mkdir(parents=True)
    (inbox / "good.csv").write_text(GOOD_CSV)
    (inbox / "bad.json").write_text(json.dumps(BAD_JSON))
    ti = FakeTI()
    context = {"ti": ti, "params": {"application": "shop"}}
    ti.xcoms["collect"] = feedback.collect(context)
    ti.xcoms["validate"] = _pod(capsys, ["validate", "--manifest", ti.xcoms["collect"]["manifest"], "--run", RUN])
    ti.xcoms["record"] = feedback.record(context)
    ti.xcoms["analyze"] = _pod(capsys, ["analyze", "--manifest", ti.xcoms["record"]["manifest"], "--run", RUN,
                                        "--as-of", "2026-12-01T06:00:00Z"])
    [link] = feedback.record_reports(context)["reports"]
    app = ledger_app.create_app()
    assert TestClient(app).get("/feedback").status_code == 401  # no user: refused like /api/v2
    app.dependency_overrides[get_user] = lambda: SimpleAuthManagerUser(username="alice", role="viewer")
    readable: dict[str, bool] = {}
    monkeypatch.setattr(ledger_app, "may_read_runs_of", lambda user, dag_id: readable.setdefault(dag_id, True))
    client = TestClient(app)
    page = client.get("/feedback")
    assert readable == {"golive_feedback": True}  # asked about the DAG that wrote the reports
    assert page.status_code == 200 and link["public_url"] in page.text and "duplicate id: j1" in page.text
    served = client.get("/docs/" + link["public_url"].split("/golive/docs/", 1)[1])  # the page, without .html
    assert served.status_code == 200 and "Feedback insights — shop" in served.text
    assert ledger.feedback_reports("shop")[0]["public_url"] == link["public_url"]
    readable["golive_feedback"] = False
    assert client.get("/feedback").status_code == 403
