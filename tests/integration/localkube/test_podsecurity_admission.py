"""Pod Security admission on localkube: a "restricted" namespace refuses a bare pod with upstream's message
and admits golive's real agent pod (built by AgentPodOperator); "warn" answers with a Warning header;
a workload is admitted with a warning and its pods are refused when its controller creates them."""

from __future__ import annotations

import copy
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from golive.kube.namespaces import POD_SECURITY_LABELS
from localkube import LocalKube
from localkube.errors import LocalKubeError
from localkube.podsecurity import ENFORCE_LABEL, WARN_LABEL

pytestmark = [pytest.mark.localkube, pytest.mark.airflow]

BARE = {"metadata": {"name": "bare"},
        "spec": {"containers": [{"name": "x", "image": "python:3.11", "command": ["python", "-c", "pass"]}]}}
BARE_VIOLATIONS = (
    'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "x" must set '
    'securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "x" must set '
    'securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "x" must set '
    'securityContext.runAsNonRoot=true), seccompProfile (pod or container "x" must set '
    'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")')


def http(kube: LocalKube, method: str, path: str, body: Any = None) -> tuple[int, list[str], Any]:
    kind = "application/strategic-merge-patch+json" if method == "PATCH" else "application/json"
    request = urllib.request.Request(kube.url + path, data=None if body is None else json.dumps(body).encode(),
                                     method=method, headers={"Content-Type": kind,
                                                             "Authorization": f"Bearer {kube.token}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers.get_all("Warning") or [], json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get_all("Warning") or [], json.loads(err.read())


@pytest.fixture
def kube(localkube_factory: Callable[..., LocalKube], monkeypatch: pytest.MonkeyPatch) -> LocalKube:
    cluster = localkube_factory(namespace_labels={"agents": dict(POD_SECURITY_LABELS),
                                                  "watched": {WARN_LABEL: "restricted"},
                                                  "base": {ENFORCE_LABEL: "baseline"}})
    monkeypatch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", cluster.connection_uri())
    return cluster


def agent_pod(namespace: str) -> dict[str, Any]:
    """The pod AgentPodOperator asks for (KPO's builder, golive's security half, the XCom sidecar)."""
    from kubernetes.client import ApiClient

    from golive_airflow.operators.agent_pod import AgentPodOperator

    op = AgentPodOperator(task_id="verification-pod", agent="verification", action="analyze",
                          agent_args=["--tool", "rollout"], namespace=namespace)
    return dict(ApiClient().sanitize_for_serialization(op.build_pod_request_obj(dry_run=True)))


def test_restricted_refuses_a_bare_pod_naming_the_fields(kube: LocalKube) -> None:
    code, warnings, status = http(kube, "POST", "/api/v1/namespaces/agents/pods", BARE)
    assert (code, status["reason"], warnings) == (403, "Forbidden", [])
    assert status["message"] == f'pods "bare" is forbidden: {BARE_VIOLATIONS}'
    assert kube.pod("bare", "agents") is None
    assert http(kube, "POST", "/api/v1/namespaces/default/pods?dryRun=All", BARE)[0] == 201  # no labels: privileged
    hostpath = copy.deepcopy(BARE)
    hostpath["spec"]["volumes"] = [{"name": "h", "hostPath": {"path": str(kube.state_dir)}}]
    code, _, status = http(kube, "POST", "/api/v1/namespaces/base/pods?dryRun=All", hostpath)
    assert code == 403
    assert status["message"] == ('pods "bare" is forbidden: violates PodSecurity "baseline:latest": '
                                 'hostPath volumes (volume "h")')


def test_restricted_admits_the_real_agent_pod_and_refuses_it_once_weakened(kube: LocalKube) -> None:
    pod = agent_pod("agents")
    assert [c["name"] for c in pod["spec"]["containers"]] == ["base", "airflow-xcom-sidecar"]
    code, warnings, created = http(kube, "POST", "/api/v1/namespaces/agents/pods?dryRun=All", pod)
    assert (code, warnings) == (201, []), created
    weakened = copy.deepcopy(pod)
    del weakened["spec"]["containers"][1]["securityContext"]["seccompProfile"]
    weakened["spec"]["securityContext"].pop("seccompProfile", None)
    code, _, status = http(kube, "POST", "/api/v1/namespaces/agents/pods?dryRun=All", weakened)
    assert code == 403 and status["message"].endswith(
        'seccompProfile (pod or container "airflow-xcom-sidecar" must set securityContext.seccompProfile.type to '
        '"RuntimeDefault" or "Localhost")')


def test_warn_only_admits_with_a_warning_header(kube: LocalKube) -> None:
    code, warnings, created = http(kube, "POST", "/api/v1/namespaces/watched/pods?dryRun=All", BARE)
    assert code == 201 and created["metadata"]["name"] == "bare"
    text = "would violate" + BARE_VIOLATIONS.removeprefix("violates")
    assert warnings == ['299 - "' + text.replace('"', '\\"') + '"']


def test_a_workload_is_warned_and_its_pods_refused_by_its_controller(kube: LocalKube) -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}}, "spec": BARE["spec"]}}}
    code, warnings, _ = http(kube, "POST", "/apis/apps/v1/namespaces/agents/deployments", deployment)
    assert code == 201 and len(warnings) == 1 and "would violate PodSecurity" in warnings[0]
    deadline = time.monotonic() + 20
    refused: list[str] = []
    while not refused and time.monotonic() < deadline:
        events = http(kube, "GET", "/api/v1/namespaces/agents/events")[2]["items"]
        refused = [e["message"] for e in events if e["reason"] == "FailedCreate"]
        time.sleep(0.2)
    assert refused and refused[0].startswith('Error creating: pods "web-') and refused[0].endswith(BARE_VIOLATIONS)
    assert http(kube, "GET", "/api/v1/namespaces/agents/pods")[2]["items"] == []
    replicaset = http(kube, "GET", "/apis/apps/v1/namespaces/agents/replicasets")[2]["items"][0]
    failure = [c for c in replicaset["status"]["conditions"] if c["type"] == "ReplicaFailure"]
    assert failure and failure[0]["message"].endswith(BARE_VIOLATIONS)
    controller = next(c for c in kube.controllers.controllers if c.name == "replicaset-controller")
    assert not controller.may_create(("agents", replicaset["metadata"]["name"]))  # backing off, not retrying


