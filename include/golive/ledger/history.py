"""The ledger's history queries: the applications, their runs with every gate, and each application's
releases — what the go-live board shows. Mixed into :class:`golive.ledger.store.Ledger`.

Every query takes the DAG ids the reader may see (``dag_ids``): the board passes those the auth manager
lets the user read, so a run of another DAG never leaves the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select

from golive.ledger import schema as t
from golive.versions import release_order_key

#: Runs of one application the board lists, newest first.
HISTORY_RUNS = 50
#: Releases of one application whose criteria the trends compare, the newest ones.
TREND_RELEASES = 20


class HistoryRecords:
    """History methods of the ledger (``engine`` and ``run_costs`` come from ``Ledger``)."""

    engine: Engine

    if TYPE_CHECKING:
        def run_costs(self, run_ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...

    def recorded_dag_ids(self) -> list[str]:
        """Every DAG id with a recorded run (the candidates a reader's permissions are checked on)."""
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(t.runs.c.dag_id).distinct()).scalars())

    def applications_overview(self, *, dag_ids: Collection[str], runs_each: int = 10) -> list[dict[str, Any]]:
        """Each application with a run of ``dag_ids``, by name: ``name``, ``source``, ``runs`` (how many)
        and ``latest`` (its newest ``runs_each`` runs, as :meth:`go_lives` returns them)."""
        r = t.runs
        with self.engine.connect() as conn:
            counts = conn.execute(select(r.c.application, func.count()).where(
                r.c.dag_id.in_(list(dag_ids)), r.c.application.is_not(None)).group_by(r.c.application)).all()
            sources = dict(conn.execute(select(t.applications.c.name, t.applications.c.source)).all())
        return [{"name": name, "source": sources.get(name, ""), "runs": int(count),
                 "latest": self.go_lives(application=name, dag_ids=dag_ids, limit=runs_each)}
                for name, count in sorted(counts)]

    def go_lives(self, *, application: str, dag_ids: Collection[str],
                 limit: int = HISTORY_RUNS) -> list[dict[str, Any]]:
        """The newest ``limit`` runs of ``application`` (of ``dag_ids``), newest first: the run row with
        ``cost`` (``run_costs``; None without a pod), ``evaluations`` (each with ``criteria``, ``approvals``
        — every decision, oldest first —, ``approval`` — the latest — and ``refusals``), ``revisions``
        and ``rollbacks``."""
        r = t.runs
        with self.engine.connect() as conn:
            runs = [dict(row) for row in conn.execute(select(r).where(
                r.c.application == application, r.c.dag_id.in_(list(dag_ids)))
                .order_by(r.c.recorded_at.desc(), r.c.run_id.desc()).limit(limit)).mappings()]
            ids = [run["run_id"] for run in runs]
            evaluations = _evaluations(conn, t.evaluations.c.run_id.in_(ids))
            by_run: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for ev in evaluations:
                by_run[ev["run_id"]].append(ev)
            delivery = {name: _rows_by_run(conn, table, ids) for name, table in
                        (("revisions", t.revisions), ("rollbacks", t.rollbacks))}
        costs = self.run_costs(ids)
        for run in runs:
            run["evaluations"] = by_run.get(run["run_id"], [])
            run["cost"] = costs.get(run["run_id"])
            for name, rows in delivery.items():
                run[name] = rows.get(run["run_id"], [])
        return runs

    def releases(self, *, application: str, dag_ids: Collection[str],
                 limit: int = TREND_RELEASES) -> list[dict[str, Any]]:
        """The releases of ``application`` in release order (``golive.versions.release_order_key``), the
        newest ``limit`` of them. A release is the version a go-live took live (its run's ``version``: every
        gate of that run judged it, the preparation gates through the source ref they scanned) or, for a
        run without a version (a quality-verification submission), the ref its gates judged. Each: ``ref``
        (the release), ``first_recorded`` and ``gates`` (gate → its newest evaluation of that release, with
        criteria; a later run of the same release supersedes an earlier one)."""
        e, r = t.evaluations, t.runs
        with self.engine.connect() as conn:
            releases = dict(conn.execute(select(r.c.run_id, func.coalesce(r.c.version, "")).where(
                r.c.application == application, r.c.dag_id.in_(list(dag_ids)))).all())
            evaluations = _evaluations(conn, (e.c.application == application) & e.c.run_id.in_(list(releases)),
                                       decisions=False)
        first: dict[str, Any] = {}
        gates: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for ev in evaluations:  # oldest first: the newest of each (release, gate) is kept
            release = releases[ev["run_id"]] or ev["ref"]
            first.setdefault(release, ev["recorded_at"])
            gates[release][ev["gate"]] = ev
        ordered = sorted(first, key=lambda ref: release_order_key(ref, first[ref]))
        return [{"ref": ref, "first_recorded": first[ref], "gates": gates[ref]} for ref in ordered[-limit:]]

    def application_history(self, application: str, *, dag_ids: Collection[str],
                            limit: int = HISTORY_RUNS) -> dict[str, Any] | None:
        """One application's board: ``name``, ``source``, ``go_lives`` (:meth:`go_lives`) and ``releases``
        (:meth:`releases`); None when it has no run of ``dag_ids``."""
        runs = self.go_lives(application=application, dag_ids=dag_ids, limit=limit)
        if not runs:
            return None
        with self.engine.connect() as conn:
            source = conn.execute(select(t.applications.c.source).where(
                t.applications.c.name == application)).scalar()
        return {"name": application, "source": source or "", "go_lives": runs,
                "releases": self.releases(application=application, dag_ids=dag_ids)}


def _evaluations(conn: Any, where: Any, *, decisions: bool = True) -> list[dict[str, Any]]:
    """Evaluations matching ``where``, oldest first, each with its criteria (and, with ``decisions``, its
    approvals and refused answers): one query per table, not per evaluation."""
    e = t.evaluations
    rows = [dict(row) for row in conn.execute(select(e).where(where).order_by(e.c.id)).mappings()]
    ids = [row["id"] for row in rows]
    children = {"criteria": t.criteria, **({"approvals": t.approvals, "refusals": t.approval_refusals}
                                            if decisions else {})}
    grouped: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for name, table in children.items():
        grouped[name] = defaultdict(list)
        for child in conn.execute(select(table).where(table.c.evaluation_id.in_(ids)).order_by(table.c.id)).mappings():
            grouped[name][child["evaluation_id"]].append(dict(child))
    for row in rows:
        for name in children:
            row[name] = grouped[name].get(row["id"], [])
        if decisions:
            row["approval"] = row["approvals"][-1] if row["approvals"] else None
    return rows


def _rows_by_run(conn: Any, table: Any, run_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(select(table).where(table.c.run_id.in_(run_ids)).order_by(table.c.id)).mappings():
        out[row["run_id"]].append(dict(row))
    return out
