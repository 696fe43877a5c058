"""The demo go-live: the bundled sample app taken live on the embedded defaults.

``python -m golive_local.demo [--dag golive] [--conf JSON]`` migrates the Airflow metadata DB
(SQLite), starts localkube, runs ``airflow dags test`` (the real CLI, the real
KubernetesPodOperator code path), then prints each verdict and the path of the report.
Exit code 0 when the go-live succeeded.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from golive_local.env import REPO_ROOT, airflow_executable, kubernetes_connection, local_env

_SHOWN = ("golive verdict", "golive report", "Marking task as", "GateFailed", "conf rejected", "ERROR -")


def _airflow(args: list[str], env: dict[str, str], log, timeout: float) -> int:
    cmd = [airflow_executable(), *args]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=REPO_ROOT)
    watchdog = threading.Timer(timeout, proc.kill)  # also when the run waits in silence (an approval)
    watchdog.start()
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            log.write(line)
            if any(marker in line for marker in _SHOWN):
                print("  " + line.rstrip()[-220:], flush=True)
        rc = proc.wait()
    finally:
        watchdog.cancel()
    if rc == -signal.SIGKILL:
        print(f"timed out after {timeout:.0f}s", file=sys.stderr)
        return 124
    return rc


def _print_outcome(env: dict[str, str], dag_id: str) -> int:
    from sqlalchemy import select

    from golive.ledger import Ledger
    from golive.ledger import schema as t
    from golive.settings import GoliveSettings

    ledger = Ledger.from_url(f"sqlite:///{Path(env['GOLIVE_HOME']) / 'ledger.sqlite'}")
    with ledger.engine.connect() as conn:
        run = conn.execute(select(t.runs).where(t.runs.c.dag_id == dag_id)
                           .order_by(t.runs.c.recorded_at.desc()).limit(1)).mappings().first()
    if run is None:
        print("no run was recorded in the ledger")
        return 1
    report = ledger.run_report(run["run_id"])
    print(f"\nrun {run['run_id']}: {run['status']}" + (f" — {run['error']}" if run["error"] else ""))
    for ev in report["evaluations"]:
        approval = ev["approval"]["decision"] if ev.get("approval") else "-"
        print(f"  {ev['gate']:<10} {ev['status']:<8} score {ev['score']:5.1f} / threshold {ev['threshold']:g}"
              f"   approval: {approval}")
        for c in ev["criteria"]:
            print(f"      {c['status']:<8} {c['name']:<30} {c['value']!s:>8} {c['unit']:<6} {c['reason']}")
    for rev in report.get("revisions", []):
        print(f"  revision  {rev['action']:<14} {rev['deployment']} r{rev['revision']} version {rev['version']}")
    for rb in report.get("rollbacks", []):
        print(f"  rollback  {rb['from_version']} → {rb['to_version']} (revision {rb['from_revision']} → "
              f"{rb['to_revision']}), verified={rb['verified']}: {rb['reason']}")
    report_dir = GoliveSettings(home=Path(env["GOLIVE_HOME"])).run_report_dir(run["run_id"])
    print(f"\nreport: {report_dir / 'report.html'}\n        {report_dir / 'report.json'}")
    return 0 if run["status"] == "succeeded" else 1


def free_interrupted_leases(golive_home: Path) -> list[dict[str, Any]]:
    """Release the delivery leases an interrupted earlier demo left (Ctrl-C, a killed terminal).

    The demo runs one go-live at a time in its state directory, so a lease still held when it starts
    belongs to no live run; kept, it would make this go-live wait until its TTL. Returns what was freed.
    """
    path = golive_home / "ledger.sqlite"
    if not path.is_file():
        return []
    from golive.ledger import Ledger

    ledger = Ledger.from_url(f"sqlite:///{path}")
    freed = [row for row in ledger.leases() if ledger.release_lease(
        application=row["application"], environment=row["environment"], run_id=row["run_id"])]
    ledger.engine.dispose()
    return freed


def main(argv: list[str] | None = None) -> int:
    """Run the demo go-live."""
    parser = argparse.ArgumentParser(prog="python -m golive_local.demo", description=__doc__)
    parser.add_argument("--dag", default="golive", help="DAG to run (default golive)")
    parser.add_argument("--conf", default=None, help="run conf as JSON (default: the DAG's Params defaults)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before the run is abandoned")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="where the Airflow DB, ledger, reports and localkube state go (default var/)")
    args = parser.parse_args(argv)
    if args.conf is not None:
        json.loads(args.conf)  # fail early on malformed JSON

    from golive.kube.namespaces import POD_SECURITY_LABELS
    from localkube import LocalKube

    env = {**os.environ, **local_env(state_dir=args.state_dir)}
    state = Path(env["AIRFLOW_HOME"]).parent
    (state / "demo").mkdir(parents=True, exist_ok=True)
    log_path = state / "demo" / f"{args.dag}-{int(time.time())}.log"
    kube = LocalKube(state_dir=state / "localkube", namespace_labels={"golive": POD_SECURITY_LABELS})
    with open(log_path, "w", encoding="utf-8") as log, kube:
        kubeconfig = kube.write_kubeconfig(state / "localkube" / "kubeconfig")
        env["AIRFLOW_CONN_KUBERNETES_DEFAULT"] = kubernetes_connection(Path(kubeconfig))
        print(f"localkube at {kube.url}; Airflow home {env['AIRFLOW_HOME']}; full log {log_path}")
        print("migrating the Airflow metadata database (SQLite)…", flush=True)
        if _airflow(["db", "migrate"], env, log, timeout=300) != 0:
            print(f"airflow db migrate failed; see {log_path}", file=sys.stderr)
            return 2
        for lease in free_interrupted_leases(Path(env["GOLIVE_HOME"])):
            print(f"freed the delivery lease of {lease['application']} ({lease['environment']}) left by the "
                  f"interrupted run {lease['run_id']}")
        print(f"running `airflow dags test {args.dag}`…", flush=True)
        test_args = ["dags", "test", args.dag] + (["-c", args.conf] if args.conf else [])
        rc = _airflow(test_args, env, log, timeout=args.timeout)
    outcome = _print_outcome(env, args.dag)
    return outcome if rc == 0 or outcome != 0 else rc


if __name__ == "__main__":
    sys.exit(main())
