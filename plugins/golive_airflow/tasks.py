"""The orchestrator's own (light) tasks: validate and record the run, record the plan, final report.

These run in the Airflow worker; heavy work runs in pods. Each is an ordinary function of the
task context so it is unit-testable without a DAG.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from golive.models import QualitySubmission
from golive.quotas import QuotaExceeded, window_start
from golive.settings import get_settings
from golive.sources import SourceError, redact, resolve_source
from golive_airflow.context import REQUEST_TASK_ID, pull_commit, record_key
from golive_airflow.exceptions import GoLiveConfError, GoLiveFailed, QuotaRefused
from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.notifiers.events import finished_event, request_of, rollback_event
from golive_airflow.notifiers.factory import send

if TYPE_CHECKING:
    from golive.ledger import Ledger


def _ledger(ledger_conn_id: str | None) -> Ledger:
    """The ledger behind ``ledger_conn_id`` (default: the configured ``golive_ledger`` connection)."""
    return LedgerHook(ledger_conn_id or get_settings().ledger_conn_id).get_conn()


def format_validation_error(error: ValidationError) -> str:
    """One line per problem: ``field: rule (got value)``."""
    lines = []
    for err in error.errors():
        field = ".".join(str(p) for p in err["loc"]) or "conf"
        shown = "input" in err and not isinstance(err["input"], dict) and field != "source"
        got = f" (got {redact(repr(err['input']))})" if shown else ""
        lines.append(f"{field}: {err['msg']}{got}")
    return "; ".join(lines)


def validated_conf(model: type[BaseModel], params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` validated by ``model`` (the DAG's Params came from it), as JSON values.

    :raises GoLiveConfError: naming each field and the rule it broke, before anything is read or written.
    """
    try:
        return model.model_validate(dict(params)).model_dump(mode="json")
    except ValidationError as exc:
        raise GoLiveConfError(f"conf rejected: {format_validation_error(exc)}") from None


def _resolve_source(request: BaseModel) -> BaseModel:
    source = getattr(request, "source")  # noqa: B009 - the request model is any submission model with a source
    settings = get_settings()
    resolved = resolve_source(source, settings.source_root or Path(os.getcwd()), settings.allowed_source_roots)
    return request.model_copy(update={"source": resolved})


