"""The verification agent against real Deployments on localkube.

The sample app's chart (charts/sample-app, values-dev) is rendered with golive.charts and applied with
golive.kube.objects.apply; localkube runs its pods as processes and serves its Service on a loopback port.

* version 1.0.0: ``verify`` (the CLI, every analyzer) passes with exit code 0;
* an upgrade to the ``-errors`` build (FAULT_MODE=errors) with two replicas: the rollout completes and
  /health stays ok, but the new pods' logs carry ERROR lines once the API is used, and only the current
  ReplicaSet's pods are inspected;
* a crash-looping Deployment: rollout incomplete, pods not Ready, restarts counted, its Traceback lines
  read back with the token in them redacted;
* a Deployment that does not exist: no-data, never a pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from repo_paths import REPO

from golive import charts
from golive.agents import verification
from golive.analyzers.base import Context, guarded
from golive.gates.verification import KUBERNETES_ANALYZERS, VERIFICATION
from golive.kube.client import load_client
from golive.kube.objects import apply, delete
from golive.kube.services import service_url
from golive.kube.workloads import revisions, rollout_status
from golive.models import CriterionStatus, VerdictStatus

pytestmark = pytest.mark.localkube

CHART = REPO / "charts" / "sample-app"
RELEASE = "shop"
DEPLOYMENT = "shop-sample-app-stable-api"
SERVICE = "shop-sample-app"


@pytest.fixture(scope="module")
def cluster(localkube) -> Iterator[dict[str, Any]]:
    """A fresh namespace on the session's localkube; $KUBECONFIG points at it for the module."""
    namespace = f"verify-{uuid.uuid4().hex[:6]}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KUBECONFIG", str(localkube.kubeconfig))
        client = load_client()
        apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}], namespace, client)
        try:
            yield {"namespace": namespace, "client": client, "kubeconfig": str(localkube.kubeconfig)}
        finally:
            delete("Namespace", namespace, None, client)


def deploy(cluster: dict[str, Any], tag: str, replicas: int = 1) -> str:
    objs = charts.render_chart(str(CHART), RELEASE, cluster["namespace"],
                               # a limit the burst exceeds within seconds even on a starved runner (dev's
                               # 3000/min needs > 4500 requests inside the 30 s bound)
                               {"image": {"tag": tag}, "api": {"replicas": replicas},
                                "config": {"rateLimitPerMinute": 600}},
                               [str(CHART / "values-dev.yaml")])
    apply(objs, cluster["namespace"], cluster["client"])
    return service_url(SERVICE, cluster["namespace"], cluster["client"])


def ctx(cluster: dict[str, Any], deployment: str = DEPLOYMENT, timeout: float = 60, url: str | None = None,
        expected: str | None = None) -> Context:
    return Context(agent="verification", url=url, expected_version=expected, timeout=timeout,
                        options={"namespace": cluster["namespace"], "deployment": deployment})


def test_the_sample_app_chart_passes_verify(cluster: dict[str, Any]) -> None:
    url = deploy(cluster, "1.0.0")
    # the deployment phase waits for the rollout before verification starts
    assert rollout_status(DEPLOYMENT, cluster["namespace"], cluster["client"], timeout=60).done
    env = {**os.environ, "KUBECONFIG": cluster["kubeconfig"]}
    out = subprocess.run([sys.executable, "-m", "golive.agents.verification", "verify", "--url", url,
                          "--namespace", cluster["namespace"], "--deployment", DEPLOYMENT,
                          "--expected-version", "1.0.0", "--burst-max", "8000"],
                         capture_output=True, text=True, timeout=180, env=env)
    payload = json.loads(out.stdout)
    criteria = {c["name"]: c for c in payload["verdict"]["criteria"]}
    failing = {n: c["reason"] for n, c in criteria.items() if c["status"] != "pass"}
    assert out.returncode == 0 and payload["verdict"]["status"] == "PASS", (failing, out.stderr[-2000:])
    assert not failing
    assert criteria["pods_ready"]["value"] == 100 and criteria["pod_restarts"]["value"] == 0
    assert "successfully rolled out: 1 of 1 replicas available" in criteria["rollout_complete"]["reason"]
    results = {r["tool"]: r for r in payload["results"]}
    assert results["ratelimit"]["details"]["first_429_at"] >= 590  # deploy(): 600 requests a minute
    assert results["logs"]["details"]["per_container"]  # the log was really read


