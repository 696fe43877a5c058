"""The ledger's release-train records: the checkpoint before each phase, each application's go-live
and the rollbacks to a checkpoint. Mixed into :class:`golive.ledger.store.Ledger`; the phases'
monitor verdicts are evaluations (gate ``train-phase-<n>``) like every other gate's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Engine, Table, select

from golive.ledger import schema as t


class TrainRecords:
    """Release-train methods of the ledger (``engine`` and ``_upsert`` come from ``Ledger``)."""

    engine: Engine

    def _upsert(self, conn: Any, table: Table, values: Mapping[str, Any], keys: Iterable[str]) -> Any:
        raise NotImplementedError

    def record_checkpoint(self, *, run_id: str, train: str, phase: int,
                          applications: Mapping[str, Mapping[str, Any] | None]) -> None:
        """Record what every application ran before ``phase`` (a retried task rewrites it)."""
        with self.engine.begin() as conn:
            self._upsert(conn, t.train_checkpoints, {"run_id": run_id, "train": train, "phase": phase,
                                                     "applications": dict(applications)}, ["run_id", "phase"])

    def checkpoints(self, run_id: str) -> list[dict[str, Any]]:
        """The run's checkpoints, by phase."""
        c = t.train_checkpoints
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(c).where(c.c.run_id == run_id).order_by(c.c.phase)).mappings()]

    def record_train_application(self, *, run_id: str, train: str, application: str, phase: int, version: str,
                                 golive_run_id: str, status: str) -> None:
        """Record (or update) one application's go-live in a train run."""
        with self.engine.begin() as conn:
            self._upsert(conn, t.train_applications, {
                "run_id": run_id, "train": train, "application": application, "phase": phase, "version": version,
                "golive_run_id": golive_run_id, "status": status}, ["run_id", "application"])

    def record_train_rollback(self, *, run_id: str, train: str, phase: int, reason: str, ok: bool,
                              steps: list[dict[str, Any]]) -> None:
        """Record the rollback of ``phase`` and every later phase to ``phase``'s checkpoint."""
        with self.engine.begin() as conn:
            self._upsert(conn, t.train_rollbacks, {"run_id": run_id, "train": train, "phase": phase,
                                                   "reason": reason, "ok": ok, "steps": steps}, ["run_id", "phase"])

    def train_report(self, run_id: str) -> dict[str, Any] | None:
        """The run's train: its applications (each with its ``golive`` run's status), checkpoints and
        rollbacks; None when ``run_id`` is no train run."""
        a, r, runs = t.train_applications, t.train_rollbacks, t.runs
        with self.engine.connect() as conn:
            apps = [dict(row) for row in conn.execute(
                select(a, runs.c.status.label("golive_status")).outerjoin(runs, runs.c.run_id == a.c.golive_run_id)
                .where(a.c.run_id == run_id).order_by(a.c.phase, a.c.id)).mappings()]
            rollbacks = [dict(row) for row in conn.execute(
                select(r).where(r.c.run_id == run_id).order_by(r.c.phase)).mappings()]
        checkpoints = self.checkpoints(run_id)
        if not (apps or checkpoints or rollbacks):
            return None
        return {"applications": apps, "checkpoints": checkpoints, "rollbacks": rollbacks}