def validate_request(model: type[BaseModel], context: Any, ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Validate the run's conf with ``model`` (second validation after the Params) and record the run.

    A rejected conf is recorded as a rejected run — nothing else — and fails the task without
    retry, naming each field and the rule it broke. So is a run whose application has used up a
    quota (``GOLIVE_QUOTAS``, see ``check_quota``).
    """
    ti = context["ti"]
    raw = {k: v for k, v in dict(context["params"]).items()}
    ledger = _ledger(ledger_conn_id)
    try:
        request = _resolve_source(model.model_validate(raw))
    except (ValidationError, ValueError, SourceError) as exc:
        message = format_validation_error(exc) if isinstance(exc, ValidationError) else str(exc)
        ledger.record_run(run_id=ti.run_id, dag_id=ti.dag_id, request=_jsonable(raw), status="rejected",
                          logical_date=context.get("logical_date"), error=message)
        raise GoLiveConfError(f"conf rejected: {message}") from None
    payload = request.model_dump(mode="json")
    try:
        check_quota(ledger, context, str(payload.get("application") or ""))
    except QuotaExceeded as exc:
        ledger.record_run(run_id=ti.run_id, dag_id=ti.dag_id, request=payload, status="rejected",
                          logical_date=context.get("logical_date"), error=str(exc))
        raise QuotaRefused(f"go-live refused: {exc}") from None
    ledger.record_run(run_id=ti.run_id, dag_id=ti.dag_id, request=payload, status="accepted",
                      logical_date=context.get("logical_date"))
    if isinstance(request, QualitySubmission):
        ledger.record_submission(run_id=ti.run_id, application=request.application, ref=request.ref,
                                 source=request.source, submitted_by=request.submitted_by)
    return payload


def _reference_time(context: Any) -> datetime:
    """The run's own time: its logical date, else when it was due to run (a manual run has no logical date)."""
    moment = context.get("logical_date") or getattr(context.get("dag_run"), "run_after", None)
    return moment if isinstance(moment, datetime) else datetime.now(UTC)


def check_quota(ledger: Ledger, context: Any, application: str) -> None:
    """Refuse the run when ``application`` has used up a quota in the 24 h before the run's time.

    :raises QuotaExceeded: naming the quota, the use and the limit.
    """
    policy = get_settings().quota_policy
    if not application or policy.quota_of(application) is None:
        return
    used = ledger.usage_since(application, window_start(_reference_time(context)), exclude_run=context["ti"].run_id)
    policy.check(application, used)


def record_plan(context: Any, plan_task_id: str, ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Record the orchestrator's plan (the routing decision) as the run's planning phase."""
    plan = context["ti"].xcom_pull(task_ids=plan_task_id)
    if not isinstance(plan, dict) or "routing" not in plan:
        raise ValueError(f"task {plan_task_id!r} pushed no plan")
    _ledger(ledger_conn_id).record_phase(record_key(context), phase="plan", status="success", summary=plan)
    routing: dict[str, Any] = plan["routing"]
    return routing


def pull_request_field(context: Any, name: str, request_task_id: str = REQUEST_TASK_ID) -> Any:
    """One field of the validated request."""
    return context["ti"].xcom_pull(task_ids=request_task_id)[name]


def _pod_result(context: Any, pod_task_id: str) -> dict[str, Any]:
    result = context["ti"].xcom_pull(task_ids=pod_task_id)
    if not isinstance(result, dict):
        raise ValueError(f"task {pod_task_id!r} pushed no result")
    return result


def record_pod_phase(context: Any, pod_task_id: str, phase: str,
                     ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Record a pod's JSON result as the summary of ``phase``."""
    result = _pod_result(context, pod_task_id)
    _ledger(ledger_conn_id).record_phase(record_key(context), phase=phase, status="success", summary=result)
    return {"phase": phase, "recorded": True}


def record_revision(context: Any, pod_task_id: str, action: str,
                    ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Record the revision a deployment action (deploy, canary step, promote) produced, with the commit
    the plan pinned; each one is also a heartbeat of the run's delivery lease."""
    result = _pod_result(context, pod_task_id)
    request = context["ti"].xcom_pull(task_ids=REQUEST_TASK_ID)
    revision = result.get("revision")
    ledger = _ledger(ledger_conn_id)
    ledger.record_revision(
        record_key(context), application=request["application"], namespace=request["namespace"],
        deployment=str(result.get("deployment") or result.get("stable_deployment") or request["application"]),
        revision=int(revision) if isinstance(revision, int | str) and str(revision).isdigit() else None,
        version=str(result.get("version") or request["version"]), strategy=request["strategy"], action=action,
        detail={**result, "commit": pull_commit(context)})
    ledger.renew_lease(application=request["application"], environment=str(request.get("environment")),
                       run_id=context["ti"].run_id, ttl=get_settings().delivery_lease_ttl)
    return {"action": action, "revision": revision}


def rollback_reason(context: Any, deploy_task_id: str) -> dict[str, Any]:
    """Why the run rolls back (the failed tasks); skip when this run deployed nothing or nothing failed."""
    from airflow.sdk.exceptions import AirflowSkipException

    ti = context["ti"]
    deployed = ti.xcom_pull(task_ids=deploy_task_id)
    states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id]).get(ti.run_id, {})
    failed = sorted(t for t, s in states.items() if s == "failed")
    if not isinstance(deployed, dict) and deploy_task_id not in failed:
        raise AirflowSkipException("this run deployed nothing: nothing to roll back")
    if not failed:
        raise AirflowSkipException("nothing failed: nothing to roll back")
    return {"reason": f"failed: {', '.join(failed) or 'unknown'}", "failed_tasks": failed}


def record_rollback(context: Any, pod_task_id: str, ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Record the rollback the deployment agent performed and whether it verified it."""
    result = _pod_result(context, pod_task_id)
    request = context["ti"].xcom_pull(task_ids=REQUEST_TASK_ID)
    _ledger(ledger_conn_id).record_rollback(
        record_key(context), application=request["application"], from_version=result.get("from_version"),
        to_version=result.get("to_version"), from_revision=result.get("from_revision"),
        to_revision=result.get("to_revision"), reason=str(result.get("reason", "")),
        verified=bool(result.get("verified")), detail=result)
    send(rollback_event(context, result, request), context)
    return {"verified": bool(result.get("verified"))}


def release_delivery_lease(context: Any, ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Give back the run's delivery lease (``DeliveryLeaseSensor``), however the run ended; a run that
    never took it, or whose expired lease another run took over, releases nothing."""
    ti = context["ti"]
    request = ti.xcom_pull(task_ids=REQUEST_TASK_ID)
    if not isinstance(request, dict) or "application" not in request or "environment" not in request:
        return {"released": False, "reason": "the run was never validated"}
    released = _ledger(ledger_conn_id).release_lease(application=request["application"],
                                                     environment=str(request["environment"]), run_id=ti.run_id)
    return {"released": released, "application": request["application"], "environment": request["environment"]}


def final_report(context: Any, ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Record every task's final state, render the HTML/JSON report and settle the run's status.

    Fails (after writing the report) when any task of the run failed, so the DAG run fails too.
    """
    from golive.docs.store import DOCS_PHASE
    from golive.report import format_summary, render_report, summarize
    from golive_airflow.docs import write_deployment_record

    ti = context["ti"]
    ledger = _ledger(ledger_conn_id)
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
    if any(p.get("phase") == DOCS_PHASE for p in report.get("phases") or []):  # final: promotion and rollbacks too
        try:
            write_deployment_record(report, ti.run_id, str(report["run"].get("application") or "app"))
        except (OSError, ValueError, ImportError) as exc:  # the report must still be written
            print(f"golive: the final deployment record could not be written: {exc}")
    paths = render_report(report, get_settings().run_report_dir(ti.run_id))
    summary = summarize(report)
    for line in format_summary(summary).splitlines():
        print(f"golive verdict: {line}")
    print(f"golive report: {paths.html}")
    print(f"golive report (JSON): {paths.json}")
    send(finished_event(context, request_of(context), failed, str(paths.html)), context)
    if failed:
        raise GoLiveFailed(f"go-live failed; failed tasks: {', '.join(failed)}; report: {paths.html}")
    return {"html": str(paths.html), "json": str(paths.json), "summary": summary}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))
