"""Ledger tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create exactly these.

Every write is an UPSERT on a natural key, so a retried task rewrites its own rows and never
duplicates them; a new try (``try_number``) of a gate is a new evaluation and the old one is kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

metadata = MetaData(naming_convention={
    "pk": "pk_%(table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
})


def _recorded_at() -> Column[Any]:
    return Column("recorded_at", DateTime(timezone=True), server_default=func.current_timestamp(),
                  nullable=False)


applications = Table(
    "applications", metadata,
    Column("name", String(63), primary_key=True),
    Column("source", Text, nullable=False),
    _recorded_at(),
)

runs = Table(
    "runs", metadata,
    Column("run_id", String(250), primary_key=True),
    Column("dag_id", String(250), nullable=False),
    Column("application", String(63)),
    Column("version", String(128)),
    Column("environment", String(16)),
    Column("strategy", String(16)),
    Column("logical_date", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),  # accepted | rejected | succeeded | failed
    Column("request", JSON, nullable=False),
    Column("error", Text),
    _recorded_at(),
)

phase_results = Table(
    "phase_results", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("phase", String(64), nullable=False),
    Column("task_id", String(250), nullable=False),
    Column("try_number", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("summary", JSON, nullable=False),
    _recorded_at(),
    UniqueConstraint("run_id", "task_id", "try_number"),
)

submissions = Table(
    "submissions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("application", String(63), nullable=False),
    Column("ref", String(200), nullable=False),
    Column("source", Text, nullable=False),
    Column("submitted_by", String(200), nullable=False),
    _recorded_at(),
    UniqueConstraint("run_id", "application", "ref"),
)

evaluations = Table(
    "evaluations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("task_id", String(250), nullable=False),
    Column("try_number", Integer, nullable=False),
    Column("gate", String(64), nullable=False),
    Column("application", String(63), nullable=False),
    Column("ref", String(200), nullable=False),
    Column("status", String(8), nullable=False),  # PASS | WARNING | FAIL
    Column("score", Float, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("warning_floor", Float, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("inputs", JSON, nullable=False),  # the raw analyzer results the verdict was made from
    _recorded_at(),
    # migration 0005a: the commit the plan pinned (a git SHA or ``tree:<sha256>``); None before 0005a
    Column("commit", String(80), nullable=True),
    UniqueConstraint("run_id", "task_id", "try_number"),
)

criteria = Table(
    "criteria", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("evaluation_id", Integer, ForeignKey("evaluations.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("value", Float),
    Column("unit", String(32), nullable=False),
    Column("threshold", String(128), nullable=False),
    Column("status", String(16), nullable=False),  # pass | warning | fail | no-data | not-applicable
    Column("weight", Float, nullable=False),
    Column("key", Boolean, nullable=False),
    Column("optional", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw_value", Float),  # the analyzer's value when waivers recounted it (migration 0004)
    UniqueConstraint("evaluation_id", "name"),
)

findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("evaluation_id", Integer, ForeignKey("evaluations.id", ondelete="CASCADE"), nullable=False),
    Column("tool", String(64), nullable=False),
    Column("rule_id", String(128), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("path", Text),
    Column("line", Integer),
    Column("fingerprint", String(512), nullable=False),
    UniqueConstraint("evaluation_id", "fingerprint"),
)

waivers = Table(  # migration 0004: each profile waiver matched against a finding of an evaluation
    "waivers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("evaluation_id", Integer, ForeignKey("evaluations.id", ondelete="CASCADE"), nullable=False),
    Column("fingerprint", String(512), nullable=False),  # the finding's (findings.fingerprint)
    Column("waiver", String(1200), nullable=False),  # id <fingerprint> | rule <rule> [path <glob>]
    Column("tool", String(64), nullable=False),
    Column("rule_id", String(128), nullable=False),
    Column("path", Text),
    Column("line", Integer),
    Column("measurement", String(128)),  # what the finding counted toward
    Column("status", String(16), nullable=False),  # active | expired | refused
    Column("reason", Text, nullable=False),
    Column("owner", String(200), nullable=False),
    Column("expires", Date, nullable=False),
    Column("note", Text, nullable=False),
    UniqueConstraint("evaluation_id", "fingerprint"),
)

revisions = Table(
    "revisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("task_id", String(250), nullable=False),
    Column("try_number", Integer, nullable=False),
    Column("application", String(63), nullable=False),
    Column("namespace", String(63), nullable=False),
    Column("deployment", String(253), nullable=False),
    Column("revision", Integer),
    Column("version", String(128), nullable=False),
    Column("strategy", String(16), nullable=False),
    Column("action", String(32), nullable=False),  # deploy | canary-step | promote | rollback
    Column("detail", JSON, nullable=False),
    _recorded_at(),
    UniqueConstraint("run_id", "task_id", "try_number"),
)

rollbacks = Table(
    "rollbacks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("task_id", String(250), nullable=False),
    Column("try_number", Integer, nullable=False),
    Column("application", String(63), nullable=False),
    Column("from_version", String(128)),
    Column("to_version", String(128)),
    Column("from_revision", Integer),
    Column("to_revision", Integer),
    Column("reason", Text, nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("detail", JSON, nullable=False),
    _recorded_at(),
    UniqueConstraint("run_id", "task_id", "try_number"),
)

secret_keys = Table(
    "secret_keys", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application", String(63), nullable=False),
    Column("environment", String(16), nullable=False),
    Column("backend", String(32), nullable=False),  # kubernetes | gcp-secret-manager
    Column("location", Text, nullable=False),  # namespace/secret or projects/…/secrets/…
    Column("key", String(253), nullable=False),
    Column("run_id", String(250), nullable=False),  # the run that last ensured it
    Column("created", Boolean, nullable=False),  # generated by that run (False: already existed)
    _recorded_at(),
    UniqueConstraint("application", "environment", "backend", "key"),
)

approvals = Table(
    "approvals", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("evaluation_id", Integer, ForeignKey("evaluations.id", ondelete="CASCADE"), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("task_id", String(250), nullable=False),
    Column("decision", String(16), nullable=False),  # approved | rejected | not-required
    Column("approver", String(200), nullable=False),
    Column("comment", Text, nullable=False),
    _recorded_at(),
    # migration 0006: one decision per approval task of an evaluation (the gate's, then the promotion's)
    UniqueConstraint("evaluation_id", "task_id"),
)

approval_refusals = Table(  # migration 0007b: answers refused by the approver policy (separation of duties)
    "approval_refusals", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("evaluation_id", Integer, ForeignKey("evaluations.id", ondelete="CASCADE"), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("task_id", String(250), nullable=False),
    Column("responder", String(200), nullable=False),
    Column("chosen", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    _recorded_at(),
)

feedback = Table(  # migration 0005b: every feedback row golive knows of (see golive.feedback)
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application", String(63), nullable=False),
    Column("source", String(16), nullable=False),  # ledger | drop | endpoint
    Column("external_id", String(200), nullable=False),  # the row's id in its source
    Column("version", String(128), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("rating", Integer),  # CSAT 1-5
    Column("nps", Integer),  # 0-10
    Column("comment", Text),
    Column("channel", String(64)),
    Column("status", String(16), nullable=False),  # received | accepted | quarantined
    Column("batch_id", String(64)),  # the batch that was validated (None while received)
    _recorded_at(),
    UniqueConstraint("application", "source", "external_id"),
)

feedback_quarantine = Table(  # migration 0005b: a batch that failed validation, with why
    "feedback_quarantine", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", String(64), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("application", String(63), nullable=False),
    Column("source", String(16), nullable=False),
    Column("origin", Text, nullable=False),  # the drop file, the endpoint URL, ledger:feedback
    Column("location", Text, nullable=False),  # where the quarantined file is kept
    Column("rows", Integer, nullable=False),
    Column("failed", JSON, nullable=False),  # the failed expectations (type, column, observed, description)
    _recorded_at(),
    UniqueConstraint("batch_id"),
)

feedback_reports = Table(  # migration 0005b: the insights report of one application in one run
    "feedback_reports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("application", String(63), nullable=False),
    Column("html_url", Text, nullable=False),
    Column("json_url", Text, nullable=False),
    Column("public_url", Text, nullable=False),
    Column("summary", JSON, nullable=False),  # responses, CSAT, NPS, the top topics
    _recorded_at(),
    UniqueConstraint("run_id", "application"),
)

leases = Table(  # migration 0005a: one delivery at a time per application and environment
    "leases", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application", String(63), nullable=False),
    Column("environment", String(16), nullable=False),
    Column("run_id", String(250), nullable=False),  # the holder
    Column("acquired_at", DateTime(timezone=True), nullable=False),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),  # another run may take it over after
    UniqueConstraint("application", "environment"),
)

maintenance = Table(  # migration 0007a: what a golive_maintenance run found and did, per application
    "maintenance", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("application", String(63), nullable=False),
    Column("kind", String(16), nullable=False),  # finding | update | rotation | retention
    Column("item", String(512), nullable=False),  # the advisory fingerprint, package, secret key name, table
    Column("status", String(16), nullable=False),  # new | known | proposed | rotated | restored | deleted | …
    Column("detail", JSON, nullable=False),  # never a secret value
    _recorded_at(),
    UniqueConstraint("run_id", "application", "kind", "item"),
)

usage = Table(  # migration 0008b: what each agent pod of a run asked for and (where measured) used
    "usage", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("task_id", String(250), nullable=False),
    Column("try_number", Integer, nullable=False),
    Column("application", String(63)),
    Column("phase", String(64), nullable=False),
    Column("pod_name", String(253), nullable=False),
    Column("profile", String(32), nullable=False),  # cpu | gpu
    Column("cpu_request", Float, nullable=False),  # cores
    Column("memory_request", BigInteger, nullable=False),  # bytes
    Column("gpu_request", Integer, nullable=False),  # nvidia.com/gpu
    Column("cpu_seconds", Float),  # measured user + system time; NULL when not measured
    Column("peak_memory_bytes", BigInteger),  # measured peak RSS; NULL when not measured
    Column("wall_seconds", Float),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    _recorded_at(),
    UniqueConstraint("run_id", "task_id", "try_number", "pod_name"),
)

repairs = Table(  # migration 0008d: what a golive_repair run diagnosed, fixed and delivered
    "repairs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("application", String(63), nullable=False),
    Column("categories", JSON, nullable=False),  # issues per taxonomy category (golive.repair.taxonomy)
    Column("fixed", Integer, nullable=False),
    Column("fixable", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("resolution_rate", Float, nullable=True),  # fixed / total; NULL when there was no finding
    Column("patch", String(1024), nullable=True),  # the patch file's store URL; NULL when nothing changed
    Column("branch", String(255), nullable=True),  # golive/repair-<run> in a local source repository
    Column("detail", JSON, nullable=False),  # fixers, before/after summaries and verdicts, fixable_rate
    _recorded_at(),
    UniqueConstraint("run_id", "application"),
)

train_checkpoints = Table(  # migration 0009a: what every application of a release train ran before a phase
    "train_checkpoints", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),  # the golive_release_train run
    Column("train", String(63), nullable=False),
    Column("phase", Integer, nullable=False),  # 1-based: the checkpoint taken before this phase
    Column("applications", JSON, nullable=False),  # {app: {deployment, revision, version} | null}
    _recorded_at(),
    UniqueConstraint("run_id", "phase"),
)

train_applications = Table(  # migration 0009a: each application's go-live in a train run
    "train_applications", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("train", String(63), nullable=False),
    Column("application", String(63), nullable=False),
    Column("phase", Integer, nullable=False),
    Column("version", String(128), nullable=False),
    Column("golive_run_id", String(250), nullable=False),  # the `golive` run the train triggered
    Column("status", String(16), nullable=False),  # planned | success | failed | rolled-back
    _recorded_at(),
    UniqueConstraint("run_id", "application"),
)

train_rollbacks = Table(  # migration 0009a: a failed phase and every later one rolled back to its checkpoint
    "train_rollbacks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("train", String(63), nullable=False),
    Column("phase", Integer, nullable=False),  # the failed phase, whose checkpoint was restored
    Column("reason", Text, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("steps", JSON, nullable=False),  # per application: restore / remove / keep, outcome, checks
    _recorded_at(),
    UniqueConstraint("run_id", "phase"),
)
