"""Run Airflow's KubernetesPodOperator against localkube without an Airflow database.

``task_context()`` builds the few context keys KPO reads (``ti`` with ``xcom_push``, ``run_id``,
``dag``); ``run_operator()`` calls ``execute`` and, when the operator defers, does what the
triggerer would: serialize the trigger, rebuild it from ``(classpath, kwargs)``, run it to its
first event and resume the operator with that event (again, if it re-defers). Airflow is imported
lazily, so localkube itself never needs it.
"""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any


@dataclass
class FakeTaskInstance:
    """The task-instance attributes KubernetesPodOperator uses; XComs land in :attr:`xcoms`."""

    dag_id: str
    task_id: str
    run_id: str
    try_number: int = 1
    map_index: int = -1
    start_date: datetime = field(default_factory=lambda: datetime.now(tz=UTC))
    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        """Record an XCom."""
        self.xcoms[key] = value

    def xcom_pull(self, task_ids: Any = None, key: str = "return_value", **_: Any) -> Any:
        """Read back an XCom pushed by this task instance."""
        return self.xcoms.get(key)


def task_context(task_id: str, dag_id: str = "localkube", run_id: str = "manual__localkube",
                 try_number: int = 1) -> dict[str, Any]:
    """A minimal Airflow context for ``operator.execute``."""
    ti = FakeTaskInstance(dag_id=dag_id, task_id=task_id, run_id=run_id, try_number=try_number)
    return {"ti": ti, "task_instance": ti, "run_id": run_id, "dag": SimpleNamespace(dag_id=dag_id),
            "logical_date": ti.start_date}


def rebuild_trigger(trigger: Any) -> Any:
    """Round-trip a trigger through ``serialize()`` as the triggerer does."""
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    return getattr(importlib.import_module(module), name)(**kwargs)


async def _first_event(trigger: Any) -> Any:
    try:
        async for event in trigger.run():
            return event
    finally:
        await trigger.cleanup()
    raise RuntimeError(f"trigger {trigger!r} ended without an event")


def run_trigger(trigger: Any) -> dict[str, Any]:
    """Run a (rebuilt) trigger to its first event; returns the event payload."""
    return asyncio.run(_first_event(rebuild_trigger(trigger))).payload


def run_operator(operator: Any, context: dict[str, Any] | None = None, max_deferrals: int = 10) -> Any:
    """``operator.execute(context)``, following deferrals inline; returns the task's result."""
    from airflow.sdk.exceptions import TaskDeferred

    context = context if context is not None else task_context(operator.task_id)
    call: Any = lambda: operator.execute(context)  # noqa: E731 - reassigned per deferral
    for _ in range(max_deferrals + 1):
        try:
            return call()
        except TaskDeferred as deferred:
            payload = run_trigger(deferred.trigger)
            method = getattr(operator, deferred.method_name)
            kwargs = dict(deferred.kwargs or {})
            call = lambda m=method, k=kwargs, p=payload: m(context, event=p, **k)  # noqa: E731
    raise RuntimeError(f"{operator.task_id} deferred more than {max_deferrals} times")
