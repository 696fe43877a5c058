"""The pod AgentPodOperator asks Kubernetes for (KPO's own pod builder, XCom sidecar included), checked
field by field against Pod Security Standard "restricted" and golive's agent pod rules."""

from __future__ import annotations

from typing import Any

import pytest

from golive.kube.agentpod import KUBE_API_LABEL, SIDECAR_NAME, agent_pod_violations
from golive.kube.pss import violations
from golive.routing import gpu_profile

pytestmark = pytest.mark.airflow


@pytest.fixture(autouse=True)
def kubernetes_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", '{"conn_type": "kubernetes"}')


def build(**kwargs: Any) -> dict[str, Any]:
    from kubernetes.client import ApiClient

    from golive_airflow.operators.agent_pod import AgentPodOperator

    op = AgentPodOperator(task_id=f"{kwargs['agent']}-pod", action="analyze", **kwargs)
    return dict(ApiClient().sanitize_for_serialization(op.build_pod_request_obj(dry_run=True)))


@pytest.mark.parametrize(("agent", "args", "api"), [
    ("quality", ["--tool", "coverage"], False),
    ("security", ["--tool", "dependencies"], False),
    ("verification", ["--tool", "health"], False),
    ("verification", ["--tool", "rollout"], True),
    ("deployment", [], True),
])
def test_every_agent_pod_is_restricted_and_holds_a_token_only_when_it_needs_the_api(
        agent: str, args: list[str], api: bool) -> None:
    pod = build(agent=agent, agent_args=args)
    spec = pod["spec"]
    assert violations(pod, "restricted") == [] and agent_pod_violations(pod) == []
    names = [c["name"] for c in spec["containers"]]
    assert names == ["base", SIDECAR_NAME], "the XCom sidecar is checked too"
    for container in spec["containers"]:
        sc = container["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True
        assert sc["runAsNonRoot"] is True and sc["capabilities"] == {"drop": ["ALL"]}
        assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
        assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
    assert spec["securityContext"]["runAsUser"] != 0 and spec["securityContext"]["runAsNonRoot"] is True
    assert spec["serviceAccountName"] == "golive-agent"
    assert spec["automountServiceAccountToken"] is api
    assert (pod["metadata"]["labels"].get(KUBE_API_LABEL) == "true") is api
    assert spec["activeDeadlineSeconds"] == 1800 and spec["priorityClassName"] == "golive-critical"
    assert {"/tmp", "/home/airflow"} <= {m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}  # nosec B108


def test_the_gpu_profile_brings_its_deadline_and_priority_class() -> None:
    pod = build(agent="testing", agent_args=["--tool", "model_eval"], profile="gpu")
    gpu = gpu_profile()
    assert pod["spec"]["activeDeadlineSeconds"] == gpu.active_deadline_seconds
    assert pod["spec"]["priorityClassName"] == gpu.priority_class_name == "golive-batch"
    assert agent_pod_violations(pod) == []


def test_gpu_pods_run_the_gpu_image_when_one_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from golive.settings import get_settings

    assert build(agent="testing", profile="gpu")["spec"]["containers"][0]["image"] == "golive-agent:0.1.0"
    monkeypatch.setenv("GOLIVE_AGENT_GPU_IMAGE", "registry.example/golive-agent:0.1.0-gpu")
    get_settings.cache_clear()
    try:
        images = {p: build(agent="testing", profile=p)["spec"]["containers"][0]["image"] for p in ("cpu", "gpu")}
        given = build(agent="testing", profile="gpu", image="mine:1")["spec"]["containers"][0]["image"]
    finally:
        get_settings.cache_clear()
    assert images == {"cpu": "golive-agent:0.1.0", "gpu": "registry.example/golive-agent:0.1.0-gpu"}
    assert given == "mine:1"


def test_an_unset_deployer_account_keeps_the_agents_account() -> None:
    pod = build(agent="monitoring", service_account_name=None)
    assert pod["spec"]["serviceAccountName"] == "golive-agent"
    assert build(agent="monitoring", service_account_name="golive-deployer")["spec"]["serviceAccountName"] \
        == "golive-deployer"


@pytest.mark.parametrize(("override", "field"), [
    ({"container_security_context": {"privileged": True}}, "privileged is true"),
    ({"automount_service_account_token": True}, "automountServiceAccountToken is not false"),
    ({"security_context": {"runAsUser": 0}}, "runAsUser is 0"),
    ({"active_deadline_seconds": None}, "activeDeadlineSeconds is not set"),
])
def test_an_override_that_breaks_the_rules_fails_before_the_pod_exists(override: dict[str, Any],
                                                                       field: str) -> None:
    from golive_airflow.exceptions import UnsafeAgentPod

    with pytest.raises(UnsafeAgentPod, match=field):
        build(agent="quality", agent_args=["--tool", "coverage"], **override)
