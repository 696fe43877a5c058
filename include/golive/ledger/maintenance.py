"""The ledger's maintenance records: what each ``golive_maintenance`` run found, proposed, rotated and
deleted, what a live application was known to have at its go-live, and the retention policy.
Mixed into :class:`golive.ledger.store.Ledger`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, delete, select

from golive.ledger import schema as t

#: ``maintenance.kind``: an advisory, a proposed update, a rotated secret key, a retention deletion.
FINDING, UPDATE, ROTATION, RETENTION = "finding", "update", "rotation", "retention"
#: Ledger rows of a run the retention deletes (evaluations take their criteria, findings, waivers and
#: approvals with them); revisions, rollbacks, secret key names and feedback rows are the audit trail
#: and stay.
RUN_TABLES = ("phase_results", "submissions", "evaluations")


class MaintenanceRecords:
    """Maintenance methods of the ledger (``engine`` and ``_upsert`` come from ``Ledger``)."""

    engine: Engine

    def _upsert(self, conn: Any, table: Table, values: Mapping[str, Any], keys: Iterable[str]) -> Any:
        raise NotImplementedError

    def record_maintenance(self, *, run_id: str, application: str, kind: str,
                           rows: Iterable[Mapping[str, Any]]) -> int:
        """Record ``rows`` (each ``item``, ``status``, ``detail``) of one kind; a retried task rewrites them.
        Returns how many were written."""
        count = 0
        with self.engine.begin() as conn:
            for row in rows:
                self._upsert(conn, t.maintenance, {
                    "run_id": run_id, "application": application, "kind": kind, "item": str(row["item"])[:512],
                    "status": str(row["status"]), "detail": dict(row.get("detail") or {}),
                }, ["run_id", "application", "kind", "item"])
                count += 1
        return count

    def maintenance_rows(self, *, application: str | None = None, kind: str | None = None,
                         run_id: str | None = None) -> list[dict[str, Any]]:
        """Recorded maintenance rows, oldest first (optionally of one application, kind, run)."""
        m = t.maintenance
        query = select(m).order_by(m.c.id)
        for column, value in (("application", application), ("kind", kind), ("run_id", run_id)):
            if value is not None:
                query = query.where(m.c[column] == value)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def known_fingerprints(self, run_id: str, gate: str = "security") -> list[str] | None:
        """The fingerprints of the findings ``gate`` recorded in ``run_id`` (what the go-live knew of);
        None when the run recorded no evaluation of ``gate``."""
        e, f = t.evaluations, t.findings
        with self.engine.connect() as conn:
            if conn.execute(select(e.c.id).where(e.c.run_id == run_id, e.c.gate == gate).limit(1)).first() is None:
                return None
            return sorted(set(conn.execute(select(f.c.fingerprint).join(e, f.c.evaluation_id == e.c.id).where(
                e.c.run_id == run_id, e.c.gate == gate)).scalars()))

    def known_since_findings(self, application: str) -> list[str]:
        """The advisory fingerprints earlier maintenance runs already reported for ``application``."""
        m = t.maintenance
        with self.engine.connect() as conn:
            return sorted(set(conn.execute(select(m.c.item).where(
                m.c.application == application, m.c.kind == FINDING)).scalars()))

    def phase_summary(self, run_id: str, phase: str) -> dict[str, Any] | None:
        """The newest summary ``phase`` recorded in ``run_id`` (the plan's holds the pinned ``commit``)."""
        p = t.phase_results
        with self.engine.connect() as conn:
            summary = conn.execute(select(p.c.summary).where(p.c.run_id == run_id, p.c.phase == phase)
                                   .order_by(p.c.id.desc())).scalar()
        return summary if isinstance(summary, dict) else None

    def live_deployments(self, application: str, run_id: str) -> dict[str, Any]:
        """Where the go-live ``run_id`` put ``application``: its namespace, the Deployments its deploy and
        promote actions wrote (newest first) and when it went live (the newest such row, else the run's
        logical date or record time)."""
        r, runs = t.revisions, t.runs
        with self.engine.connect() as conn:
            rows = conn.execute(select(r).where(r.c.application == application, r.c.run_id == run_id,
                                                r.c.action.in_(("deploy", "promote")))
                                .order_by(r.c.id.desc())).mappings().all()
            run = conn.execute(select(runs).where(runs.c.run_id == run_id)).mappings().first()
        deployments = list(dict.fromkeys(str(x["deployment"]) for x in rows if x["action"] == "promote"
                                         or not any(y["action"] == "promote" for y in rows)))
        moments = [x["recorded_at"] for x in rows] or ([m for m in (run["logical_date"], run["recorded_at"]) if m]
                                                       if run is not None else [])
        live_since = max((_utc(m) for m in moments), default=None)
        return {"namespace": str(rows[0]["namespace"]) if rows else None, "deployments": deployments,
                "live_since": live_since}

    def apply_retention(self, *, cutoff: datetime, keep_runs: Iterable[str], run_id: str) -> dict[str, Any]:
        """Delete what is older than ``cutoff``: the per-run rows (:data:`RUN_TABLES`) of runs recorded
        before it — never those of ``keep_runs`` (the live go-lives) — and maintenance and feedback-report
        rows recorded before it. Returns the run ids whose rows were deleted, the count per table and the
        files of the deleted feedback reports (``files``: for the caller to delete)."""
        runs, m, fr = t.runs, t.maintenance, t.feedback_reports
        keep = set(keep_runs) | {run_id}
        cutoff = _utc(cutoff)
        counts: dict[str, int] = {}
        with self.engine.begin() as conn:
            old = sorted({r for r in conn.execute(select(runs.c.run_id).where(runs.c.recorded_at < cutoff))
                          .scalars() if r not in keep})
            for name in RUN_TABLES:
                table = t.metadata.tables[name]
                if name == "evaluations":
                    ids = list(conn.execute(select(table.c.id).where(table.c.run_id.in_(old))).scalars())
                    for child in ("approvals", "waivers", "findings", "criteria"):
                        child_table = t.metadata.tables[child]
                        conn.execute(delete(child_table).where(child_table.c.evaluation_id.in_(ids)))
                counts[name] = conn.execute(delete(table).where(table.c.run_id.in_(old))).rowcount
            counts["maintenance"] = conn.execute(delete(m).where(m.c.recorded_at < cutoff,
                                                                 m.c.run_id != run_id)).rowcount
            files = [u for row in conn.execute(select(fr.c.html_url, fr.c.json_url).where(fr.c.recorded_at < cutoff))
                     for u in row]
            counts["feedback_reports"] = conn.execute(delete(fr).where(fr.c.recorded_at < cutoff)).rowcount
            counts["runs"] = conn.execute(delete(runs).where(runs.c.run_id.in_(old),
                                                             runs.c.dag_id != "golive")).rowcount
        return {"runs": old, "deleted": counts, "files": files}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
