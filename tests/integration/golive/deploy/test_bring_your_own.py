"""A real application nobody here wrote, taken live by what its profile says: the Flask tutorial app.

``tests/data/projects/flaskr`` (pallets/flask ``examples/tutorial``, BSD-3) has no chart: the
deployment agent — a process with ``$GOLIVE_PROFILE`` and ``--source``, as in a pod — deploys it with
golive's generic chart ``charts/golive-app`` on localkube, whose image catalog runs image ``flaskr``
with Flask's own server and the session key from the ``flaskr-secrets`` Secret. The rollout waits on
readiness probes of the profile's health path (``/hello``); the version is verified by the
Deployment's image tag (flaskr reports none); the canary traffic GETs the profile's paths.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from repo_paths import REPO

from golive.canary.traffic import drive, traffic_paths
from golive.kube.client import load_client
from golive.kube.objects import apply, delete, get
from golive.profile import load_profile

pytestmark = pytest.mark.localkube

FLASKR = REPO / "tests" / "data" / "projects" / "flaskr"
PROFILE = (REPO / "tests" / "data" / "projects" / "flaskr.golive.yaml").read_text()
APP = "flaskr"


@dataclass
class Byo:
    namespace: str
    kubeconfig: Path
    client: Any

    def agent(self, action: str, *extra: str, strategy: str = "rolling") -> tuple[int, dict[str, Any]]:
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig), "GOLIVE_PROFILE": PROFILE}
        env.pop("GOLIVE_CHART_DIR", None)
        proc = subprocess.run(
            [sys.executable, "-m", "golive.agents.deployment", action, "--application", APP,
             "--namespace", self.namespace, "--strategy", strategy, "--environment", "dev",
             "--source", str(FLASKR), "--replicas", "1", "--timeout", "90", *extra],
            env=env, capture_output=True, text=True, timeout=300, check=False)
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        assert len(lines) == 1, f"stdout:\n{proc.stdout[-2000:]}\nstderr:\n{proc.stderr[-3000:]}"
        return proc.returncode, json.loads(lines[0])


@pytest.fixture
def byo(localkube: Any) -> Iterator[Byo]:
    kubeconfig = Path(localkube.kubeconfig or localkube.write_kubeconfig())
    client = load_client(kubeconfig)
    name = f"byo-{uuid.uuid4().hex[:6]}"
    apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}], "default", client)
    # what the infrastructure agent creates from the profile's secret_keys: flaskr refuses to start without it
    apply([{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"{APP}-secrets", "namespace": name},
            "stringData": {"FLASKR_SECRET_KEY": secrets.token_hex(32)}}], name, client)
    try:
        yield Byo(namespace=name, kubeconfig=kubeconfig, client=client)
    finally:
        for variant in ("stable", "canary", "blue", "green"):
            delete("Deployment", f"{APP}-{variant}", name, client)
        for svc in (APP, f"{APP}-preview"):
            delete("Service", svc, name, client)


def test_flaskr_goes_live_with_the_generic_chart_and_its_own_endpoints(byo: Byo) -> None:
    code, first = byo.agent("deploy", "--version", "1.0.0")
    assert code == 0, first
    assert first["deployment"] == "flaskr-stable"  # the generic chart's name, found by its labels
    assert {"Deployment/flaskr-stable", "Service/flaskr", "PodDisruptionBudget/flaskr-stable",
            "HorizontalPodAutoscaler/flaskr-stable"} <= set(first["objects"])
    assert first["rollout"]["done"]
    dep = get("Deployment", "flaskr-stable", byo.namespace, byo.client)
    container = dep["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "flaskr:1.0.0"
    assert container["readinessProbe"]["httpGet"]["path"] == "/hello"
    url = first["service_url"]
    assert httpx.get(f"{url}/hello", timeout=5).text == "Hello, World!"  # flaskr's own code answers

    code, second = byo.agent("deploy", "--version", "1.1.0")
    assert code == 0, second
    assert (second["revision"], second["previous_revision"], second["previous_version"]) == (2, 1, "1.0.0")

    code, back = byo.agent("rollback", "--version", "1.1.0", "--to-revision", "1", "--reason", "gate failed")
    assert code == 0, back
    assert back["verified"] and back["to_version"] == "1.0.0", back
    checks = {c["name"]: c for c in back["checks"]}
    assert checks["health"]["ok"] and "/hello" in checks["health"]["detail"]
    assert checks["version"]["ok"] and "image tag 1.0.0" in checks["version"]["detail"]

    endpoints = load_profile(FLASKR, PROFILE).profile.endpoints
    paths, note = traffic_paths(endpoints)
    assert "traffic_paths" in note
    assert paths == ("/hello", "/auth/login", "/auth/register")
    report = drive(url, seconds=20, requests=30, token=None, paths=paths)
    assert len(report) == 1 and not report[0]["authenticated"]  # no signup in flaskr's profile
    assert report[0]["status_counts"] == {"200": 30}, report


def test_flaskr_goes_live_from_its_kustomize_overlay(byo: Byo, tmp_path: Path) -> None:
    import shutil

    tree = tmp_path / "flaskr"
    shutil.copytree(FLASKR, tree)  # the user's repository: the app and its k8s/base + overlays
    shutil.copytree(REPO / "tests" / "data" / "kustomize" / "flaskr" / "k8s", tree / "k8s")
    profile = json.dumps({**yaml.safe_load(PROFILE), "chart": {"ref": "k8s", "type": "kustomize"}})
    env = {**os.environ, "KUBECONFIG": str(byo.kubeconfig), "GOLIVE_PROFILE": profile}
    env.pop("GOLIVE_CHART_DIR", None)

    def deploy(version: str) -> dict[str, Any]:
        proc = subprocess.run([sys.executable, "-m", "golive.agents.deployment", "deploy", "--application", APP,
                               "--namespace", byo.namespace, "--version", version, "--environment", "dev",
                               "--source", str(tree), "--timeout", "90"],
                              env=env, capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        return result

    first = deploy("1.0.0")
    assert first["deployment"] == "flaskr", first
    assert first["rollout"]["done"]
    assert httpx.get(f"{first['service_url']}/hello", timeout=5).text == "Hello, World!"
    second = deploy("1.1.0")
    dep = get("Deployment", "flaskr", byo.namespace, byo.client)
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "flaskr:1.1.0"
    assert (second["revision"], second["previous_version"]) == (2, "1.0.0")
    delete("Deployment", "flaskr", byo.namespace, byo.client)


def test_flaskr_canary_then_promote(byo: Byo) -> None:
    code, first = byo.agent("deploy", "--version", "1.0.0", strategy="canary")
    assert code == 0 and first["first_deploy"], first
    code, step = byo.agent("deploy", "--version", "1.1.0", "--weight", "50", strategy="canary")
    assert code == 0, step
    assert (step["stable_deployment"], step["canary_deployment"]) == ("flaskr-stable", "flaskr-canary")
    assert httpx.get(f"{step['preview_url']}/hello", timeout=5).status_code == 200
    code, promoted = byo.agent("promote", "--version", "1.1.0", strategy="canary")
    assert code == 0 and promoted["promoted"], promoted
    code, status = byo.agent("status", strategy="canary")
    assert code == 0, status
    assert status["deployments"]["stable"]["name"] == "flaskr-stable"
    assert status["live_versions"] == ["1.1.0"] and "canary" not in status["deployments"], status
