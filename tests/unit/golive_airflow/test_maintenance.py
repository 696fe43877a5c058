"""The golive_maintenance worker tasks: the conf checked again naming the field; discover refuses an
application that is not live; the retention task deletes old runs' report folders and records what
it deleted, as of the run's logical date."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from golive.settings import get_settings
from golive_airflow import maintenance
from golive_airflow.exceptions import GoLiveConfError
from golive_airflow.hooks.ledger import LedgerHook


def test_the_conf_is_checked_again_naming_the_field(golive_home):
    assert maintenance.check_params({}) == {"application": "", "retention_days": 90}
    assert maintenance.check_params({"application": "shop", "retention_days": 7})["retention_days"] == 7
    for params, field in (({"application": "Bad_App"}, "application"), ({"retention_days": 0}, "retention_days"),
                          ({"retention_days": "30"}, "retention_days"), ({"retention_days": True}, "retention_days")):
        with pytest.raises(GoLiveConfError, match=field):
            maintenance.check_params(params)


def test_discover_lists_the_live_applications_and_refuses_another(golive_home):
    ledger = LedgerHook().get_conn()
    for app, status in (("shop", "succeeded"), ("blog", "failed")):
        ledger.record_run(run_id=f"g-{app}", dag_id="golive", status=status,
                          request={"application": app, "source": "/s"})
    assert maintenance.discover({"params": {}}) == ["shop"]
    with pytest.raises(GoLiveConfError, match="'blog' is not live"):
        maintenance.discover({"params": {"application": "blog"}})


def test_retention_removes_old_report_folders_and_records_the_deletions(golive_home):
    ledger = LedgerHook().get_conn()
    settings = get_settings()
    for run in ("g-live", "q-old"):
        ledger.record_run(run_id=run, dag_id="golive" if run == "g-live" else "golive_quality_verification",
                          status="succeeded", request={"application": "shop", "source": "/s"})
        settings.run_report_dir(run).mkdir(parents=True)
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql("update runs set recorded_at = '2026-01-01 00:00:00'")
    ti = SimpleNamespace(run_id="scheduled__2026-12-01", task_id="retention", try_number=1)
    summary = maintenance.retention({"ti": ti, "params": {"retention_days": 30},
                                     "logical_date": datetime(2026, 12, 1, tzinfo=UTC)})
    assert summary["cutoff"] == "2026-11-01T00:00:00+00:00" and summary["kept_live_runs"] == ["g-live"]
    assert summary["removed"] == [str(settings.run_report_dir("q-old"))]
    assert not settings.run_report_dir("q-old").exists() and settings.run_report_dir("g-live").exists()
    rows = {r["item"]: r for r in ledger.maintenance_rows(kind="retention")}
    assert rows["runs"]["detail"]["rows"] == 1
