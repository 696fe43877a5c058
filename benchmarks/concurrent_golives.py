"""N concurrent go-lives on the local platform (LocalExecutor on PostgreSQL, gates and approvals deferred),
against the same DAG shape made of EmptyOperators, measured side by side in one run.

    python benchmarks/concurrent_golives.py [--runs 100] [--pg postgresql+psycopg2://postgres@127.0.0.1:5432/test]

One platform (``golive_local.platform``: localkube, api-server, scheduler, dag-processor, triggerer) on
two fresh PostgreSQL databases (Airflow's, the ledger's; dropped afterwards). The go-lives are a mix
whose verdicts are known in advance: dev go-lives of the sample app (succeed), ``-broken`` builds
(every API request answers 500: the verification gate FAILs, the run fails), and prod go-lives whose
promotion waits for a human (``awaiting_input``) until every one of them waits, then is approved over
REST. Every 2 s the metadata DB is sampled: task instances running (each holds a worker slot), gates and
approvals running (evaluating a verdict: a second or two of work), those running longer than
``HELD_AFTER_S`` (waiting in their slot; the goal is 0) and those deferred or awaiting input (waiting
without a slot); once more when every prod go-live waits for its promotion. Then the same number of
runs of ``golive_shape_empty`` (every task of ``golive`` as an EmptyOperator, the same dependencies).

Prints: each run's outcome against the expected one, the peak of slots held by waiting tasks, and for
both DAGs the task throughput (task instances finished per second of the batch) and the scheduling delay
between a task's last upstream ending and its start (median, p95), with their ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "include"), str(ROOT / "tests" / "support")]

from airflow_rest import AirflowREST  # noqa: E402
from golive_local.platform import Platform, free_port  # noqa: E402

USERS = {"release-bot": "bench-bot-password", "alice": "bench-alice-password"}  # pragma: allowlist secret
FAST = {"GOLIVE_LOAD_TEST_SECONDS": "5", "GOLIVE_FUZZ_MAX_EXAMPLES": "10", "GOLIVE_CANARY_ANALYSIS_SECONDS": "5"}
WAITING = ("approval", "gate")
SHAPE_DAG = '''"""The golive DAG's shape, every task an EmptyOperator (written by benchmarks/concurrent_golives.py)."""
import json
from pathlib import Path

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

UPSTREAM = json.loads(Path(__file__).with_suffix(".json").read_text())
with DAG("golive_shape_empty", schedule=None, catchup=False, max_active_runs=1000) as dag:
    tasks = {task_id: EmptyOperator(task_id=task_id) for task_id in UPSTREAM}
    for task_id, upstream in UPSTREAM.items():
        for up in upstream:
            tasks[up] >> tasks[task_id]