def test_an_errors_build_rolls_out_healthy_but_its_logs_show_errors(cluster: dict[str, Any]) -> None:
    deploy(cluster, "1.0.0")
    assert rollout_status(DEPLOYMENT, cluster["namespace"], cluster["client"], timeout=60).done
    url = deploy(cluster, "1.1.0-errors", replicas=2)

    rollout = verification.REGISTRY["rollout"](ctx(cluster))
    assert rollout.value("rollout_complete") == 1, rollout.measurements[0].detail
    assert "2 of 2 replicas available" in rollout.measurements[0].detail
    health = verification.REGISTRY["health"](ctx(cluster, url=url))
    assert health.value("health_ok") == 1
    version = verification.REGISTRY["version"](ctx(cluster, url=url, expected="1.0.0"))
    assert version.value("version_matches") == 0
    assert "running '1.1.0-errors' (from /version), expected '1.0.0'" in version.measurements[0].detail

    # the errors build answers half of the API requests 500 at random: 40 tries miss one with p = 2^-40
    statuses = [httpx.get(f"{url}/api/v1/items", timeout=5).status_code for _ in range(40)]
    assert 500 in statuses
    time.sleep(0.5)
    pods = verification.REGISTRY["pods"](ctx(cluster))
    assert pods.value("pods_ready_ratio") == 100
    assert len(pods.details["pods"]) == 2  # only the current ReplicaSet's pods
    history = revisions(DEPLOYMENT, cluster["namespace"], cluster["client"])
    assert pods.details["replicaset"] == history[-1].replicaset
    logs = verification.REGISTRY["logs"](ctx(cluster))
    assert logs.error is None, logs.error
    assert logs.value("error_log_lines") >= statuses.count(500)
    assert any("injected fault: answering 500" in f.message for f in logs.findings)
    criterion = {c.name: c for c in VERIFICATION.score([logs]).criteria}["error_log_lines"]
    assert criterion.status in (CriterionStatus.WARNING, CriterionStatus.FAIL)


CRASH = ("import sys; print('starting'); print('Traceback (most recent call last):'); "
         "print('CRITICAL cannot connect, api_key=sk-abcdefghijklmnopqrstuvwx token=abc123abc123'); "
         "sys.stdout.flush(); sys.exit(3)")


def test_a_crash_looping_deployment_fails_rollout_pods_and_logs(cluster: dict[str, Any]) -> None:
    name = "crasher"
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": 1, "progressDeadlineSeconds": 600, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "main", "image": "python:3.11",
                                                       "command": ["python", "-c", CRASH]}]}}}}
    apply([deployment], cluster["namespace"], cluster["client"])
    rollout = verification.REGISTRY["rollout"](ctx(cluster, name, timeout=3))
    assert rollout.value("rollout_complete") == 0
    assert "0 of 1 updated replicas are available" in rollout.measurements[0].detail, rollout.measurements[0].detail
    assert rollout.details["waited_seconds"] >= 2.5

    deadline = time.monotonic() + 20
    while True:
        pods = verification.REGISTRY["pods"](ctx(cluster, name))
        if pods.value("pod_restarts") >= 1 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert pods.value("pods_ready_ratio") == 0
    assert pods.value("pod_restarts") >= 1
    assert {f.rule_id for f in pods.findings} == {"pod-not-ready", "container-restarted"}
    assert any("exit 3" in f.message for f in pods.findings)

    logs = verification.REGISTRY["logs"](ctx(cluster, name))
    assert logs.error is None, logs.error
    assert logs.value("error_log_lines") >= 1
    text = " ".join(f.message for f in logs.findings)
    assert "Traceback (most recent call last):" in text
    assert "CRITICAL cannot connect, api_key=*** token=***" in text
    assert "sk-abcdef" not in text and "abc123abc123" not in text
    verdict = VERIFICATION.score([rollout, pods, logs])
    assert verdict.status is VerdictStatus.FAIL


def test_a_missing_deployment_is_no_data(cluster: dict[str, Any]) -> None:
    for tool in KUBERNETES_ANALYZERS:
        result = guarded(tool, verification.REGISTRY[tool], ctx(cluster, "nope", timeout=1))
        assert result.error and "nope" in result.error, (tool, result.error)
    verdict = VERIFICATION.score([guarded("pods", verification.REGISTRY["pods"], ctx(cluster, "nope"))])
    assert {c.name: c.status for c in verdict.criteria}["pods_ready"] is CriterionStatus.NO_DATA
