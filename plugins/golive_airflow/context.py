"""Small helpers shared by golive's operators for reading the task context."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from golive.ledger import RecordKey
from golive.profile.model import ApplicationProfile

#: The run's validation task (``start_phase``): every later step reads the validated request from its XCom.
REQUEST_TASK_ID = "start.validate_request"
#: The orchestrator's plan (``start_phase``): its routing decision chooses the ML steps' pod profile.
PLAN_TASK_ID = "start.plan"


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


def pull_application_profile(context: Any, plan_task_id: str = PLAN_TASK_ID) -> ApplicationProfile | None:
    """The application profile the orchestrator's plan resolved (conf, golive.yaml or detected); None
    in a DAG without a plan."""
    plan = context["ti"].xcom_pull(task_ids=plan_task_id)
    declared = plan.get("application_profile", {}).get("profile") if isinstance(plan, dict) else None
    return ApplicationProfile.model_validate(declared) if isinstance(declared, dict) else None


def pull_commit(context: Any, plan_task_id: str = PLAN_TASK_ID) -> str | None:
    """The commit the orchestrator's plan pinned (a git SHA or ``tree:<sha256>``); None in a DAG
    without a plan."""
    plan = context["ti"].xcom_pull(task_ids=plan_task_id)
    commit = plan.get("commit") if isinstance(plan, dict) else None
    return str(commit) if commit else None


def run_day(context: Any) -> date:
    """The day the run judges waivers on: its logical date, else when it was due to run, else today."""
    moment = context.get("logical_date") or getattr(context.get("dag_run"), "run_after", None)
    return moment.date() if isinstance(moment, datetime) else datetime.now(UTC).date()


def require_phase_reached(context: Any, phase_task_id: str | None) -> None:
    """Skip an ``all_done`` step whose phase was never reached (its entry task did not succeed).

    ``all_done`` lets a step run after predecessors that failed (the scoring after a crashed
    analyzer pod) — but also after a phase whose entry was upstream_failed; this tells them apart.
    """
    if not phase_task_id:
        return
    from airflow.sdk.exceptions import AirflowSkipException

    ti = context["ti"]
    state = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id], task_ids=[phase_task_id]).get(
        ti.run_id, {}).get(phase_task_id)
    if state != "success":
        raise AirflowSkipException(f"phase not reached: {phase_task_id} is {state}")
