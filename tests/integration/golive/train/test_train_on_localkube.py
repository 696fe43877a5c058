"""The train's cluster steps on localkube with the real sample app: the checkpoint records live revisions,
the progress monitor measures a healthy and a ``-broken`` service (HTTP through the Service, PodMetrics from
localkube's ``metrics.k8s.io``), the rollback restores the checkpoint's revision and removes what was new."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from golive.deploy.cluster import KubeCluster
from golive.deploy.ops import app_selector
from golive.kube.client import load_client
from golive.kube.objects import apply
from golive.models import VerdictStatus
from golive.train.checkpoint import capture, execute, rollback_plan
from golive.train.monitor import evaluate_phase
from golive_airflow.train import pod_metrics, probe_service

pytestmark = pytest.mark.localkube

SAMPLE = {"conf": {"source": str(Path(__file__).resolve().parents[4] / "include" / "sample_app")}}


def deploy(kubeconfig: Path, namespace: str, app: str, version: str) -> None:
    out = subprocess.run([sys.executable, "-m", "golive.agents.deployment", "deploy", "--application", app,
                          "--namespace", namespace, "--version", version, "--replicas", "1", "--timeout", "120"],
                         env={**__import__("os").environ, "KUBECONFIG": str(kubeconfig)}, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]


def wait_for_metrics(cluster: KubeCluster, app: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = pod_metrics(cluster, app_selector(app))
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"no PodMetrics of {app}")


def test_checkpoint_monitor_and_rollback_on_live_services(localkube):
    kubeconfig = Path(localkube.kubeconfig or localkube.write_kubeconfig())
    client = load_client(kubeconfig)
    namespace = f"train-{uuid.uuid4().hex[:6]}"
    apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}], "default", client)
    cluster = KubeCluster(namespace, client)
    deploy(kubeconfig, namespace, "svc-a", "1.0.0")
    before = capture(cluster, ["svc-a", "svc-b"])
    assert before["svc-a"]["version"] == "1.0.0" and before["svc-b"] is None

    deploy(kubeconfig, namespace, "svc-a", "1.1.0")
    deploy(kubeconfig, namespace, "svc-b", "1.0.0-broken")
    metrics = wait_for_metrics(cluster, "svc-a")
    assert all(m["kind"] == "PodMetrics" and m["containers"][0]["usage"]["memory"].endswith("Ki") for m in metrics)
    wait_for_metrics(cluster, "svc-b")
    probes = [probe_service(cluster, app, SAMPLE, requests=12) for app in ("svc-a", "svc-b")]
    verdict = evaluate_phase(2, probes)
    criteria = {c.name: c for c in verdict.criteria}
    assert criteria["svc-a.error_rate"].value == 0 and criteria["svc-a.error_rate"].status.value == "pass"
    assert 0 < criteria["svc-a.memory_usage"].value < 80 and criteria["svc-a.cpu_usage"].value is not None
    assert criteria["svc-b.error_rate"].value >= 40 and criteria["svc-b.error_rate"].status.value == "fail"
    assert verdict.status is VerdictStatus.FAIL

    steps = rollback_plan(before, capture(cluster, ["svc-a", "svc-b"]), ["svc-a", "svc-b"])
    assert [(s.application, s.action) for s in steps] == [("svc-a", "restore"), ("svc-b", "remove")]
    outcomes = [execute(cluster, s, namespace=namespace, reason="test", timeout=120, settle=10) for s in steps]
    assert all(o["ok"] for o in outcomes), outcomes
    after = capture(cluster, ["svc-a", "svc-b"])
    assert after["svc-a"]["version"] == "1.0.0" and after["svc-b"] is None
