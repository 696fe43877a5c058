"""The golive_repair worker tasks: the repair pod's result becomes one ledger row per run (a retry
rewrites it) and a report in the documentation store."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from golive_airflow import repair
from golive_airflow.hooks.ledger import LedgerHook

RESULT = {"agent": "repair", "action": "repair", "application": "shop", "run": "r1", "total": 8, "fixable": 5,
          "fixed": 5, "fixed_auto": 5, "introduced": 0, "remaining": 3, "resolution_rate": 0.625,
          "fixable_rate": 1.0, "categories": {"style": 5, "security": 3}, "fixed_by_category": {"style": 5},
          "patch": "file:///store/shop/repair/r1/repair.patch", "branch": "golive/repair-r1",
          "fixers": [{"fixer": "ruff", "files": ["app/x.py"], "rules": ["F401"], "error": None}], "no_data": []}


class TI(SimpleNamespace):
    def xcom_pull(self, task_ids: str):
        return self.xcoms.get(task_ids)


def test_record_writes_one_row_per_run_and_the_report_states_the_measured_rates(golive_home):
    result = dict(RESULT)
    ledger = LedgerHook().get_conn()
    ledger.record_run(run_id="r1", dag_id="golive_repair", status="accepted", request={"application": "shop"})
    ti = TI(run_id="r1", task_id="record", try_number=1,
            xcoms={repair.REPAIR_TASK_ID: result, "start.validate_request": {"application": "shop"}})
    recorded = repair.record({"ti": ti})
    assert recorded["resolution_rate"] == 0.625
    ti.xcoms[repair.RECORD_TASK_ID] = recorded
    result["fixed"], result["resolution_rate"] = 4, 0.5  # a retried repair rewrites the row
    repair.record({"ti": ti})
    [row] = ledger.repair_rows(application="shop")
    assert (row["fixed"], row["total"], row["resolution_rate"], row["branch"]) == (4, 8, 0.5, "golive/repair-r1")
    assert row["detail"]["fixable_rate"] == 1.0 and row["categories"] == {"style": 5, "security": 3}

    out = repair.report({"ti": ti})
    text = Path(out["report"].removeprefix("file://")).read_text()
    assert "resolution rate (fixed / all findings): 50.0%" in text and "| style | 5 | 5 |" in text
    assert "golive/repair-r1" in text
    assert ledger.run_record("r1")["status"] == "succeeded"


def test_a_repair_that_left_no_result_is_not_recorded_and_fails_the_run(golive_home):
    from golive_airflow.exceptions import GoLiveFailed

    ledger = LedgerHook().get_conn()
    ledger.record_run(run_id="r2", dag_id="golive_repair", status="accepted", request={"application": "shop"})
    ti = TI(run_id="r2", task_id="record", try_number=1, xcoms={})
    with pytest.raises(ValueError, match="pushed no repair result"):
        repair.record({"ti": ti})
    with pytest.raises(GoLiveFailed, match="pushed no repair result"):
        repair.report({"ti": ti})
    assert ledger.run_record("r2")["status"] == "failed" and ledger.repair_rows() == []
    assert "n/a (no findings)" in repair.render_report({**RESULT, "total": 0, "fixed": 0, "resolution_rate": None})