def test_an_image_change_is_admitted_again(kube: LocalKube) -> None:
    assert http(kube, "POST", "/api/v1/namespaces", {"metadata": {"name": "later"}})[0] == 201
    assert http(kube, "POST", "/api/v1/namespaces/later/pods", BARE)[0] == 201  # no labels yet
    code, _, _ = http(kube, "PATCH", "/api/v1/namespaces/later",
                      {"metadata": {"labels": {ENFORCE_LABEL: "restricted"}}})
    assert code == 200
    path = "/api/v1/namespaces/later/pods/bare"
    assert http(kube, "PATCH", path, {"metadata": {"labels": {"seen": "yes"}}})[0] == 200  # not significant
    code, _, status = http(kube, "PATCH", path, {"spec": {"containers": [{"name": "x", "image": "python:3.12"}]}})
    assert (code, status["message"]) == (403, f'pods "bare" is forbidden: {BARE_VIOLATIONS}')


def test_namespace_labels_must_parse(kube: LocalKube, localkube_factory: Callable[..., LocalKube]) -> None:
    code, _, status = http(kube, "POST", "/api/v1/namespaces",
                           {"metadata": {"name": "typo", "labels": {ENFORCE_LABEL: "strict"}}})
    assert (code, status["reason"]) == (422, "Invalid") and "must be one of privileged, baseline" in status["message"]
    labels = kube.core_v1().read_namespace("agents").metadata.labels
    assert labels[ENFORCE_LABEL] == "restricted"
    with pytest.raises(LocalKubeError, match=r'namespace typo: .*Invalid value: "strict"'):
        localkube_factory(namespace_labels={"typo": {ENFORCE_LABEL: "strict"}})
