"""The ``golive_repair`` DAG's worker tasks: record what the repair pod did, write the run's report.

The pods (``python -m golive.agents.repair``) write their results to the documentation store
(:mod:`golive.repair.layout`) and push them as XCom; the worker owns the ledger (table ``repairs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from golive.settings import get_settings
from golive_airflow.context import REQUEST_TASK_ID, record_key

DIAGNOSE_TASK_ID, REPAIR_TASK_ID, RECORD_TASK_ID, REPORT_TASK_ID = "diagnose", "repair", "record", "report"
REPORT = "report.md"


def _pod_result(context: Mapping[str, Any], task_id: str) -> dict[str, Any]:
    result = context["ti"].xcom_pull(task_ids=task_id)
    if not isinstance(result, dict) or "total" not in result:
        raise ValueError(f"task {task_id!r} pushed no repair result")
    return result


def _ledger(ledger_conn_id: str | None) -> Any:
    from golive_airflow.hooks.ledger import LedgerHook

    return LedgerHook(ledger_conn_id or get_settings().ledger_conn_id).get_conn()


def record(context: Mapping[str, Any], ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Write the repair pod's result to the ledger's ``repairs`` (one row per run and application)."""
    result = _pod_result(context, REPAIR_TASK_ID)
    request = context["ti"].xcom_pull(task_ids=REQUEST_TASK_ID) or {}
    ledger = _ledger(ledger_conn_id)
    row = ledger.record_repair(run_id=context["ti"].run_id,
                               application=str(request.get("application") or result["application"]), result=result)
    ledger.record_phase(record_key(context), phase="repair", status="success",
                        summary={k: result.get(k) for k in ("fixed", "fixable", "total", "resolution_rate",
                                                             "fixable_rate", "introduced", "patch", "branch")})
    return {k: row[k] for k in ("application", "fixed", "fixable", "total", "resolution_rate", "patch", "branch")}


def render_report(result: Mapping[str, Any]) -> str:
    """The run's report in Markdown: counts per category, the resolution, the delivery."""
    rate = result.get("resolution_rate")
    fixable_rate = result.get("fixable_rate")
    lines = [f"# Repair of {result['application']} ({result['run']})", "",
             (f"* findings: {result['total']}, auto-fixable: {result['fixable']}, fixed: {result['fixed']}, "
              f"introduced: {result.get('introduced', 0)}, remaining: {result.get('remaining')}"),
             "* resolution rate (fixed / all findings): " + ("n/a (no findings)" if rate is None else f"{rate:.1%}"),
             ("* fixable rate (fixed auto issues / auto issues): "
              + ("n/a (nothing auto-fixable)" if fixable_rate is None else f"{fixable_rate:.1%}")),
             f"* patch: {result.get('patch') or 'none (nothing changed)'}",
             f"* branch: {result.get('branch') or result.get('branch_note') or 'none'}", "",
             "| category | issues | fixed |", "|---|---|---|"]
    fixed = result.get("fixed_by_category") or {}
    lines += [f"| {c} | {n} | {fixed.get(c, 0)} |" for c, n in sorted((result.get("categories") or {}).items())]
    if result.get("no_data"):
        lines += ["", f"Not counted as fixed (an analyzer did not run on both sides): {', '.join(result['no_data'])}"]
    for fix in result.get("fixers") or []:
        lines.append(f"\n* {fix['fixer']}: {len(fix['files'])} files, rules {', '.join(fix['rules'])}"
                     + (f" — error: {fix['error']}" if fix.get("error") else ""))
    return "\n".join(lines) + "\n"


def report(context: Mapping[str, Any], ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Write ``report.md`` next to the pod's results and settle the run's status (it runs however the
    tasks before it ended: a repair that left no result, or was not recorded, fails the run)."""
    from airflow.sdk import ObjectStoragePath

    from golive.repair.layout import repair_rel
    from golive_airflow.exceptions import GoLiveFailed

    ti = context["ti"]
    ledger = _ledger(ledger_conn_id)
    recorded = ti.xcom_pull(task_ids=RECORD_TASK_ID)
    try:
        result = _pod_result(context, REPAIR_TASK_ID)
        if not isinstance(recorded, dict):
            raise ValueError(f"task {RECORD_TASK_ID!r} recorded nothing")
    except ValueError as exc:
        if ledger.run_record(ti.run_id) is not None:
            ledger.set_run_status(ti.run_id, "failed", error=str(exc))
        raise GoLiveFailed(f"repair failed: {exc}") from None
    url = f"{get_settings().docs_store}/{repair_rel(str(result['application']), context['ti'].run_id, REPORT)}"
    path = ObjectStoragePath(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(result), encoding="utf-8")
    if ledger.run_record(ti.run_id) is not None:
        ledger.set_run_status(ti.run_id, "succeeded")
    return {"report": url, "resolution_rate": result.get("resolution_rate"), "fixed": result["fixed"],
            "total": result["total"]}
