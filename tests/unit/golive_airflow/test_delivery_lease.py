"""One delivery at a time per application and environment: DeliveryLeaseSensor, its trigger, the release."""

from __future__ import annotations

import asyncio
import importlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from airflow.sdk.exceptions import AirflowRescheduleException, TaskDeferred

from golive.ledger import Ledger
from golive_airflow import tasks
from golive_airflow.exceptions import LeaseTimeout
from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.sensors.lease import DeliveryLeaseSensor
from golive_airflow.triggers.lease import DeliveryLeaseTrigger

REQUEST = {"application": "shop", "environment": "staging", "ref": "main", "source": "/s"}


class FakeTI:
    def __init__(self, run_id: str, request: dict | None = None):
        self.run_id, self.dag_id, self.task_id, self.try_number = run_id, "golive", "infrastructure.lease", 1
        self.request = REQUEST if request is None else request
        self.first_reschedule: datetime | None = None

    def get_first_reschedule_date(self, context):
        return self.first_reschedule

    def xcom_pull(self, task_ids):
        return self.request if task_ids == "start.validate_request" else None


def ctx(run_id: str, request: dict | None = None, waiting_since: datetime | None = None) -> dict:
    ti = FakeTI(run_id, request)
    ti.first_reschedule = waiting_since
    return {"ti": ti, "task_instance": ti, "params": {}, "task_reschedule_count": 0}


@pytest.fixture
def ledger(golive_home) -> Ledger:
    return LedgerHook().get_conn()


def sensor(**kw) -> DeliveryLeaseSensor:
    kw.setdefault("deferrable", True)
    return DeliveryLeaseSensor(task_id="lease", request_task_id="start.validate_request", poke_interval=0.05,
                               timeout=kw.pop("timeout", 5), **kw)


def _run_trigger(trigger):
    async def first():
        async for event in trigger.run():
            return event.payload
    return asyncio.run(first())


def test_trigger_serializes_round_trip():
    trig = DeliveryLeaseTrigger(application="shop", environment="prod", run_id="run-1",
                                ledger_conn_id="golive_ledger", ttl=60, poll_interval=0.1, timeout=3)
    path, kwargs = trig.serialize()
    module, name = path.rsplit(".", 1)
    assert getattr(importlib.import_module(module), name)(**kwargs).serialize() == (path, kwargs)


def test_the_second_run_waits_until_the_first_releases(ledger):
    assert sensor().execute(ctx("run-1"))["run_id"] == "run-1"
    second = sensor()
    with pytest.raises(TaskDeferred) as info:  # waits in the triggerer: no worker slot held
        second.execute(ctx("run-2"))
    assert isinstance(info.value.trigger, DeliveryLeaseTrigger)
    released = threading.Event()

    def release() -> None:
        tasks.release_delivery_lease(ctx("run-1"))
        released.set()

    threading.Timer(0.4, release).start()
    event = _run_trigger(info.value.trigger)
    assert released.is_set() and event["status"] == "acquired"
    assert second.execute_complete(ctx("run-2"), event)["run_id"] == "run-2"
    assert ledger.lease("shop", "staging")["run_id"] == "run-2"


def test_another_environment_or_application_does_not_wait(ledger):
    sensor().execute(ctx("run-1"))
    assert sensor().execute(ctx("run-2", {**REQUEST, "environment": "prod"}))["run_id"] == "run-2"
    assert sensor().execute(ctx("run-3", {**REQUEST, "application": "cart"}))["run_id"] == "run-3"


def test_waiting_in_reschedule_mode_holds_no_slot_and_times_out_naming_the_holder(ledger):
    sensor().execute(ctx("run-1"))
    waiting = sensor(deferrable=False, timeout=60)
    with pytest.raises(AirflowRescheduleException):  # the slot is given back between tries
        waiting.execute(ctx("run-2"))
    with pytest.raises(LeaseTimeout) as info:
        waiting.execute(ctx("run-2", waiting_since=datetime.now(UTC) - timedelta(seconds=120)))
    assert "being delivered by run run-1" in str(info.value) and "GOLIVE_DELIVERY_LEASE_TIMEOUT" in str(info.value)


def test_the_deferred_wait_times_out_naming_the_holder(ledger):
    sensor().execute(ctx("run-1"))
    event = _run_trigger(DeliveryLeaseTrigger(application="shop", environment="staging", run_id="run-2",
                                              ledger_conn_id="golive_ledger", ttl=60, poll_interval=0.05,
                                              timeout=0.2))
    assert event["status"] == "timeout" and event["holder"]["run_id"] == "run-1"
    with pytest.raises(LeaseTimeout) as info:
        sensor().execute_complete(ctx("run-2"), event)
    assert "being delivered by run run-1" in str(info.value)


def test_an_expired_lease_is_taken_over(ledger):
    past = datetime.now(UTC) - timedelta(hours=2)
    ledger.acquire_lease(application="shop", environment="staging", run_id="crashed", ttl=60, now=past)
    assert sensor(ttl=600).execute(ctx("run-2"))["run_id"] == "run-2"
    assert tasks.release_delivery_lease(ctx("crashed"))["released"] is False  # its lease is gone


def test_the_release_gives_the_lease_back_only_for_its_own_run(ledger):
    sensor().execute(ctx("run-1"))
    assert tasks.release_delivery_lease(ctx("run-2"))["released"] is False
    assert tasks.release_delivery_lease(ctx("never-validated", {}))["released"] is False
    assert tasks.release_delivery_lease(ctx("run-1"))["released"] is True
    assert ledger.lease("shop", "staging") is None


def test_each_recorded_deploy_names_the_commit_and_is_a_heartbeat(ledger):
    request = {**REQUEST, "namespace": "apps", "version": "1.1.0", "strategy": "rolling"}
    ledger.acquire_lease(application="shop", environment="staging", run_id="run-1", ttl=7200,
                         now=datetime.now(UTC) - timedelta(hours=1))
    before = ledger.lease("shop", "staging")["expires_at"]
    context = ctx("run-1", request)
    pulled = {"start.validate_request": request, "start.plan": {"commit": "d" * 40},
              "deployment.deploy": {"agent": "deployment", "ok": True, "revision": 3, "deployment": "shop"}}

    def xcom_pull(task_ids):
        return pulled.get(task_ids)

    context["ti"].xcom_pull = xcom_pull
    context["ti"].task_id = "deployment.record"
    tasks.record_revision(context, pod_task_id="deployment.deploy", action="deploy")
    ledger.record_run(run_id="run-1", dag_id="golive", request=request, status="accepted")
    revision = ledger.run_report("run-1")["revisions"][0]
    assert revision["detail"]["commit"] == "d" * 40 and revision["revision"] == 3
    assert ledger.lease("shop", "staging")["expires_at"] > before + timedelta(hours=12)
