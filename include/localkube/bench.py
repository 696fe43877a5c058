"""Measure what a trivial pod costs on localkube: ``python -m localkube.bench [--runs N]``.

Compares ``python -c 'print(1)'`` run directly with the same command as (a) a bare pod (POST →
Running, POST → Succeeded, via the API) and (b) a KubernetesPodOperator task, sync and
deferrable, with KPO's default intervals and with the small ones localkube allows. Prints median
wall-clock seconds; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess  # nosec B404 - runs this interpreter with a constant argv
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

TRIVIAL = ["python", "-c", "print(1)"]


def _median(fn: Callable[[], float], runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def direct() -> float:
    """``python -c 'print(1)'`` as a subprocess."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *TRIVIAL[1:]], check=True, capture_output=True)  # nosec B603
    return time.perf_counter() - start


def bare_pod(kube: Any, until: str) -> float:
    """POST a pod and poll the store until ``until`` (Running or Succeeded)."""
    from localkube.store import PODS

    name = f"bench-{uuid.uuid4().hex[:8]}"
    body = {"metadata": {"name": name}, "spec": {"restartPolicy": "Never", "containers": [
        {"name": "base", "image": "bench", "command": TRIVIAL}]}}
    api = kube.core_v1()
    start = time.perf_counter()
    api.create_namespaced_pod("default", body)
    while kube.call(kube.store.find, PODS, "default", name)["status"]["phase"] not in (until, "Failed"):
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    api.delete_namespaced_pod(name, "default")
    return elapsed


def kpo_task(deferrable: bool, fast: bool) -> float:
    """A KubernetesPodOperator task running the trivial command (logs on, pod deleted after)."""
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    from localkube.kpo import run_operator

    intervals = {"startup_check_interval_seconds": 1, "poll_interval": 0.2} if fast else {}
    op = KubernetesPodOperator(task_id=f"bench-{uuid.uuid4().hex[:6]}", image="bench", cmds=TRIVIAL,
                               deferrable=deferrable, **intervals)
    start = time.perf_counter()
    run_operator(op)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print a table."""
    parser = argparse.ArgumentParser(prog="python -m localkube.bench")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    from localkube.cluster import LocalKube

    with LocalKube() as kube:
        os.environ["AIRFLOW_CONN_KUBERNETES_DEFAULT"] = kube.connection_uri()
        kpo_task(False, True)  # warm imports and connections
        rows = [("python -c 'print(1)' directly", _median(direct, args.runs)),
                ("pod: POST -> Running", _median(lambda: bare_pod(kube, "Running"), args.runs)),
                ("pod: POST -> Succeeded", _median(lambda: bare_pod(kube, "Succeeded"), args.runs))]
        for deferrable in (False, True):
            for fast in (True, False):
                label = (f"KPO {'deferrable' if deferrable else 'sync'}, "
                         f"{'startup_check 1s/poll 0.2s' if fast else 'KPO default intervals'}")
                rows.append((label, _median(lambda d=deferrable, f=fast: kpo_task(d, f), args.runs)))
    base = rows[0][1]
    print(f"{'measurement (median of ' + str(args.runs) + ')':<58} {'seconds':>8} {'overhead':>9}")
    for label, seconds in rows:
        print(f"{label:<58} {seconds:8.3f} {seconds - base:+9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
