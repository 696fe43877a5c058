"""The ledger's usage records: what each agent pod of a run requested and, where measured, used;
and what an application used over a window (the input of ``golive.quotas``).
Mixed into :class:`golive.ledger.store.Ledger`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Table, func, select

from golive.ledger import schema as t

if TYPE_CHECKING:
    from golive.ledger.store import RecordKey

#: Columns a usage record carries besides its key (run, task, try, pod name).
USAGE_FIELDS = ("application", "phase", "profile", "cpu_request", "memory_request", "gpu_request", "cpu_seconds",
                "peak_memory_bytes", "wall_seconds", "started_at", "finished_at")


class UsageRecords:
    """Usage methods of the ledger (``engine`` and ``_upsert`` come from ``Ledger``)."""

    engine: Engine

    def _upsert(self, conn: Any, table: Table, values: Mapping[str, Any], keys: Iterable[str]) -> Any:
        raise NotImplementedError

    def record_usage(self, key: RecordKey, *, pod_name: str, **values: Any) -> None:
        """Record one pod's usage (see :data:`USAGE_FIELDS`); a retried task rewrites its own row."""
        unknown = sorted(set(values) - set(USAGE_FIELDS))
        if unknown:
            raise TypeError(f"record_usage: unknown fields {unknown}")
        with self.engine.begin() as conn:
            self._upsert(conn, t.usage, {
                "run_id": key.run_id, "task_id": key.task_id, "try_number": key.try_number, "pod_name": pod_name,
                **{name: values.get(name) for name in USAGE_FIELDS},
            }, ["run_id", "task_id", "try_number", "pod_name"])

    def run_usage(self, run_id: str) -> list[dict[str, Any]]:
        """Every usage row of a run, oldest first."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(t.usage).where(t.usage.c.run_id == run_id)
                                                  .order_by(t.usage.c.id)).mappings()]

    def run_costs(self, run_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Per run (of ``run_ids``): pods, requested CPU-seconds, measured CPU-seconds (None when no pod was
        measured) and GPU-seconds — the board's cost columns."""
        ids = list(run_ids)
        if not ids:
            return {}
        wall = func.coalesce(t.usage.c.wall_seconds, 0.0)
        with self.engine.connect() as conn:
            rows = conn.execute(select(
                t.usage.c.run_id, func.count().label("pods"),
                func.sum(t.usage.c.cpu_request * wall).label("cpu_seconds_requested"),
                func.sum(t.usage.c.cpu_seconds).label("cpu_seconds_measured"),  # SUM ignores NULL: None if all are
                func.sum(t.usage.c.gpu_request * wall).label("gpu_seconds"),
            ).where(t.usage.c.run_id.in_(ids)).group_by(t.usage.c.run_id)).mappings().all()
        return {r["run_id"]: dict(r) for r in rows}

    def usage_since(self, application: str, since: datetime, *, exclude_run: str | None = None) -> dict[str, float]:
        """What ``application`` used since ``since``: accepted (not rejected) runs, pods, requested
        CPU-seconds (cores × wall) and GPU-seconds (GPUs × wall); ``exclude_run`` (the run asking, on a
        retry) is left out."""
        moment = since.astimezone(UTC)
        if self.engine.dialect.name == "sqlite":  # SQLite keeps naive UTC timestamps
            moment = moment.replace(tzinfo=None)
        wall = func.coalesce(t.usage.c.wall_seconds, 0.0)
        with self.engine.connect() as conn:
            runs = conn.execute(select(func.count()).select_from(t.runs).where(
                t.runs.c.application == application, t.runs.c.status != "rejected",
                t.runs.c.recorded_at >= moment, t.runs.c.run_id != (exclude_run or ""))).scalar_one()
            pods, cpu, gpu = conn.execute(select(
                func.count(), func.coalesce(func.sum(t.usage.c.cpu_request * wall), 0.0),
                func.coalesce(func.sum(t.usage.c.gpu_request * wall), 0.0)).where(
                t.usage.c.application == application, t.usage.c.recorded_at >= moment,
                t.usage.c.run_id != (exclude_run or ""))).one()
        return {"runs": float(runs), "pods": float(pods), "cpu_seconds": float(cpu), "gpu_seconds": float(gpu)}
