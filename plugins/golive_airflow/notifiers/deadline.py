"""The go-live's Airflow 3 deadline alert: a run still going ``GOLIVE_DEADLINE_MINUTES`` after it was
queued notifies every sink (``golive_overrun``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

from golive.notify import NotifyEvent
from golive.settings import get_settings

CALLBACK = "golive_airflow.notifiers.deadline.notify_overrun"


def overrun_event(context: dict[str, Any], minutes: float) -> NotifyEvent:
    """The event of an overrun from the deadline callback's context (the DAG run as the API shows it)."""
    dag_run = context.get("dag_run") or {}
    conf = dag_run.get("conf") or {}
    deadline = (context.get("deadline") or {}).get("deadline_time")
    return NotifyEvent(kind="golive_overrun", dag_id=str(dag_run.get("dag_id") or "?"),
                       run_id=str(dag_run.get("dag_run_id") or dag_run.get("run_id") or "?"),
                       application=str(conf.get("application") or "?"), version=str(conf.get("version") or "?"),
                       environment=str(conf.get("environment") or "-"), status=str(dag_run.get("state") or "running"),
                       detail=f"still {dag_run.get('state') or 'running'} {minutes:g} minutes after it was queued"
                              + (f" (deadline {deadline})" if deadline else ""))


def notify_overrun(context: dict[str, Any] | None = None, minutes: float = 0.0, **_: Any) -> list[str]:
    """Deadline callback (``SyncCallback``): send the overrun event to every sink; returns the failed sinks."""
    from golive_airflow.notifiers.factory import send

    return send(overrun_event(context or {}, minutes), context or {})


def golive_deadline() -> DeadlineAlert | None:
    """The DAG's ``deadline``: an alert ``GOLIVE_DEADLINE_MINUTES`` after the run is queued (None: unset)."""
    minutes = get_settings().deadline_minutes
    if minutes is None:
        return None
    from airflow.sdk.definitions.callback import SyncCallback

    return DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(minutes=minutes),
                         callback=SyncCallback(CALLBACK, kwargs={"minutes": minutes}), name="golive-overrun")
