"""The go-live asset: golive's final report updates it with the application and version, only when
the run succeeded; a DAG without outlets (quality verification) updates nothing."""

from __future__ import annotations

import pytest
from airflow.sdk import DAG
from airflow.sdk.execution_time.context import OutletEventAccessors

from golive_airflow import phases, tasks
from golive_airflow.assets import GO_LIVES
from golive_airflow.exceptions import GoLiveFailed


class FakeTI:
    run_id, dag_id, task_id, try_number = "manual__1", "golive", "finish.final_report", 1

    def xcom_pull(self, task_ids):
        return {"start.validate_request": {"application": "shop", "version": "1.1.0", "environment": "dev"}}.get(
            task_ids)


def _final_report(outlets):
    with DAG("t", schedule=None) as dag:
        phases.finish_phase(outlets=outlets)
    return dag.get_task("finish.final_report")


def test_a_successful_go_live_updates_the_asset_with_what_went_live(monkeypatch):
    context = {"ti": FakeTI(), "outlet_events": OutletEventAccessors()}
    monkeypatch.setattr(phases, "get_current_context", lambda: context)
    monkeypatch.setattr(tasks, "final_report", lambda ctx: {"html": "report.html"})
    task = _final_report([GO_LIVES])
    assert task.outlets == [GO_LIVES]
    assert task.python_callable() == {"html": "report.html"}
    assert context["outlet_events"][GO_LIVES].extra == {"application": "shop", "version": "1.1.0",
                                                         "environment": "dev", "run_id": "manual__1"}


def test_a_failed_go_live_updates_nothing(monkeypatch):
    context = {"ti": FakeTI(), "outlet_events": OutletEventAccessors()}
    monkeypatch.setattr(phases, "get_current_context", lambda: context)

    def failed(ctx):
        raise GoLiveFailed("go-live failed; failed tasks: deployment.deploy")

    monkeypatch.setattr(tasks, "final_report", failed)
    with pytest.raises(GoLiveFailed):
        _final_report([GO_LIVES]).python_callable()
    assert context["outlet_events"][GO_LIVES].extra == {}
    assert _final_report([]).outlets == []
