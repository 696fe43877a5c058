"""Small helpers shared by golive's operators for reading the task context."""

from __future__ import annotations

from typing import Any

from golive.ledger import RecordKey


def record_key(context: Any) -> RecordKey:
    """The ledger's idempotency key of the running task: run id, task id and try number."""
    ti = context["ti"]
    return RecordKey(run_id=ti.run_id, task_id=ti.task_id, try_number=int(ti.try_number or 1))


def pull_request(context: Any, request_task_id: str) -> dict[str, Any]:
    """The validated request pushed by the run's validation task."""
    request = context["ti"].xcom_pull(task_ids=request_task_id)
    if not isinstance(request, dict) or "application" not in request:
        raise ValueError(f"task {request_task_id!r} pushed no validated request; it must run first")
    return request