'''


@contextmanager
def databases(admin_url: str) -> Iterator[tuple[str, str]]:
    """Two fresh PostgreSQL databases (Airflow's, the ledger's), dropped afterwards."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    names = [f"golive_bench_{purpose}_{uuid.uuid4().hex[:8]}" for purpose in ("airflow", "ledger")]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield tuple(make_url(admin_url).set(database=n).render_as_string(hide_password=False) for n in names)  # type: ignore[misc]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _state_dir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="golive-load-") as tmp:
        yield Path(tmp)


def dags_folder(into: Path) -> Path:
    """golive's DAG files plus ``golive_shape_empty`` (the golive DAG's tasks and dependencies)."""
    folder = into / "dags"
    shutil.copytree(ROOT / "dags", folder, ignore=shutil.ignore_patterns("__pycache__"))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags" / "golive_pipeline.py")).dags.get("golive")
    if dag is None:  # (get_dag would ask the metadata DB, which is not there yet)
        raise SystemExit("the golive DAG did not parse")
    (folder / "golive_shape_empty.json").write_text(json.dumps({t.task_id: sorted(t.upstream_task_ids)
                                                                for t in dag.tasks}))
    (folder / "golive_shape_empty.py").write_text(SHAPE_DAG)
    return folder


def plan(runs: int) -> list[tuple[str, dict[str, Any], str]]:
    """(kind, conf, expected run state) for each go-live: 60 % dev, 20 % broken, 20 % prod (approved)."""
    out = []
    for i in range(runs):
        kind = "broken" if i % 5 == 1 else "prod" if i % 5 == 3 else "dev"
        conf: dict[str, Any] = {"application": f"load-{kind}-{i:03d}"}
        if kind == "broken":
            conf["version"] = "1.1.0-broken"
        if kind == "prod":
            conf["environment"] = "prod"
        out.append((kind, conf, "failed" if kind == "broken" else "success"))
    return out


#: A gate or approval running longer than this holds its worker slot while it waits (evaluating a
#: recorded verdict takes a second or two; a waiting one defers and frees the slot).
HELD_AFTER_S = 15


def slots_now(db: Engine) -> dict[str, int]:
    """Task instances running; gates/approvals running (evaluating); those running > HELD_AFTER_S
    (waiting in their slot); task instances deferred or awaiting input (waiting without one)."""
    waiting = " or ".join(f"task_id like '%{w}%'" for w in WAITING)
    gates = f"state = 'running' and ({waiting}) and dag_id = 'golive'"
    with db.connect() as conn:
        return {
            "running": conn.execute(text("select count(*) from task_instance where state = 'running'")).scalar() or 0,
            "gates_running": conn.execute(text(f"select count(*) from task_instance where {gates}")).scalar() or 0,
            "waiting_in_slots": conn.execute(text(
                f"select count(*) from task_instance where {gates} and start_date < now() - "
                f"interval '{HELD_AFTER_S} seconds'")).scalar() or 0,
            "deferred": conn.execute(text("select count(*) from task_instance where state in "
                                          "('deferred', 'awaiting_input')")).scalar() or 0,
        }


def sample(db: Engine, stop: threading.Event, peaks: dict[str, int]) -> None:
    """Every 2 s: the peaks of :func:`slots_now`."""
    while not stop.wait(2):
        for key, value in slots_now(db).items():
            peaks[key] = max(peaks.get(key, 0), value)


def batch_figures(db: Engine, dag_id: str, run_ids: list[str], upstream: dict[str, list[str]]) -> dict[str, float]:
    """Task throughput and scheduling delay of ``run_ids`` (from their task instances; ``upstream``: the
    DAG's dependencies, the same for both DAGs)."""
    with db.connect() as conn:
        rows = conn.execute(text("select run_id, task_id, start_date, end_date from task_instance where dag_id = :d "
                                 "and run_id = any(:r) and end_date is not null"), {"d": dag_id, "r": run_ids}).all()
    ends: dict[tuple[str, str], datetime] = {(r[0], r[1]): r[3] for r in rows}
    delays = []
    for run_id, task_id, start, _ in rows:
        ups = [ends[(run_id, u)] for u in upstream.get(task_id, []) if (run_id, u) in ends]
        if start is not None and ups:
            delays.append(max((start - max(ups)).total_seconds(), 0.0))
    starts = [r[2] for r in rows if r[2] is not None]
    span = (max(r[3] for r in rows) - min(starts)).total_seconds() if rows and starts else 0.0
    delays.sort()
    return {"tasks": len(rows), "span_s": round(span, 1), "tasks_per_s": round(len(rows) / span, 2) if span else 0.0,
            "delay_median_s": round(statistics.median(delays), 2) if delays else 0.0,
            "delay_p95_s": round(delays[int(0.95 * (len(delays) - 1))], 2) if delays else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--pg", default="postgresql+psycopg2://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL URL whose user may create databases")
    parser.add_argument("--timeout", type=float, default=3 * 3600)
    parser.add_argument("--state-dir", type=Path, help="keep the platform's state (logs, reports) here "
                                                        "(default: a temporary directory, removed)")
    args = parser.parse_args(argv)
    with _state_dir(args.state_dir) as state, databases(args.pg) as (airflow_db, ledger_db):
        folder = dags_folder(state)
        passwords = state / "passwords.json"
        passwords.write_text(json.dumps(USERS))
        plat = Platform(state_dir=state / "platform", api_port=free_port(), db_url=airflow_db, ledger_url=ledger_db,
                        # as the scheduler e2e: gates and approvals wait in the triggerer, pods in their slot
                        extra_env={**FAST, "GOLIVE_DEFERRABLE": "true", "GOLIVE_POD_DEFERRABLE": "false",
                                   "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
                                   "AIRFLOW__CORE__MAX_ACTIVE_RUNS_PER_DAG": str(max(args.runs, 16)),
                                   "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
                                   "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "release-bot:admin,alice:admin",
                                   "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords)})
        plat.up(timeout=600)
        meta = create_engine(airflow_db)
        try:
            upstream = json.loads((folder / "golive_shape_empty.json").read_text())
            return _run(plat, meta, args, upstream)
        finally:
            meta.dispose()
            plat.down()


def _run(plat: Platform, meta: Engine, args: argparse.Namespace, upstream: dict[str, list[str]]) -> int:
    bot, alice = (AirflowREST(plat.url, username=u, password=USERS[u]) for u in ("release-bot", "alice"))
    runs = plan(args.runs)
    peaks: dict[str, int] = {}
    stop = threading.Event()
    sampler = threading.Thread(target=sample, args=(meta, stop, peaks), daemon=True)
    sampler.start()
    began = time.monotonic()
    started = [(kind, bot.trigger("golive", conf), expected) for kind, conf, expected in runs]
    prod = [run_id for kind, run_id, _ in started if kind == "prod"]
    for run_id in prod:  # every prod go-live waits for its promotion before any is answered
        alice.wait_for_approval("golive", run_id, "promotion.approval", timeout=args.timeout)
    waiting_now = slots_now(meta)  # every prod go-live waits for its promotion now
    for run_id in prod:
        alice.decide("golive", run_id, "promotion.approval", "Approve")
    outcomes = [(kind, run_id, expected, bot.wait_finished("golive", run_id, timeout=args.timeout))
                for kind, run_id, expected in started]
    golive_wall = time.monotonic() - began
    stop.set()
    sampler.join()
    shape_began = time.monotonic()
    shape_ids = [bot.trigger("golive_shape_empty", {}) for _ in runs]
    for run_id in shape_ids:
        bot.wait_finished("golive_shape_empty", run_id, timeout=args.timeout)
    shape_wall = time.monotonic() - shape_began
    wrong = [(kind, run_id, expected, got) for kind, run_id, expected, got in outcomes if got != expected]
    golive = batch_figures(meta, "golive", [r for _, r, _, _ in outcomes], upstream)
    shape = batch_figures(meta, "golive_shape_empty", shape_ids, upstream)
    print(json.dumps({"runs": len(runs), "wrong_outcomes": wrong, "golive_wall_s": round(golive_wall, 1),
                      "shape_wall_s": round(shape_wall, 1), "peaks": peaks,
                      "slots_while_every_prod_run_waited": waiting_now, "golive": golive,
                      "golive_shape_empty": shape}, indent=1, default=str))
    print(f"correct outcomes: {len(runs) - len(wrong)}/{len(runs)}")
    print(f"worker slots held by waiting gates/approvals (running > {HELD_AFTER_S} s; peak): "
          f"{peaks.get('waiting_in_slots', 0)} (goal 0); while every prod go-live waited for its promotion: "
          f"{waiting_now['waiting_in_slots']} held, {waiting_now['deferred']} deferred/awaiting input")
    print(f"gates/approvals evaluating at once (peak): {peaks.get('gates_running', 0)}")
    if shape["tasks_per_s"]:
        print(f"task throughput golive / EmptyOperator shape: {golive['tasks_per_s'] / shape['tasks_per_s']:.3f}x")
    if shape["delay_median_s"]:
        print(f"scheduling delay golive / EmptyOperator shape (median): "
              f"{golive['delay_median_s'] / shape['delay_median_s']:.2f}x")
    return 1 if wrong or peaks.get("waiting_in_slots", 0) else 0


if __name__ == "__main__":
    sys.exit(main())
