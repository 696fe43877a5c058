"""The demo go-live's wall time against the critical path of its pods (goal: at most 1.3x).

Runs the demo (``python -m golive_local.demo`` in a throw-away state directory, or reads the state of
an earlier one with ``--state-dir``), then measures, side by side from that one run:

* **wall**: the run's first task start to its last task end (Airflow's task instances);
* **critical path**: the longest chain of the DAG's dependencies weighted by the pods' own wall time
  (the ledger's ``usage`` rows: each pod's container start to end); tasks without a pod weigh 0, so
  the path is what the pods alone would need if Airflow, localkube and the gates cost nothing;
* **busy path**: the same chain weighted by each task's own duration (start to end of its task
  instance), the part of the overhead that sits inside the tasks; the rest is scheduling between them.

Prints the ratios wall / critical path (the goal) and wall / busy path, and the critical path's tasks.

    python benchmarks/demo_critical_path.py [--state-dir var] [--conf JSON]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.3


def longest_path(upstream: Mapping[str, set[str]], weight: Mapping[str, float]) -> tuple[float, list[str]]:
    """The heaviest chain of ``upstream`` (task -> the tasks it waits for) under ``weight`` (0 if absent)."""
    best: dict[str, tuple[float, list[str]]] = {}

    def visit(task: str) -> tuple[float, list[str]]:
        if task not in best:
            before = max((visit(u) for u in upstream.get(task, ())), default=(0.0, []), key=lambda x: x[0])
            best[task] = (before[0] + weight.get(task, 0.0), [*before[1], task])
        return best[task]

    return max((visit(t) for t in upstream), default=(0.0, []), key=lambda x: x[0])


def _seconds(start: str | datetime | None, end: str | datetime | None) -> float:
    if start is None or end is None:
        return 0.0
    a = start if isinstance(start, datetime) else datetime.fromisoformat(str(start))
    b = end if isinstance(end, datetime) else datetime.fromisoformat(str(end))
    return max((b - a).total_seconds(), 0.0)


def dag_upstream(dag_id: str, env: Mapping[str, str]) -> dict[str, set[str]]:
    """Each task's upstream task ids, from the DAG file parsed as the scheduler parses it."""
    os.environ.update(env)
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags")).get_dag(dag_id)
    if dag is None:
        raise SystemExit(f"DAG {dag_id} did not parse")
    return {task.task_id: set(task.upstream_task_ids) for task in dag.tasks}


def measure(state: Path, dag_id: str) -> dict[str, object]:
    """The figures of the newest ``dag_id`` run recorded in ``state``."""
    ledger = sqlite3.connect(state / "golive" / "ledger.sqlite")
    run_id = ledger.execute("select run_id from runs where dag_id = ? order by recorded_at desc limit 1",
                            (dag_id,)).fetchone()[0]
    pods: dict[str, float] = {}
    for task_id, started, finished in ledger.execute(
            "select task_id, started_at, finished_at from usage where run_id = ? order by try_number",
            (run_id,)):
        pods[task_id] = _seconds(started, finished)  # the last try's pod counts
    airflow = sqlite3.connect(state / "airflow" / "airflow.db")
    tis = airflow.execute("select task_id, start_date, end_date from task_instance where run_id = ? and dag_id = ?",
                          (run_id, dag_id)).fetchall()
    started = [r[1] for r in tis if r[1]]
    ended = [r[2] for r in tis if r[2]]
    wall = _seconds(min(started), max(ended))
    durations = {task_id: _seconds(start, end) for task_id, start, end in tis}
    upstream = dag_upstream(dag_id, _env(state))
    critical, path = longest_path(upstream, pods)
    busy, _ = longest_path(upstream, durations)
    return {"run_id": run_id, "wall_s": wall, "critical_path_s": critical, "busy_path_s": busy,
            "pods": len(pods), "path": [(t, round(pods.get(t, 0.0), 1), round(durations.get(t, 0.0), 1))
                                        for t in path if pods.get(t) or durations.get(t, 0) > 1]}


def _env(state: Path) -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "include"))
    from golive_local.env import local_env

    return local_env(state_dir=state)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", type=Path, default=None, help="an earlier demo's state (default: run one)")
    parser.add_argument("--conf", default=None, help="the demo's run conf (JSON)")
    parser.add_argument("--dag", default="golive")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="golive-critical-path-") as tmp:
        state = args.state_dir or Path(tmp)
        if args.state_dir is None:
            cmd = [sys.executable, "-m", "golive_local.demo", "--dag", args.dag, "--state-dir", str(state)]
            done = subprocess.run(cmd + (["--conf", args.conf] if args.conf else []), cwd=ROOT, check=False)
            if done.returncode != 0:
                print(f"the demo failed (exit {done.returncode}); figures of a failed run follow", file=sys.stderr)
        figures = measure(state, args.dag)
    wall, critical, busy = (float(figures[k]) for k in ("wall_s", "critical_path_s", "busy_path_s"))  # type: ignore[arg-type]
    print(json.dumps({k: v for k, v in figures.items() if k != "path"}, indent=1))
    print("critical path (task, pod s, task s):")
    for task_id, pod_s, task_s in figures["path"]:  # type: ignore[attr-defined]
        print(f"  {task_id:<55} {pod_s:>7} {task_s:>7}")
    print(f"wall / critical path of the pods: {wall / critical:.2f}x (goal <= {GOAL}x)" if critical else
          "no pod recorded: no critical path")
    if busy:
        print(f"wall / critical path of the tasks: {wall / busy:.2f}x (the rest is scheduling between tasks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
