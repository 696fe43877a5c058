"""Per-application quotas at the door of a go-live (``tasks.validate_request``) against a seeded ledger:
a refused run names the quota, its use and its limit, and the ledger holds only its refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from golive.ledger import RecordKey
from golive.ledger import schema as t
from golive.models import GoLiveRequest
from golive.quotas import QuotaError, QuotaPolicy
from golive_airflow.dag_defaults import SAMPLE_REQUEST
from golive_airflow.exceptions import QuotaRefused
from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.tasks import validate_request

APP = SAMPLE_REQUEST["application"]


class FakeTI:
    run_id, dag_id, task_id, try_number = "manual__quota", "golive", "start.validate_request", 1


def door(logical_date: datetime | None = None) -> dict[str, Any]:
    return validate_request(GoLiveRequest, {"ti": FakeTI(), "params": dict(SAMPLE_REQUEST),
                                            "logical_date": logical_date})


def seed(runs: int = 0, pods: int = 0) -> None:
    ledger = LedgerHook().get_conn()
    for i in range(runs):
        ledger.record_run(run_id=f"earlier-{i}", dag_id="golive", request={"application": APP}, status="accepted")
    ledger.record_run(run_id="bad-conf", dag_id="golive", request={"application": APP}, status="rejected")
    for i in range(pods):
        ledger.record_usage(RecordKey("earlier-0", f"quality.pod-{i}"), pod_name=f"pod-{i}", application=APP,
                            phase="quality", profile="cpu", cpu_request=2.0, memory_request=2**30, gpu_request=0,
                            wall_seconds=100.0)


def counts() -> dict[str, int]:
    with LedgerHook().get_conn().engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in t.metadata.tables.items()}


def test_a_run_over_its_runs_per_day_is_refused_and_only_the_refusal_is_recorded(golive_home, monkeypatch):
    monkeypatch.setenv("GOLIVE_QUOTAS", f"{APP}=runs_per_day:2;default=runs_per_day:50")
    seed(runs=2)
    before = counts()
    with pytest.raises(QuotaRefused, match=rf"quota runs_per_day of application '{APP}' is used up: 2 used in the "
                                           r"last 24 h, limit 2"):
        door()
    after = counts()
    assert after == {**before, "runs": before["runs"] + 1}
    row = LedgerHook().get_conn().run_record("manual__quota")
    assert row["status"] == "rejected" and "runs_per_day" in row["error"]


def test_cpu_seconds_count_requested_cores_times_wall_and_the_window_is_24_hours(golive_home, monkeypatch):
    monkeypatch.setenv("GOLIVE_QUOTAS", "default=cpu_seconds_per_day:300,runs_per_day:10")
    seed(runs=1, pods=2)  # 2 pods × 2 cores × 100 s = 400 CPU-seconds
    with pytest.raises(QuotaRefused, match=r"cpu_seconds_per_day .*400 used .* limit 300"):
        door()
    tomorrow = datetime.now(UTC) + timedelta(days=2)  # the seeded use is out of this run's window
    assert door(logical_date=tomorrow)["application"] == APP
    assert LedgerHook().get_conn().run_record("manual__quota")["status"] == "accepted"


def test_an_application_without_a_quota_is_accepted(golive_home, monkeypatch):
    monkeypatch.setenv("GOLIVE_QUOTAS", "other=runs_per_day:0")
    seed(runs=3)
    assert door()["application"] == APP


@pytest.mark.parametrize(("text", "message"), [
    ("shop", "must be application=limit:value"),
    ("shop=runs:3", "runs: Extra inputs are not permitted"),
    ("shop=runs_per_day:-1", "greater than or equal to 0"),
    ("shop=runs_per_day", "must be limit:value"),
    ("Shop_X=runs_per_day:1", "is not an application name"),
    ("shop=runs_per_day:1;shop=pods_per_day:1", "named twice"),
])
def test_a_bad_quota_setting_names_the_entry(text, message):
    with pytest.raises(QuotaError, match=message):
        QuotaPolicy.parse(text)


def test_the_policy_reads_the_example_of_the_docs():
    policy = QuotaPolicy.parse("shop=runs_per_day:10,cpu_seconds_per_day:20000;default=runs_per_day:50")
    assert policy.quota_of("shop").limits() == {"runs_per_day": 10.0, "cpu_seconds_per_day": 20000.0}
    assert policy.quota_of("blog").limits() == {"runs_per_day": 50.0}
