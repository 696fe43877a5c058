"""The approvals waiting for a human now: Airflow's own human-in-the-loop records (what the REST API's
``hitlDetails`` and the UI's *Required actions* read), and the UI route where each is answered."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session


def required_action_path(dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> str:
    """The Airflow UI's page that answers a task's approval, as ``HITLOperator.generate_link_to_ui`` builds
    it (``/dags/{dag}/runs/{run}/tasks/{task}/required_actions?map_index=…``), without the UI's base."""
    dag, run, task = (quote(part, safe="") for part in (dag_id, run_id, task_id))
    return f"/dags/{dag}/runs/{run}/tasks/{task}/required_actions?{urlencode({'map_index': map_index})}"


def waiting_approvals(session: Session, runs: Mapping[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Per run of ``runs`` (run id → its DAG id: another DAG's run of the same id is not this one): its
    unanswered approval requests, oldest first — ``dag_id``, ``run_id``, ``task_id``, ``map_index``,
    ``subject``, ``asked_at``, ``assigned`` (the names of who may answer; empty: anyone the auth manager
    lets) and ``path`` (:func:`required_action_path`)."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance

    if not runs:
        return {}
    ti = TaskInstance
    rows = session.execute(
        select(ti.dag_id, ti.run_id, ti.task_id, ti.map_index, HITLDetail.subject, HITLDetail.created_at,
               HITLDetail.assignees)
        .join(ti, HITLDetail.ti_id == ti.id)
        .where(ti.run_id.in_(list(runs)), HITLDetail.responded_at.is_(None))
        .order_by(HITLDetail.created_at)).all()
    waiting: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for dag_id, run_id, task_id, map_index, subject, created_at, assignees in rows:
        if runs[run_id] != dag_id:
            continue
        waiting[run_id].append({
            "dag_id": dag_id, "run_id": run_id, "task_id": task_id, "map_index": map_index, "subject": subject,
            "asked_at": created_at, "assigned": [str(a.get("name") or a.get("id")) for a in assignees or []],
            "path": required_action_path(dag_id, run_id, task_id, map_index)})
    return dict(waiting)
