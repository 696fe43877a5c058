"""Notification events built from what a task knows: its context, the gate's verdict, the request."""

from __future__ import annotations

from typing import Any

from golive.notify import EventKind, NotifyEvent
from golive.settings import get_settings
from golive_airflow.context import REQUEST_TASK_ID

_GATE_KINDS: dict[str, EventKind] = {"FAIL": "gate_failed", "WARNING": "gate_warning"}


def request_of(context: Any, request_task_id: str = REQUEST_TASK_ID) -> dict[str, Any]:
    """The validated request of the run (empty when the validation never ran)."""
    request = context["ti"].xcom_pull(task_ids=request_task_id)
    return request if isinstance(request, dict) else {}


def ui_base_url() -> str:
    """The Airflow UI's base URL: ``GOLIVE_UI_BASE_URL``, else ``[api] base_url``, else the local platform's."""
    from airflow.configuration import conf

    return (get_settings().ui_base_url or conf.get("api", "base_url", fallback=None)
            or "http://127.0.0.1:8080").rstrip("/")


def run_link(context: Any) -> str:
    """The run's page in the Airflow UI."""
    from urllib.parse import quote

    ti = context["ti"]
    return f"{ui_base_url()}/dags/{quote(ti.dag_id, safe='')}/runs/{quote(ti.run_id, safe='')}"


def _facts(context: Any, request: dict[str, Any]) -> dict[str, Any]:
    ti = context["ti"]
    return {"dag_id": ti.dag_id, "run_id": ti.run_id, "application": str(request.get("application") or "?"),
            "version": str(request.get("version") or request.get("ref") or "?"),
            "environment": str(request.get("environment") or "-")}


def gate_event(context: Any, evaluation: dict[str, Any], request: dict[str, Any]) -> NotifyEvent | None:
    """The event of a gate verdict: FAIL or WARNING (a PASS tells no one)."""
    kind = _GATE_KINDS.get(str(evaluation.get("status")))
    if kind is None:
        return None
    return NotifyEvent(kind=kind, **_facts(context, request), gate=str(evaluation["gate"]),
                       status=str(evaluation["status"]), score=float(evaluation["score"]),
                       threshold=float(evaluation["threshold"]), reasons=tuple(evaluation.get("reasons") or ()),
                       detail=f"ledger evaluation {evaluation.get('id')}", link=run_link(context))


def approval_event(context: Any, summary: dict[str, Any], request: dict[str, Any], link: str | None, *,
                   kind: EventKind = "approval_requested", detail: str = "") -> NotifyEvent:
    """The event of an approval asked for (with the link to the task's Required actions page), or refused."""
    return NotifyEvent(kind=kind, **_facts(context, request), gate=str(summary["gate"]),
                       status=str(summary["status"]), score=float(summary["score"]),
                       threshold=float(summary["threshold"]), reasons=tuple(summary.get("reasons") or ()),
                       link=link, detail=detail)


def rollback_event(context: Any, result: dict[str, Any], request: dict[str, Any]) -> NotifyEvent:
    """The event of a rollback done: from and to which version, why, and whether it was verified."""
    verified = bool(result.get("verified"))
    return NotifyEvent(kind="rollback_done", **_facts(context, request),
                       status="verified" if verified else "unverified",
                       reasons=(str(result.get("reason") or "no reason recorded"),),
                       detail=(f"from {result.get('from_version')} (revision {result.get('from_revision')}) to "
                               f"{result.get('to_version')} (revision {result.get('to_revision')})"),
                       extra={"verified": verified}, link=run_link(context))


def finished_event(context: Any, request: dict[str, Any], failed: list[str], report: str | None) -> NotifyEvent:
    """The event of a go-live that ended: succeeded, or failed with the failed tasks as reasons."""
    return NotifyEvent(kind="golive_finished", **_facts(context, request),
                       status="failed" if failed else "succeeded",
                       reasons=tuple(f"failed: {task}" for task in failed),
                       detail=f"report: {report}" if report else "", link=run_link(context))


def advisories_event(context: Any, application: str, version: str, new: list[dict[str, Any]],
                     notice: str) -> NotifyEvent:
    """The event of advisories published after ``application`` went live (``golive_maintenance``'s rescan)."""
    return NotifyEvent(kind="advisories_found", **{**_facts(context, {}), "application": application,
                                                  "version": version or "?"},
                       status=f"{len(new)} new",
                       reasons=tuple(f"{a['primary']} ({a.get('severity') or 'severity unknown'}): {a['package']} "
                                     f"{a['version']}, fixed in {', '.join(a.get('fixed') or []) or 'no known version'}"
                                     for a in new),
                       detail=f"notice: {notice}", link=run_link(context))
