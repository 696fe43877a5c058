"""golive's own Prometheus metrics, derived from the ledger on every scrape.

The ledger is the source of truth: :class:`LedgerCollector` reads it when Prometheus scrapes (no
counter lives in a process that could restart and lose it), so every replica of the API server
answers the same numbers. Labels are bounded: applications, environments, gates, criteria, phases
and outcomes — never a run id, a version or a reason.

A phase's duration is measured between ledger records: from the end of the run's previous phase
(the run's own record for its first phase) to the last record of this phase, since a phase row is
written when the phase's step finishes. An approval's wait runs from its evaluation's verdict to the
recorded human decision (automatic ``not-required`` decisions are left out).

Counters count what the ledger holds: retention (``golive_maintenance``) deleting old rows looks to
Prometheus like a counter reset, which ``rate()`` and ``increase()`` handle.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from sqlalchemy import Select, select

from golive.ledger import Ledger
from golive.ledger import schema as t

__all__ = ["APPROVAL_WAIT_BUCKETS", "EXPORTED_METRICS", "PHASE_DURATION_BUCKETS", "LedgerCollector"]

#: Run statuses that end a run (the counter's outcomes); ``accepted`` is a run still going.
FINISHED = ("succeeded", "failed", "rejected")
#: Upper bounds (seconds) of the phase duration histogram: a plan takes seconds, a canary minutes.
PHASE_DURATION_BUCKETS: tuple[float, ...] = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600)
#: Upper bounds (seconds) of the approval wait histogram: minutes to the 24 h approval timeout.
APPROVAL_WAIT_BUCKETS: tuple[float, ...] = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400)

#: The series names the collector exports (a histogram's with its _bucket/_sum/_count suffixes), which
#: the golive dashboard's queries are validated against.
EXPORTED_METRICS: frozenset[str] = frozenset({
    "golive_golives_total", "golive_golives_in_progress", "golive_gate_verdicts_total",
    "golive_criterion_status_total", "golive_rollbacks_total",
    *(f"{h}{s}" for h in ("golive_phase_duration_seconds", "golive_approval_wait_seconds")
      for s in ("_bucket", "_sum", "_count")),
})


def _utc(moment: datetime) -> datetime:
    """A UTC-aware datetime (SQLite hands back naive ones, written in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _label(value: Any) -> str:
    """A label value: ``""`` for an unset column (Prometheus treats an empty label as absent)."""
    return "" if value is None else str(value)


def _histogram(name: str, documentation: str, labelnames: Sequence[str], bounds: Sequence[float],
               observations: dict[tuple[str, ...], list[float]]) -> HistogramMetricFamily:
    """A histogram family with one cumulative bucket series per label set of ``observations``."""
    family = HistogramMetricFamily(name, documentation, labels=list(labelnames))
    for labels, values in sorted(observations.items()):
        buckets = [(floatToGoString(bound), float(sum(1 for v in values if v <= bound))) for bound in bounds]
        buckets.append(("+Inf", float(len(values))))
        family.add_metric(list(labels), buckets, sum_value=float(sum(values)))
    return family


class LedgerCollector(Collector):
    """A prometheus_client collector reading golive's metrics from the ledger at each scrape.

    :param ledger: the ledger to read.
    :param dag_ids: only the runs of these DAGs (and the records of those runs) are counted — the DAGs
        whose runs the scraping user may read; None counts everything, records of runs the ledger does
        not hold (a CLI verdict) included.
    """

    def __init__(self, ledger: Ledger, dag_ids: Collection[str] | None = None) -> None:
        self.ledger = ledger
        self.dag_ids = None if dag_ids is None else frozenset(dag_ids)

    def _mine(self, stmt: Select[Any], run_id_column: Any) -> Select[Any]:
        """``stmt`` limited to the records of runs of the allowed DAGs."""
        if self.dag_ids is None:
            return stmt
        return stmt.where(run_id_column.in_(select(t.runs.c.run_id).where(t.runs.c.dag_id.in_(self.dag_ids))))

    def describe(self) -> Iterable[Metric]:
        """Nothing: the families depend on the ledger, so registering must not query it."""
        return []

    def collect(self) -> Iterator[Metric]:
        """Every family, read from the ledger in one connection."""
        with self.ledger.engine.connect() as conn:
            yield from self._runs(conn)
            yield self._phase_durations(conn)
            yield from self._verdicts(conn)
            yield self._approval_waits(conn)
            yield self._rollbacks(conn)

    def _runs(self, conn: Any) -> Iterator[Metric]:
        runs = t.runs.c
        stmt = select(runs.dag_id, runs.application, runs.environment, runs.status)
        if self.dag_ids is not None:
            stmt = stmt.where(runs.dag_id.in_(self.dag_ids))
        counts = Counter(tuple(_label(v) for v in row) for row in conn.execute(stmt))
        finished = CounterMetricFamily("golive_golives", "Runs recorded in the ledger that ended, by outcome.",
                                       labels=["dag", "application", "environment", "outcome"])
        going = GaugeMetricFamily("golive_golives_in_progress", "Runs recorded in the ledger that have not ended.",
                                  labels=["dag", "application", "environment"])
        for (dag, app, env, status), n in sorted(counts.items()):
            if status in FINISHED:
                finished.add_metric([dag, app, env, status], n)
            else:
                going.add_metric([dag, app, env], n)
        yield finished
        yield going

    def _phase_durations(self, conn: Any) -> Metric:
        p, runs = t.phase_results.c, t.runs.c
        started = dict(conn.execute(self._mine(select(runs.run_id, runs.recorded_at), runs.run_id)).all())
        ends: dict[tuple[str, str], datetime] = {}
        for run_id, phase, recorded_at in conn.execute(
                self._mine(select(p.run_id, p.phase, p.recorded_at), p.run_id)):
            key, at = (run_id, phase), _utc(recorded_at)
            ends[key] = max(ends.get(key, at), at)
        by_run: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        for (run_id, phase), end in ends.items():
            by_run[run_id].append((end, phase))
        observations: dict[tuple[str, ...], list[float]] = defaultdict(list)
        for run_id, phases in by_run.items():
            previous = _utc(started[run_id]) if run_id in started else None
            for end, phase in sorted(phases):
                if previous is not None:
                    observations[(phase,)].append(max(0.0, (end - previous).total_seconds()))
                previous = end
        return _histogram("golive_phase_duration_seconds",
                          "Seconds from the end of a run's previous phase (or its start) to the end of this one.",
                          ["phase"], PHASE_DURATION_BUCKETS, observations)

    def _verdicts(self, conn: Any) -> Iterator[Metric]:
        e, c = t.evaluations.c, t.criteria.c
        gates = Counter(tuple(row) for row in conn.execute(self._mine(select(e.gate, e.status), e.run_id)))
        verdicts = CounterMetricFamily("golive_gate_verdicts", "Gate verdicts recorded (every try), by status.",
                                       labels=["gate", "status"])
        for (gate, status), n in sorted(gates.items()):
            verdicts.add_metric([gate, status], n)
        yield verdicts
        stmt = self._mine(select(e.gate, c.name, c.status).select_from(t.evaluations)
                          .join(t.criteria, c.evaluation_id == e.id), e.run_id)
        criteria = Counter(tuple(row) for row in conn.execute(stmt))
        family = CounterMetricFamily("golive_criterion_status", "Criteria of the recorded verdicts, by status.",
                                     labels=["gate", "criterion", "status"])
        for (gate, name, status), n in sorted(criteria.items()):
            family.add_metric([gate, name, status], n)
        yield family

    def _approval_waits(self, conn: Any) -> Metric:
        a, e = t.approvals.c, t.evaluations.c
        stmt = self._mine(select(e.gate, a.decision, e.recorded_at, a.recorded_at.label("decided_at"))
                          .select_from(t.approvals).join(t.evaluations, a.evaluation_id == e.id)
                          .where(a.decision != "not-required"), e.run_id)
        observations: dict[tuple[str, ...], list[float]] = defaultdict(list)
        for gate, decision, asked, decided in conn.execute(stmt):
            observations[(gate, decision)].append(max(0.0, (_utc(decided) - _utc(asked)).total_seconds()))
        return _histogram("golive_approval_wait_seconds",
                          "Seconds from a WARNING verdict to the human decision on it.",
                          ["gate", "decision"], APPROVAL_WAIT_BUCKETS, observations)

    def _rollbacks(self, conn: Any) -> Metric:
        r = t.rollbacks.c
        counts = Counter(tuple(row) for row in conn.execute(self._mine(select(r.application, r.verified), r.run_id)))
        family = CounterMetricFamily("golive_rollbacks", "Rollbacks performed, by whether they were verified.",
                                     labels=["application", "verified"])
        for (app, verified), n in sorted(counts.items()):
            family.add_metric([app, "true" if verified else "false"], n)
        return family
