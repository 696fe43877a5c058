"""The orchestrator's own (light) tasks: validate and record the run, record the plan, final report.

These run in the Airflow worker; heavy work runs in pods. Each is an ordinary function of the
task context so it is unit-testable without a DAG.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from golive.models import QualitySubmission, is_git_source
from golive.settings import get_settings
from golive_airflow.context import record_key
from golive_airflow.exceptions import GoLiveConfError, GoLiveFailed
from golive_airflow.hooks.ledger import LedgerHook


def format_validation_error(error: ValidationError) -> str:
    """One line per problem: ``field: rule (got value)``."""
    lines = []
    for err in error.errors():
        field = ".".join(str(p) for p in err["loc"]) or "conf"
        got = f" (got {err['input']!r})" if "input" in err and not isinstance(err["input"], dict) else ""
        lines.append(f"{field}: {err['msg']}{got}")
    return "; ".join(lines)


def _resolve_source(request: BaseModel) -> BaseModel:
    source = request.source
    if is_git_source(source):
        return request
    root = Path(os.environ.get("GOLIVE_SOURCE_ROOT", os.getcwd()))
    path = (root / source).resolve()
    if not path.is_dir():
        raise ValueError(f"source: {path} is not a directory (a local path must exist; or give a git URL)")
    return request.model_copy(update={"source": str(path)})


def validate_request(model: type[BaseModel], context: Any, ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Validate the run's conf with ``model`` (second validation after the Params) and record the run.

    A rejected conf is recorded as a rejected run — nothing else — and fails the task without
    retry, naming each field and the rule it broke.
    """
    ti = context["ti"]
    raw = {k: v for k, v in dict(context["params"]).items()}
    ledger = LedgerHook(ledger_conn_id or get_settings().ledger_conn_id).get_conn()
    try:
        request = _resolve_source(model.model_validate(raw))
    except (ValidationError, ValueError) as exc:
        message = format_validation_error(exc) if isinstance(exc, ValidationError) else str(exc)
        ledger.record_run(run_id=ti.run_id, dag_id=ti.dag_id, request=_jsonable(raw), status="rejected",
                          logical_date=context.get("logical_date"), error=message)
        raise GoLiveConfError(f"conf rejected: {message}") from None
    payload = request.model_dump(mode="json")
    ledger.record_run(run_id=ti.run_id, dag_id=ti.dag_id, request=payload, status="accepted",
                      logical_date=context.get("logical_date"))
    if isinstance(request, QualitySubmission):
        ledger.record_submission(run_id=ti.run_id, application=request.application, ref=request.ref,
                                 source=request.source, submitted_by=request.submitted_by)
    return payload


def record_plan(context: Any, plan_task_id: str, ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Record the orchestrator's plan (the routing decision) as the run's planning phase."""
    plan = context["ti"].xcom_pull(task_ids=plan_task_id)
    if not isinstance(plan, dict) or "routing" not in plan:
        raise ValueError(f"task {plan_task_id!r} pushed no plan")
    LedgerHook(ledger_conn_id or get_settings().ledger_conn_id).get_conn().record_phase(
        record_key(context), phase="plan", status="success", summary=plan)
    return plan["routing"]


def final_report(context: Any, ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Record every task's final state, render the HTML/JSON report and settle the run's status.

    Fails (after writing the report) when any task of the run failed, so the DAG run fails too.
    """
    from golive.report import format_summary, render_report, summarize

    ti = context["ti"]
    ledger = LedgerHook(ledger_conn_id or get_settings().ledger_conn_id).get_conn()
    states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id]).get(ti.run_id, {})
    failed = sorted(t for t, s in states.items() if t != ti.task_id and s in ("failed", "upstream_failed"))
    run = ledger.run_record(ti.run_id)
    if run is None:  # the validation task never ran (or crashed before recording): record that now
        ledger.record_run(run_id=ti.run_id, dag_id=ti.dag_id, request=_jsonable(dict(context["params"])),
                          status="failed", error="the run was never validated")
    ledger.record_phase(record_key(context), phase="finish", status="failed" if failed else "success",
                        summary={"task_states": {t: s for t, s in sorted(states.items()) if t != ti.task_id}})
    if run is not None and run["status"] != "rejected":
        ledger.set_run_status(ti.run_id, "failed" if failed else "succeeded",
                              error=f"failed tasks: {', '.join(failed)}" if failed else None)
    report = ledger.run_report(ti.run_id)
    paths = render_report(report, get_settings().run_report_dir(ti.run_id))
    summary = summarize(report)
    for line in format_summary(summary).splitlines():
        print(f"golive verdict: {line}")
    print(f"golive report: {paths.html}")
    print(f"golive report (JSON): {paths.json}")
    if failed:
        raise GoLiveFailed(f"go-live failed; failed tasks: {', '.join(failed)}; report: {paths.html}")
    return {"html": str(paths.html), "json": str(paths.json), "summary": summary}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
