"""The ledger's feedback records: rows, quarantined batches, insights reports, and the applications
live to collect feedback for. Mixed into :class:`golive.ledger.store.Ledger`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Engine, Table, select

from golive.ledger import schema as t

#: ``feedback.status``: written by a producer, not yet validated; validated; in a quarantined batch.
RECEIVED, ACCEPTED, QUARANTINED = "received", "accepted", "quarantined"
FEEDBACK_FIELDS = ("version", "submitted_at", "rating", "nps", "comment", "channel")


class FeedbackRecords:
    """Feedback methods of the ledger (``engine`` and ``_upsert`` come from ``Ledger``)."""

    engine: Engine

    def _upsert(self, conn: Any, table: Table, values: Mapping[str, Any], keys: Iterable[str]) -> Any:
        raise NotImplementedError

    def submit_feedback(self, application: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Record feedback a producer submits (status ``received``: the next ``golive_feedback`` run
        validates it); ``rows`` carry ``id``, ``submitted_at`` (a datetime) and the other fields.
        Returns how many rows were written."""
        count = 0
        with self.engine.begin() as conn:
            for row in rows:
                self._upsert(conn, t.feedback, {
                    "application": application, "source": "ledger", "external_id": str(row["id"]),
                    **{k: row.get(k) for k in FEEDBACK_FIELDS}, "status": RECEIVED, "batch_id": None,
                }, ["application", "source", "external_id"])
                count += 1
        return count

    def received_feedback(self, application: str) -> list[dict[str, Any]]:
        """The ledger rows of ``application`` not validated yet, as feedback rows (``id`` = their id)."""
        f = t.feedback
        with self.engine.connect() as conn:
            rows = conn.execute(select(f).where(f.c.application == application, f.c.source == "ledger",
                                                f.c.status == RECEIVED).order_by(f.c.id)).mappings()
            return [{"id": r["external_id"], **{k: r[k] for k in FEEDBACK_FIELDS}} for r in rows]

    def record_feedback(self, *, application: str, source: str, batch_id: str,
                        rows: Iterable[Mapping[str, Any]], status: str = ACCEPTED) -> int:
        """Record a validated batch's rows (``status`` accepted, or quarantined for ledger rows of a
        failed batch); ``submitted_at`` is a datetime. Returns how many rows were written."""
        count = 0
        with self.engine.begin() as conn:
            for row in rows:
                self._upsert(conn, t.feedback, {
                    "application": application, "source": source, "external_id": str(row["id"]),
                    **{k: row.get(k) for k in FEEDBACK_FIELDS}, "status": status, "batch_id": batch_id,
                }, ["application", "source", "external_id"])
                count += 1
        return count

    def set_feedback_status(self, *, application: str, external_ids: Iterable[str], status: str,
                            batch_id: str) -> None:
        """Mark ledger rows of ``application`` as validated (``accepted`` / ``quarantined``) by ``batch_id``."""
        f = t.feedback
        ids = [str(i) for i in external_ids]
        with self.engine.begin() as conn:
            conn.execute(f.update().where(f.c.application == application, f.c.source == "ledger",
                                          f.c.external_id.in_(ids)).values(status=status, batch_id=batch_id))

    def accepted_feedback(self, application: str) -> list[dict[str, Any]]:
        """Every accepted row of ``application`` (oldest first), as feedback rows."""
        f = t.feedback
        with self.engine.connect() as conn:
            rows = conn.execute(select(f).where(f.c.application == application, f.c.status == ACCEPTED)
                                .order_by(f.c.submitted_at, f.c.id)).mappings()
            return [{"id": f"{r['source']}:{r['external_id']}", "source": r["source"],
                     **{k: r[k] for k in FEEDBACK_FIELDS}} for r in rows]

    def record_quarantine(self, *, batch_id: str, run_id: str, application: str, source: str, origin: str,
                          location: str, rows: int, failed: list[dict[str, Any]]) -> None:
        """Record a batch that failed validation, the failed expectations and where its file is kept."""
        with self.engine.begin() as conn:
            self._upsert(conn, t.feedback_quarantine, {
                "batch_id": batch_id, "run_id": run_id, "application": application, "source": source,
                "origin": origin, "location": location, "rows": rows, "failed": failed,
            }, ["batch_id"])

    def quarantined_batches(self, application: str | None = None, run_id: str | None = None) -> list[dict[str, Any]]:
        """Quarantined batches (of one application, of one run), oldest first."""
        q = t.feedback_quarantine
        query = select(q).order_by(q.c.id)
        if application is not None:
            query = query.where(q.c.application == application)
        if run_id is not None:
            query = query.where(q.c.run_id == run_id)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def record_feedback_report(self, *, run_id: str, application: str, html_url: str, json_url: str,
                               public_url: str, summary: Mapping[str, Any]) -> None:
        """Link an insights report from the ledger."""
        with self.engine.begin() as conn:
            self._upsert(conn, t.feedback_reports, {
                "run_id": run_id, "application": application, "html_url": html_url, "json_url": json_url,
                "public_url": public_url, "summary": dict(summary),
            }, ["run_id", "application"])

    def feedback_reports(self, application: str) -> list[dict[str, Any]]:
        """The insights reports of ``application``, newest first."""
        r = t.feedback_reports
        with self.engine.connect() as conn:
            return [dict(x) for x in conn.execute(select(r).where(r.c.application == application)
                                                  .order_by(r.c.id.desc())).mappings()]

    def live_applications(self, dag_id: str = "golive") -> list[dict[str, Any]]:
        """Each application whose newest succeeded ``dag_id`` run took it live: its name, version,
        run, request, the profile (the conf's, else the one the plan resolved) and its service URL
        (the newest deploy/promote that recorded one)."""
        runs, phases, revisions = t.runs, t.phase_results, t.revisions
        live: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(select(runs).where(runs.c.dag_id == dag_id, runs.c.status == "succeeded")
                                    .order_by(runs.c.recorded_at, runs.c.run_id)).mappings():
                if row["application"]:
                    live[row["application"]] = dict(row)
            out = []
            for name, run in sorted(live.items()):
                request = run["request"] if isinstance(run["request"], dict) else {}
                profile = request.get("profile")
                if not isinstance(profile, dict):
                    plan = conn.execute(select(phases.c.summary).where(
                        phases.c.run_id == run["run_id"], phases.c.phase == "plan")
                        .order_by(phases.c.id.desc())).scalar()
                    profile = ((plan or {}).get("application_profile") or {}).get("profile") \
                        if isinstance(plan, dict) else None
                url = None
                for detail in conn.execute(select(revisions.c.detail).where(revisions.c.application == name)
                                           .order_by(revisions.c.id.desc())).scalars():
                    if isinstance(detail, dict) and (detail.get("live_url") or detail.get("service_url")):
                        url = detail.get("live_url") or detail.get("service_url")
                        break
                out.append({"application": name, "version": run["version"], "run_id": run["run_id"],
                            "request": request, "profile": profile if isinstance(profile, dict) else {},
                            "service_url": url})
        return out

