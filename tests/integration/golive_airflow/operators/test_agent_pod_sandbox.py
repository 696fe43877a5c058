"""Plan 002's sandbox limits on the pods that run an application's own code (the validation pods):
the pod AgentPodOperator asks for, run on localkube, is stopped when it exceeds its memory limit or its
CPU time (the profile's CPU limit × ``activeDeadlineSeconds``, localkube's ``RLIMIT_CPU``).

Plan 002 asks for 2 GB, 300 s of CPU and no network. The cpu profile gives 2Gi and, on localkube,
2 cores × 1800 s; this test shrinks the profile (``GOLIVE_POD_PROFILES``) so the limits are reached in
seconds. Network isolation is charts/golive's default-deny NetworkPolicy on a cluster; localkube does not
enforce NetworkPolicies (processes share the host's network).
"""

from __future__ import annotations

import json
import signal
import uuid
from pathlib import Path
from typing import Any

import pytest
from waiting import wait_for

from golive.kube.agentpod import SIDECAR_NAME
from golive.kube.podprofiles import EMBEDDED_PROFILES, load_profiles_cache_clear

pytestmark = [pytest.mark.airflow, pytest.mark.localkube]


@pytest.fixture
def small_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    doc = json.loads(Path(EMBEDDED_PROFILES).read_text())
    doc["profiles"]["cpu"]["resources"]["limits"] = {"cpu": "50m", "memory": "128Mi"}
    doc["profiles"]["cpu"]["resources"]["requests"] = {"cpu": "50m", "memory": "64Mi"}
    doc["profiles"]["cpu"]["activeDeadlineSeconds"] = 40
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps(doc))
    monkeypatch.setenv("GOLIVE_POD_PROFILES", str(path))
    monkeypatch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", '{"conn_type": "kubernetes"}')
    from golive.settings import get_settings

    get_settings.cache_clear()
    load_profiles_cache_clear()
    yield
    get_settings.cache_clear()
    load_profiles_cache_clear()


def agent_pod(code: str) -> dict[str, Any]:
    """The quality agent's coverage pod as AgentPodOperator builds it, running ``code`` instead."""
    from kubernetes.client import ApiClient

    from golive_airflow.operators.agent_pod import AgentPodOperator

    op = AgentPodOperator(task_id="coverage", agent="quality", action="analyze", agent_args=["--tool", "coverage"])
    pod = dict(ApiClient().sanitize_for_serialization(op.build_pod_request_obj(dry_run=True)))
    spec = pod["spec"]
    spec["containers"] = [c for c in spec["containers"] if c["name"] != SIDECAR_NAME]
    spec["containers"][0].update(command=["python", "-c", code], args=[])
    pod["metadata"] = {"name": f"sandbox-{uuid.uuid4().hex[:8]}", "labels": pod["metadata"].get("labels", {})}
    return pod


def run(localkube: Any, pod: dict[str, Any]) -> dict[str, Any]:
    api = localkube.core_v1()
    api.create_namespaced_pod("default", pod)
    name = pod["metadata"]["name"]
    return wait_for(lambda: (p := localkube.pod(name)) and p["status"]["phase"] in ("Succeeded", "Failed") and p,
                    timeout=120, what=f"{name} ended")


def test_an_agent_pod_over_its_memory_limit_is_stopped(localkube, small_profiles):
    pod = agent_pod("import time; x = b\"1\" * (400 * 2**20); time.sleep(30); print(len(x))")  # resident, and held
    assert pod["spec"]["containers"][0]["resources"]["limits"] == {"cpu": "50m", "memory": "128Mi"}
    ended = run(localkube, pod)
    assert ended["status"]["phase"] == "Failed"
    terminated = ended["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] != 0


def test_an_agent_pod_over_its_cpu_time_is_stopped(localkube, small_profiles):
    pod = agent_pod("while True: pass")
    assert pod["spec"]["activeDeadlineSeconds"] == 40
    ended = run(localkube, pod)
    terminated = ended["status"]["containerStatuses"][0]["state"]["terminated"]
    # 0.05 cpu × 40 s = 2 s of CPU time, then SIGXCPU: before the deadline
    assert ended["status"]["phase"] == "Failed" and terminated["exitCode"] == 128 + signal.SIGXCPU
    assert ended["status"].get("reason") != "DeadlineExceeded"
