"""End to end: `airflow dags test golive_feedback` on localkube and the SQLite ledger.

A drop folder with a good CSV and a bad JSON batch: the validation pod (Great Expectations) fails the
bad batch, which is quarantined (ledger row with the failed expectations, file moved, failed.json);
the good rows are accepted, analysed by the analysis pod, and the insights report is linked from the
ledger.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from golive_local.env import airflow_executable, kubernetes_connection

from golive.ledger import Ledger

pytestmark = [pytest.mark.e2e, pytest.mark.airflow, pytest.mark.localkube]

APP = "feedback-e2e"
GOOD_CSV = ("id,submitted_at,version,rating,nps,comment\n"
            "c1,2026-11-20T09:00:00Z,1.0.0,5,10,Love the dashboard\n"
            "c2,2026-11-28T09:00:00Z,1.1.0,1,2,\"Checkout crashes when I pay, terrible\"\n"
            "c3,2026-11-29T09:00:00Z,1.1.0,2,4,Payment failed at checkout again\n")
BAD = [{"id": "j1", "submitted_at": "2026-11-29", "version": "1.1.0", "rating": 9},
       {"id": "j1", "submitted_at": "2026-11-29", "version": "1.1.0", "rating": 4}]


@pytest.fixture(scope="module")
def env(airflow_db, localkube) -> dict[str, str]:
    return {**airflow_db, "AIRFLOW_CONN_KUBERNETES_DEFAULT": kubernetes_connection(Path(localkube.kubeconfig))}


def test_a_bad_feedback_batch_is_quarantined_and_the_rest_reported(env):
    home = Path(env["GOLIVE_HOME"])
    inbox = home / "feedback" / "inbox" / APP
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "good.csv").write_text(GOOD_CSV)
    (inbox / "bad.json").write_text(json.dumps(BAD))
    out = subprocess.run([airflow_executable(), "dags", "test", "golive_feedback", "-c",
                          json.dumps({"application": APP})], env=env, capture_output=True, text=True, timeout=900)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-5000:]
    ledger = Ledger.from_url(f"sqlite:///{home / 'ledger.sqlite'}")
    [quarantine] = ledger.quarantined_batches(APP)
    failed = {(f["expectation"], f["column"]) for f in quarantine["failed"]}
    assert {("expect_column_values_to_be_in_set", "rating"), ("expect_column_values_to_be_unique", "id")} <= failed
    kept = home / "feedback" / "quarantine" / APP / quarantine["batch_id"]
    assert json.loads((kept / "bad.json").read_text()) == BAD and (kept / "failed.json").is_file()
    assert list(inbox.iterdir()) == []
    assert sorted(r["id"] for r in ledger.accepted_feedback(APP)) == ["drop:c1", "drop:c2", "drop:c3"]
    [report] = ledger.feedback_reports(APP)
    html = Path(report["html_url"].removeprefix("file://"))
    assert html.is_file() and "<svg" in html.read_text() and quarantine["batch_id"] in html.read_text()
    assert report["summary"]["responses"] == 3 and f"golive feedback report of {APP}" in log
