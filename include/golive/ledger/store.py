"""The ledger: where every run, verdict, criterion, finding and approval is recorded.

``Ledger`` wraps a SQLAlchemy engine (PostgreSQL in production, SQLite as the embedded default).
It has no Airflow import: the agents' CLIs use it directly; inside Airflow the ``LedgerHook`` builds
the engine from the ``golive_ledger`` connection and hands it over.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, select
from sqlalchemy.dialects import postgresql, sqlite

from golive.errors import GoliveError
from golive.ledger import schema as t
from golive.ledger.feedback import FeedbackRecords
from golive.ledger.history import HistoryRecords
from golive.ledger.maintenance import MaintenanceRecords
from golive.ledger.repairs import RepairRecords
from golive.ledger.train import TrainRecords
from golive.ledger.usage import UsageRecords
from golive.models import ApprovalDecision, Finding, Verdict

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class LedgerError(GoliveError):
    """The ledger could not be reached or holds no record a caller relies on."""


def default_url() -> str:
    """``GOLIVE_LEDGER_URL`` if set, else the embedded SQLite file under ``$GOLIVE_HOME``."""
    from golive.settings import get_settings

    settings = get_settings()
    return settings.ledger_url or f"sqlite:///{settings.home / 'ledger.sqlite'}"


class ApprovalConflict(LedgerError):
    """An evaluation already has a different decision: the first decision stands, the second is refused."""


@dataclass(frozen=True)
class RecordKey:
    """Identifies what wrote a record: the DAG run, the task and its try (the idempotency key)."""

    run_id: str
    task_id: str
    try_number: int = 1


def _enable_sqlite_fk(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _private_file(path: Path) -> None:
    """Create ``path`` readable by its owner only (0600, in a 0700 directory when this makes it), or
    take group and other permissions off an existing one: the ledger holds every run's record."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    except PermissionError as exc:
        raise LedgerError(f"the ledger file {path} cannot be made private (0600): {exc.strerror}") from None


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite files get a private file (0600), foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            _private_file(Path(path))
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _enable_sqlite_fk)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Ledger(FeedbackRecords, MaintenanceRecords, UsageRecords, RepairRecords, HistoryRecords,
             TrainRecords):
    """Read and write golive's records; every write is an idempotent UPSERT.

    :param engine: a SQLAlchemy engine (see ``make_engine``), owned by the caller or a LedgerHook.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        if engine.dialect.name not in ("postgresql", "sqlite"):
            raise LedgerError(f"unsupported ledger database {engine.dialect.name!r}: use PostgreSQL or SQLite")

    @classmethod
    def from_url(cls, url: str | None = None, migrate: bool = True) -> Ledger:
        """Open the ledger at ``url`` (default: ``default_url()``), migrating it to the latest schema."""
        ledger = cls(make_engine(url or default_url()))
        if migrate:
            ledger.migrate()
        return ledger

    # -- schema -------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Upgrade the ledger schema to the newest Alembic revision (safe to call every time)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    # -- helpers ------------------------------------------------------------------------------
    def _upsert(self, conn: Any, table: Table, values: Mapping[str, Any], keys: Iterable[str]) -> Any:
        keys = list(keys)
        stmt = self._insert(table).values(**values)
        update = {k: stmt.excluded[k] for k in values if k not in keys and k != "id"}
        if update:
            stmt = stmt.on_conflict_do_update(index_elements=keys, set_=update)
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=keys)
        conn.execute(stmt)
        if "id" in table.c:
            where = [table.c[k] == values[k] for k in keys]
            return conn.execute(select(table.c.id).where(*where)).scalar_one()
        return None

    # -- runs ---------------------------------------------------------------------------------
    def record_run(self, *, run_id: str, dag_id: str, request: Mapping[str, Any], status: str,
                   logical_date: datetime | None = None, error: str | None = None) -> None:
        """Record (or update) a go-live run; ``request`` is the validated conf or the rejected raw conf."""
        app = request.get("application") if isinstance(request.get("application"), str) else None
        with self.engine.begin() as conn:
            if status != "rejected" and app:
                self._upsert(conn, t.applications, {"name": app, "source": str(request.get("source", ""))},
                             ["name"])
            self._upsert(conn, t.runs, {
                "run_id": run_id, "dag_id": dag_id, "application": app,
                "version": _str_or_none(request.get("version")),
                "environment": _str_or_none(request.get("environment")),
                "strategy": _str_or_none(request.get("strategy")),
                "logical_date": logical_date, "status": status, "request": dict(request), "error": error,
            }, ["run_id"])

    def set_run_status(self, run_id: str, status: str, error: str | None = None) -> None:
        """Mark a recorded run finished (``succeeded`` / ``failed``)."""
        with self.engine.begin() as conn:
            result = conn.execute(t.runs.update().where(t.runs.c.run_id == run_id)
                                  .values(status=status, error=error))
            if result.rowcount == 0:
                raise LedgerError(f"run {run_id!r} is not in the ledger; its start task never recorded it")

    def record_phase(self, key: RecordKey, *, phase: str, status: str, summary: Mapping[str, Any]) -> None:
        """Record what a phase task did (its short summary), keyed by run, task and try."""
        with self.engine.begin() as conn:
            self._upsert(conn, t.phase_results, {
                "run_id": key.run_id, "task_id": key.task_id, "try_number": key.try_number,
                "phase": phase, "status": status, "summary": dict(summary),
            }, ["run_id", "task_id", "try_number"])

    def record_submission(self, *, run_id: str, application: str, ref: str, source: str,
                          submitted_by: str) -> None:
        """Record a submission to quality verification."""
        with self.engine.begin() as conn:
            self._upsert(conn, t.applications, {"name": application, "source": source}, ["name"])
            self._upsert(conn, t.submissions, {
                "run_id": run_id, "application": application, "ref": ref, "source": source,
                "submitted_by": submitted_by,
            }, ["run_id", "application", "ref"])

    # -- verdicts -----------------------------------------------------------------------------
    def record_evaluation(self, key: RecordKey, *, application: str, ref: str, verdict: Verdict,
                          findings: Iterable[Finding] = (), inputs: Any = None, commit: str | None = None) -> int:
        """Record a gate's verdict with its criteria, findings, waivers and raw inputs; returns its id.

        Re-running the same try replaces that try's rows; a new try is a new evaluation.

        :param commit: the commit the verdict is about (the plan's git SHA or ``tree:<sha256>``).
        """
        with self.engine.begin() as conn:
            eval_id = self._upsert(conn, t.evaluations, {
                "run_id": key.run_id, "task_id": key.task_id, "try_number": key.try_number,
                "gate": verdict.gate, "application": application, "ref": ref,
                "status": verdict.status.value, "score": verdict.score, "threshold": verdict.threshold,
                "warning_floor": verdict.warning_floor, "reasons": list(verdict.reasons),
                "inputs": inputs if inputs is not None else {}, "commit": commit,
            }, ["run_id", "task_id", "try_number"])
            conn.execute(t.criteria.delete().where(t.criteria.c.evaluation_id == eval_id))
            conn.execute(t.findings.delete().where(t.findings.c.evaluation_id == eval_id))
            conn.execute(t.waivers.delete().where(t.waivers.c.evaluation_id == eval_id))
            for c in verdict.criteria:
                conn.execute(t.criteria.insert().values(
                    evaluation_id=eval_id, name=c.name, value=c.value, unit=c.unit, threshold=c.threshold,
                    status=c.status.value, weight=c.weight, key=c.key, optional=c.optional, reason=c.reason,
                    raw_value=c.raw_value))
            for w in verdict.waivers:
                conn.execute(t.waivers.insert().values(
                    evaluation_id=eval_id, fingerprint=w.fingerprint, waiver=w.waiver, tool=w.tool,
                    rule_id=w.rule_id, path=w.path, line=w.line, measurement=w.measurement,
                    status=w.status.value, reason=w.reason, owner=w.owner, expires=w.expires, note=w.note))
            seen: set[str] = set()
            for f in findings:
                if f.fingerprint in seen:
                    continue
                seen.add(f.fingerprint)
                conn.execute(t.findings.insert().values(
                    evaluation_id=eval_id, tool=f.tool, rule_id=f.rule_id, severity=f.severity.value,
                    message=f.message, path=f.path, line=f.line, fingerprint=f.fingerprint))
        return int(eval_id)

    def latest_evaluation(self, *, gate: str, application: str, ref: str, run_id: str | None = None,
                          commit: str | None = None) -> dict[str, Any] | None:
        """The newest evaluation of ``gate`` for this application and ref (optionally of one run, and
        of one commit: a verdict about another commit never matches)."""
        e = t.evaluations
        query = select(e).where(e.c.gate == gate, e.c.application == application, e.c.ref == ref)
        if run_id is not None:
            query = query.where(e.c.run_id == run_id)
        if commit is not None:
            query = query.where(e.c.commit == commit)
        query = query.order_by(e.c.id.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
            if row is None:
                return None
            result = dict(row)
            result["criteria"] = [dict(r) for r in conn.execute(
                select(t.criteria).where(t.criteria.c.evaluation_id == row["id"]).order_by(t.criteria.c.id)
            ).mappings()]
            result["waivers"] = self._waivers(conn, row["id"])
        return result

    @staticmethod
    def _waivers(conn: Any, evaluation_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in conn.execute(select(t.waivers).where(
            t.waivers.c.evaluation_id == evaluation_id).order_by(t.waivers.c.id)).mappings()]

    def record_approval(self, *, evaluation_id: int, run_id: str, task_id: str,
                        decision: ApprovalDecision) -> None:
        """Record the human (or automatic) decision of one approval task on an evaluation, once: the
        first decision stands. The gate's approval and the promotion's (prod asks again about the testing
        verdict) are two questions, each with its own decision.

        Recording the same decision again (a retried task) changes nothing.

        :raises ApprovalConflict: this task already decided otherwise on the evaluation (that is kept).
        """
        a = t.approvals
        with self.engine.begin() as conn:
            conn.execute(self._insert(a).values(
                evaluation_id=evaluation_id, run_id=run_id, task_id=task_id, decision=decision.decision,
                approver=decision.approver, comment=decision.comment,
            ).on_conflict_do_nothing(index_elements=["evaluation_id", "task_id"]))
            first = conn.execute(select(a).where(a.c.evaluation_id == evaluation_id,
                                                 a.c.task_id == task_id)).mappings().one()
        if (first["decision"], first["approver"], first["comment"]) != (
                decision.decision, decision.approver, decision.comment):
            raise ApprovalConflict(
                f"evaluation {evaluation_id} was already {first['decision']} by {first['approver']} "
                f"(task {first['task_id']} of run {first['run_id']}); the first decision stands, "
                f"{decision.decision} by {decision.approver} was not recorded")

    def record_approval_refusal(self, *, evaluation_id: int, run_id: str, task_id: str, responder: str,
                                chosen: str, reason: str) -> None:
        """Record an answer the approver policy refused (it decided nothing; the question stays open)."""
        with self.engine.begin() as conn:
            conn.execute(t.approval_refusals.insert().values(
                evaluation_id=evaluation_id, run_id=run_id, task_id=task_id, responder=responder[:200],
                chosen=chosen[:32], reason=reason))

    def approval_refusals(self, evaluation_id: int) -> list[dict[str, Any]]:
        """The refused answers about one evaluation, oldest first."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(t.approval_refusals).where(
                t.approval_refusals.c.evaluation_id == evaluation_id).order_by(t.approval_refusals.c.id)).mappings()]

    # -- delivery -----------------------------------------------------------------------------
    def record_revision(self, key: RecordKey, *, application: str, namespace: str, deployment: str,
                        revision: int | None, version: str, strategy: str, action: str,
                        detail: Mapping[str, Any]) -> None:
        """Record a deployment action (deploy, canary step, promote, rollback) and the revision it made."""
        with self.engine.begin() as conn:
            self._upsert(conn, t.revisions, {
                "run_id": key.run_id, "task_id": key.task_id, "try_number": key.try_number,
                "application": application, "namespace": namespace, "deployment": deployment,
                "revision": revision, "version": version, "strategy": strategy, "action": action,
                "detail": dict(detail),
            }, ["run_id", "task_id", "try_number"])

    def record_rollback(self, key: RecordKey, *, application: str, from_version: str | None,
                        to_version: str | None, from_revision: int | None, to_revision: int | None,
                        reason: str, verified: bool, detail: Mapping[str, Any]) -> None:
        """Record a rollback, why it happened and whether it was verified."""
        with self.engine.begin() as conn:
            self._upsert(conn, t.rollbacks, {
                "run_id": key.run_id, "task_id": key.task_id, "try_number": key.try_number,
                "application": application, "from_version": from_version, "to_version": to_version,
                "from_revision": from_revision, "to_revision": to_revision, "reason": reason,
                "verified": verified, "detail": dict(detail),
            }, ["run_id", "task_id", "try_number"])

    def record_secret_keys(self, *, run_id: str, application: str, environment: str, backend: str,
                           location: str, created: Mapping[str, bool]) -> None:
        """Record which secret keys exist for an application (never their values)."""
        with self.engine.begin() as conn:
            for name, was_created in sorted(created.items()):
                self._upsert(conn, t.secret_keys, {
                    "application": application, "environment": environment, "backend": backend,
                    "location": location, "key": name, "run_id": run_id, "created": was_created,
                }, ["application", "environment", "backend", "key"])

    def secret_keys(self, application: str, environment: str) -> list[dict[str, Any]]:
        """The recorded secret keys of an application in an environment."""
        k = t.secret_keys
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(k).where(
                k.c.application == application, k.c.environment == environment).order_by(k.c.key)).mappings()]

    # -- delivery lease -----------------------------------------------------------------------
    def acquire_lease(self, *, application: str, environment: str, run_id: str, ttl: float,
                      now: datetime | None = None) -> tuple[bool, dict[str, Any]]:
        """Take (or renew) the delivery lease of ``application`` in ``environment`` for ``run_id``.

        Atomic on SQLite and PostgreSQL: an INSERT on the unique (application, environment) key, else
        an UPDATE that only matches when this run already holds the lease (a renewal) or the holder's
        lease expired (a takeover). Returns whether ``run_id`` holds it now, and the holder's row.

        :param ttl: seconds the lease is valid from now; after that another run may take it over.
        """
        now = _utc(now or datetime.now(UTC))
        expires = now + timedelta(seconds=ttl)
        lease = t.leases
        mine = (lease.c.application == application, lease.c.environment == environment)
        with self.engine.begin() as conn:
            inserted = conn.execute(self._insert(lease).values(
                application=application, environment=environment, run_id=run_id, acquired_at=now,
                heartbeat_at=now, expires_at=expires).on_conflict_do_nothing(
                index_elements=["application", "environment"])).rowcount == 1
            acquired = inserted or conn.execute(lease.update().where(*mine, lease.c.run_id == run_id).values(
                heartbeat_at=now, expires_at=expires)).rowcount == 1 or conn.execute(
                lease.update().where(*mine, lease.c.expires_at < now).values(
                    run_id=run_id, acquired_at=now, heartbeat_at=now, expires_at=expires)).rowcount == 1
            row = conn.execute(select(lease).where(*mine)).mappings().one()
        return acquired, _lease_row(row)

    def renew_lease(self, *, application: str, environment: str, run_id: str, ttl: float,
                    now: datetime | None = None) -> bool:
        """Heartbeat: extend the lease by ``ttl`` from now if ``run_id`` still holds it (never takes it)."""
        now = _utc(now or datetime.now(UTC))
        lease = t.leases
        with self.engine.begin() as conn:
            return bool(conn.execute(lease.update().where(
                lease.c.application == application, lease.c.environment == environment,
                lease.c.run_id == run_id).values(heartbeat_at=now, expires_at=now + timedelta(seconds=ttl))
            ).rowcount == 1)

    def release_lease(self, *, application: str, environment: str, run_id: str) -> bool:
        """Release the lease if ``run_id`` holds it (a run whose lease was taken over releases nothing)."""
        lease = t.leases
        with self.engine.begin() as conn:
            return bool(conn.execute(lease.delete().where(
                lease.c.application == application, lease.c.environment == environment,
                lease.c.run_id == run_id)).rowcount == 1)

    def leases(self) -> list[dict[str, Any]]:
        """Every delivery lease held now, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.leases).order_by(t.leases.c.acquired_at)).mappings().all()
        return [_lease_row(row) for row in rows]

    def lease(self, application: str, environment: str) -> dict[str, Any] | None:
        """The current holder of the delivery lease, or None."""
        lease = t.leases
        with self.engine.connect() as conn:
            row = conn.execute(select(lease).where(lease.c.application == application,
                                                   lease.c.environment == environment)).mappings().first()
        return _lease_row(row) if row else None

    # -- reading ------------------------------------------------------------------------------
    def run_record(self, run_id: str) -> dict[str, Any] | None:
        """The run row, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.runs).where(t.runs.c.run_id == run_id)).mappings().first()
        return dict(row) if row else None

    def run_report(self, run_id: str) -> dict[str, Any]:
        """Everything recorded for one run: the run, its phases, evaluations (with criteria,
        findings — each with the waiver that matched it, or None —, waivers and approvals), and —
        when the run deployed — its revisions and rollbacks: the input of the HTML/JSON report."""
        with self.engine.connect() as conn:
            run = conn.execute(select(t.runs).where(t.runs.c.run_id == run_id)).mappings().first()
            if run is None:
                raise LedgerError(f"run {run_id!r} is not in the ledger")
            phases = [dict(r) for r in conn.execute(
                select(t.phase_results).where(t.phase_results.c.run_id == run_id)
                .order_by(t.phase_results.c.id)).mappings()]
            evals = []
            for row in conn.execute(select(t.evaluations).where(t.evaluations.c.run_id == run_id)
                                    .order_by(t.evaluations.c.id)).mappings():
                ev = dict(row)
                ev["criteria"] = [dict(r) for r in conn.execute(
                    select(t.criteria).where(t.criteria.c.evaluation_id == row["id"])
                    .order_by(t.criteria.c.id)).mappings()]
                ev["findings"] = [dict(r) for r in conn.execute(
                    select(t.findings).where(t.findings.c.evaluation_id == row["id"])
                    .order_by(t.findings.c.id)).mappings()]
                ev["waivers"] = self._waivers(conn, row["id"])
                waived = {w["fingerprint"]: w for w in ev["waivers"]}
                for finding in ev["findings"]:
                    finding["waiver"] = waived.get(finding["fingerprint"])
                approval = conn.execute(select(t.approvals).where(  # the latest question's answer
                    t.approvals.c.evaluation_id == row["id"]).order_by(t.approvals.c.id.desc())).mappings().first()
                ev["approval"] = dict(approval) if approval else None
                ev["refusals"] = [dict(r) for r in conn.execute(select(t.approval_refusals).where(
                    t.approval_refusals.c.evaluation_id == row["id"]).order_by(t.approval_refusals.c.id)).mappings()]
                evals.append(ev)
            report: dict[str, Any] = {"run": dict(run), "phases": phases, "evaluations": evals}
            for name, table in (("revisions", t.revisions), ("rollbacks", t.rollbacks)):
                rows = [dict(r) for r in conn.execute(select(table).where(table.c.run_id == run_id)
                                                      .order_by(table.c.id)).mappings()]
                if rows:
                    report[name] = rows
            report["usage"] = [dict(r) for r in conn.execute(select(t.usage).where(t.usage.c.run_id == run_id)
                                                             .order_by(t.usage.c.id)).mappings()]
        train = self.train_report(run_id)
        if train is not None:
            report["train"] = train
        return report


def _utc(moment: datetime) -> datetime:
    """A UTC-aware datetime (SQLite hands naive ones back; every lease time is written in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _lease_row(row: Any) -> dict[str, Any]:
    out = dict(row)
    for name in ("acquired_at", "heartbeat_at", "expires_at"):
        out[name] = _utc(out[name])
    return out


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
